import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OperationStore } from '../../src/store/operation-store.js';
import { TrackerStore } from '../../src/store/tracker-store.js';
import { UserStore } from '../../src/store/user-store.js';
import pg from 'pg';
import { openPostgresStore, storeBackends, type TestStore } from '../support/store-backends.js';
import { openStore } from '../../src/store/store-open.js';

for (const backend of storeBackends()) {
  describe(`store on ${backend.label}`, () => {
    let store: TestStore;
    before(async () => {
      store = await backend.open();
    });
    after(async () => store?.destroy());

    it('answers a ping and migrates idempotently (a second open finds nothing to do)', async () => {
      await store.ping();
      const again = await openStore(store.url, { schema: store.schema });
      await again.ping();
      await again.close();
    });

    it('migrates in its own schema even when another schema already holds migration tables', async (ctx) => {
      if (backend.label !== 'postgres') return ctx.skip('PostgreSQL schemas only');
      const foreign = `t_foreign_${Date.now().toString(36)}`;
      const client = new pg.Client({ connectionString: store.url });
      await client.connect();
      try {
        await client.query(`create schema ${foreign}`);
        await client.query(`create table ${foreign}.kysely_migration (name varchar(255) primary key, timestamp varchar(255))`);
        await client.query(`create table ${foreign}.kysely_migration_lock (id varchar(255) primary key, is_locked integer)`);
        const fresh = await openPostgresStore(store.url);
        try {
          assert.equal(await new UserStore(fresh.db).count(), 0, 'its own tables were created');
        } finally {
          await fresh.destroy();
        }
      } finally {
        await client.query(`drop schema if exists ${foreign} cascade`);
        await client.end();
      }
    });

    it('opens while other schemas, tables and columns of the database are dropped meanwhile (Kysely introspects them all)', async (ctx) => {
      if (backend.label !== 'postgres') return ctx.skip('PostgreSQL schemas only');
      const client = new pg.Client({ connectionString: store.url });
      await client.connect();
      let churning = true;
      const prefix = `t_churn_${Date.now().toString(36)}`;
      const churn = (async () => {
        for (let i = 0; churning; i++) {
          await client.query(`create schema ${prefix}_${i}; create table ${prefix}_${i}.t (a int, b int, c int)`);
          // A column dropped meanwhile too (a down-migration in another schema): 42703 through pg_get_serial_sequence.
          await client.query(`alter table ${prefix}_${i}.t drop column c`);
          await client.query(`drop schema ${prefix}_${i} cascade`);
        }
      })();
      try {
        for (let i = 0; i < 40; i++) {
          const again = await openStore(store.url, { schema: store.schema });
          await again.close();
        }
      } finally {
        churning = false;
        await churn;
        await client.end();
      }
    });

    it('creates users with unique names and never returns the hash in listings', async () => {
      const users = new UserStore(store.db);
      const alice = await users.create('alice', 'hash-a', 'user');
      assert.equal(alice.username, 'alice');
      assert.equal(alice.active, true);
      assert.equal('passwordHash' in alice, false);
      await assert.rejects(users.create('alice', 'hash-b', 'user'));
      assert.equal((await users.findByName('alice'))?.passwordHash, 'hash-a');
      const listed = await users.list();
      assert.ok(listed.every((u) => !('passwordHash' in u)));
      const updated = await users.update(alice.id, { role: 'admin', active: false });
      assert.equal(updated?.role, 'admin');
      assert.equal(updated?.active, false);
    });

    it('resolves only live tokens of active users', async () => {
      const users = new UserStore(store.db);
      const bob = await users.create('bob', 'h', 'user');
      await users.addToken(bob.id, 'live', new Date(Date.now() + 60_000));
      await users.addToken(bob.id, 'expired', new Date(Date.now() - 1));
      assert.equal((await users.userForToken('live'))?.username, 'bob');
      assert.equal(await users.userForToken('expired'), undefined);
      assert.equal(await users.userForToken('unknown'), undefined);
      assert.equal(await users.revokeToken('live'), true);
      assert.equal(await users.userForToken('live'), undefined);
      await users.addToken(bob.id, 'other', new Date(Date.now() + 60_000));
      await users.update(bob.id, { active: false });
      assert.equal(await users.userForToken('other'), undefined, 'a disabled user cannot use a token');
      assert.equal(await users.revokeAllTokens(bob.id), 2, 'the expired and the other token');
      assert.equal(await users.purgeExpiredTokens(), 1);
    });

    it('keeps tracker records per cloud and moves them only from an allowed state', async () => {
      const tracker = new TrackerStore(store.db);
      await tracker.upsert({ cloud: 'a', id_vm: 'vm-1', hostname: 'h1', status: 1, status_desc: 'FREE', recipe: '' });
      await tracker.upsert({ cloud: 'a', id_vm: 'vm-1', hostname: 'h1-dup', status: 1, status_desc: 'FREE', recipe: '' });
      await tracker.upsert({ cloud: 'b', id_vm: 'vm-2', hostname: 'h2', status: 1, status_desc: 'FREE', recipe: '' });
      const rows = await tracker.list('a');
      assert.equal(rows.length, 1);
      assert.equal(rows[0].hostname, 'h1');
      assert.equal(typeof rows[0].id, 'number');
      assert.equal((await tracker.transition('a', 'vm-1', ['FREE'], { status: 2, status_desc: 'ASSIGNED', user: 'u' }))?.user, 'u');
      assert.equal(await tracker.transition('a', 'vm-1', ['FREE'], { status: 2, status_desc: 'ASSIGNED', user: 'v' }), undefined);
      assert.equal((await tracker.byId('a', 'vm-1'))?.user, 'u');
      assert.deepEqual((await tracker.list('a', ['FREE'])).length, 0);
      await tracker.remove('a', 'vm-1');
      assert.equal((await tracker.list('a')).length, 0);
      assert.equal((await tracker.list('b')).length, 1);
    });

    it('records operations with steps, errors and counts by state', async () => {
      const operations = new OperationStore(store.db);
      const op = await operations.create({ kind: 'vm.start', cloud: 'a', request: { name: 'x' } });
      assert.equal(op.state, 'running');
      await operations.update(op.id, {
        state: 'failed',
        steps: [{ step: 'create', state: 'failed', at: new Date().toISOString() }],
        error: { kind: 'provider-fault', message: 'boom', status: 502 },
      });
      const read = await operations.get(op.id);
      assert.equal(read?.state, 'failed');
      assert.equal(read?.error?.message, 'boom');
      assert.equal(read?.steps.length, 1);
      assert.ok(read?.finishedAt);
      const other = await operations.create({ kind: 'vm.stop', request: {} });
      assert.equal(await operations.update(other.id, { state: 'interrupted' }), true);
      assert.equal((await operations.get(other.id))?.state, 'interrupted');
      const counts = await operations.countByState();
      assert.equal(counts.failed, 1);
      assert.equal(counts.interrupted, 1);
      assert.equal(counts.running, 0);
      // The metrics' gauge: per kind and state, only the pairs that occur, counts as numbers (pg answers strings).
      const byKind = await operations.countByKindAndState();
      assert.deepEqual(
        byKind.sort((a, b) => a.kind.localeCompare(b.kind)),
        [
          { kind: 'vm.start', state: 'failed', count: 1 },
          { kind: 'vm.stop', state: 'interrupted', count: 1 },
        ],
      );
    });
  });
}
