// Issue 14, store faults: a store that refuses writes answers 503 StoreUnavailable (never 500)
// and /readyz turns not-ready; a deleted SQLite file is noticed while running and refused at the
// next start (marker); unusable SQLite paths exit 2 with a clear message instead of spinning.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openStore, StoreOpenError } from '../../src/store/store-open.js';
import { startTestApp } from '../support/app-harness.js';
import { exited, launchMain } from '../support/main-launch.js';
import { waitFor } from '../support/wait-for.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dispatcher-storefault-'));
  dirs.push(dir);
  return dir;
}

describe('security: store faults', () => {
  it('answers 503 StoreUnavailable (v1 and v2) and turns /readyz not-ready while the store refuses writes', async () => {
    const app = await startTestApp();
    try {
      const { db } = app.dispatcher.services.store;
      assert.equal((await app.request('GET', '/readyz')).status, 200);
      // What a read-only file does to SQLite (SQLITE_READONLY on every write); chmod cannot show it to root.
      await sql`pragma query_only = 1`.execute(db);
      const v1 = await app.request('POST', '/api/v1/vm/start', { name: 'ro', image: 'ubuntu-24.04', size: 'm1.small' });
      assert.equal(v1.status, 503, JSON.stringify(v1.body));
      assert.match(v1.body.message, /^StoreUnavailable: /);
      const v2 = await app.request('POST', '/api/v2/auth/tokens', { username: 'admin', password: 'admin-password-for-tests' }, { authorization: '' });
      assert.equal(v2.status, 503);
      assert.equal(v2.body.code, 'StoreUnavailable');
      const ready = await app.request('GET', '/readyz');
      assert.equal(ready.status, 503);
      assert.equal(ready.body.status, 'not-ready');
      assert.match(ready.body.checks.store.detail, /not writable/);
      assert.equal(app.fake().calls.createVm ?? 0, 0, 'nothing reached the cloud');
      await sql`pragma query_only = 0`.execute(db);
      assert.equal((await app.request('GET', '/readyz')).status, 200);
    } finally {
      await app.close();
    }
  });

  it('notices a deleted SQLite file while running and refuses to start empty over it', async () => {
    const dir = tempDir();
    const url = `sqlite:${join(dir, 'd.sqlite')}`;
    const app = await startTestApp({ databaseUrl: url });
    try {
      assert.ok(existsSync(join(dir, 'd.sqlite.marker')), 'the marker is written beside the database');
      unlinkSync(join(dir, 'd.sqlite'));
      const ready = await app.request('GET', '/readyz');
      assert.equal(ready.status, 503);
      assert.match(ready.body.checks.store.detail, /deleted/);
      const write = await waitFor('a refused write', async () => {
        const res = await app.request('POST', '/api/v1/vm/start', { name: 'lost', image: 'ubuntu-24.04', size: 'm1.small' });
        return res.status === 503 ? res : undefined;
      });
      assert.match(write.body.message, /StoreUnavailable: .*deleted/);
    } finally {
      await app.close();
    }
    await assert.rejects(openStore(url), (err: unknown) => err instanceof StoreOpenError && /missing but .*marker says one existed/.test(err.message));
    const fresh = await openStore(url, { initialise: true });
    await fresh.close();
  });

  for (const [what, url, pattern] of [
    ['a path under /proc', 'sqlite:/proc/x/y', /pseudo-filesystem/],
    ['an empty sqlite: URL', 'sqlite:', /database\.url/],
    ['a directory', `sqlite:${tmpdir()}`, /not a file/],
  ] as const) {
    it(`exits 2 with a clear message for ${what}`, async () => {
      const run = launchMain({ DATABASE_URL: url });
      try {
        assert.equal(await exited(run.child), 2);
        assert.match(run.err(), pattern);
      } finally {
        run.child.kill('SIGKILL');
      }
    });
  }

  it('refuses a missing database whose marker exists at process start (exit 2), and starts with DISPATCHER_INITIALISE_DATABASE', async () => {
    const dir = tempDir();
    const url = `sqlite:${join(dir, 'd.sqlite')}`;
    await (await openStore(url)).close();
    unlinkSync(join(dir, 'd.sqlite'));
    const refused = launchMain({ DATABASE_URL: url });
    try {
      assert.equal(await exited(refused.child), 2);
      assert.match(refused.err(), /DISPATCHER_INITIALISE_DATABASE/);
    } finally {
      refused.child.kill('SIGKILL');
    }
    const started = launchMain({ DATABASE_URL: url, DISPATCHER_INITIALISE_DATABASE: 'true', DISPATCHER_ADMIN_PASSWORD: 'fresh-admin-password' });
    try {
      await waitFor('listening', () => /listening on/.test(started.out()), 20_000);
      started.child.kill('SIGTERM');
      assert.equal(await exited(started.child), 0);
    } finally {
      started.child.kill('SIGKILL');
    }
  });
});
