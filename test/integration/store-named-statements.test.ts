import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { HOT_STATEMENTS, PreparedStatement } from '../../src/store/prepared-statement.js';
import { TrackerStore } from '../../src/store/tracker-store.js';
import { randomBytes } from 'node:crypto';
import { openStore } from '../../src/store/store-open.js';
import { dropSchema, openPostgresStore, postgresUrl, type TestStore } from '../support/store-backends.js';

const url = postgresUrl();

describe('PostgreSQL: the hot statements run as named (prepared) ones', { skip: url ? false : 'DATABASE_URL is not set' }, () => {
  let store: TestStore;
  before(async () => {
    store = await openPostgresStore(url as string);
  });
  after(async () => store?.destroy());

  it('prepares a hot statement once per connection, and leaves other statements unnamed', async () => {
    const db = store.db;
    const tracker = new TrackerStore(db);
    await tracker.upsert({ cloud: 'c1', id_vm: 'v1', hostname: 'h1', status: 1, status_desc: 'FREE', recipe: '' });
    const byId = new PreparedStatement((cloud: string, idVm: string) => db.selectFrom('tracker_nodes').select(['id_vm', 'status_desc']).where('cloud', '=', cloud).where('id_vm', '=', idVm));
    // One connection for all of it (a store transaction pins one): its prepared statements are its own.
    const prepared = await store.atomically(async () => {
      for (let i = 0; i < 3; i++) assert.deepEqual(await byId.first(db, 'c1', 'v1'), { id_vm: 'v1', status_desc: 'FREE' });
      await db.selectFrom('tracker_nodes').select('id').where('hostname', '=', 'h1').execute(); // built per call: not hot
      const { rows } = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(db);
      return rows;
    });
    const sqlText = db.selectFrom('tracker_nodes').select(['id_vm', 'status_desc']).where('cloud', '=', 'c1').where('id_vm', '=', 'v1').compile().sql;
    const mine = prepared.filter((r) => r.statement === sqlText);
    assert.equal(mine.length, 1, JSON.stringify(prepared));
    assert.equal(mine[0].name, HOT_STATEMENTS.nameOf(sqlText));
    assert.ok(!prepared.some((r) => r.statement.includes('"hostname" = $1')), 'a statement built per call is not kept prepared');
  });

  it('prepares a statement again under a new name when its table changed under it (a migration)', async () => {
    const db = store.db as unknown as Kysely<any>;
    await sql`create table named_probe (id integer primary key)`.execute(db);
    await sql`insert into named_probe values (1)`.execute(db);
    const all = new PreparedStatement((id: number) => db.selectFrom('named_probe').selectAll().where('id', '=', id));
    assert.deepEqual(await all.first(db, 1), { id: 1 });
    const text = db.selectFrom('named_probe').selectAll().where('id', '=', 1).compile().sql;
    const before = HOT_STATEMENTS.nameOf(text);
    await sql`alter table named_probe add column note text default 'added'`.execute(db);
    // The plan prepared for one column cannot answer two: PostgreSQL refuses it (0A000) until prepared again.
    assert.deepEqual(await all.first(db, 1), { id: 1, note: 'added' });
    assert.notEqual(HOT_STATEMENTS.nameOf(text), before, 'the stale statement was replaced by a new name');
  });

  it('runs every statement unnamed with database.preparedStatements false (a pooler in transaction mode)', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const plain = await openStore(url as string, { schema, preparedStatements: false });
    try {
      const byId = new PreparedStatement((cloud: string) => plain.db.selectFrom('tracker_nodes').select('id_vm').where('cloud', '=', cloud).where('status_desc', '=', 'FREE'));
      const prepared = await plain.atomically(async () => {
        for (let i = 0; i < 2; i++) await byId.run(plain.db, 'c1');
        return (await sql<{ name: string }>`select name from pg_prepared_statements`.execute(plain.db)).rows;
      });
      assert.deepEqual(prepared, []);
    } finally {
      await plain.close();
      await dropSchema(url as string, schema);
    }
  });
});
