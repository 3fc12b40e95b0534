// Retention (issue 13): old finished history is purged by a background worker, on SQLite and
// PostgreSQL; what is still in use (queued/running operations, unexpired keys, open VM records,
// open findings) is never touched, whatever its age.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RetentionWorker } from '../../src/admin/retention-worker.js';
import { RetentionStore } from '../../src/store/retention-store.js';
import { silentLogger } from '../support/silent-logger.js';
import { startTestApp, type TestApp } from '../support/app-harness.js';
import { storeBackends, type TestStore } from '../support/store-backends.js';
import { waitFor } from '../support/wait-for.js';

const DAY = 86_400_000;
const NOW = new Date('2026-06-01T12:00:00.000Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();
const SETTINGS = { intervalMs: 0, operationsDays: 30, auditDays: 365, vmRecordsDays: 90, idempotencyGraceDays: 1 };

for (const backend of storeBackends()) {
  describe(`retention over ${backend.label}`, () => {
    let store: TestStore;

    before(async () => {
      store = await backend.open();
    });
    after(() => store?.destroy());

    async function seed(): Promise<void> {
      const db = store.db;
      const op = (id: string, state: string, finishedDaysAgo: number | null) => ({
        id,
        kind: 'vm.start',
        state,
        cloud: 'default',
        target: null,
        user_id: null,
        request: '{}',
        result: null,
        error: null,
        steps: '[]',
        created_at: ago(400),
        updated_at: ago(400),
        finished_at: finishedDaysAgo === null ? null : ago(finishedDaysAgo),
      });
      await db
        .insertInto('operations')
        .values([op('old-done', 'succeeded', 31), op('old-failed', 'failed', 45), op('recent-done', 'succeeded', 29), op('old-running', 'running', null), op('old-queued', 'queued', null)])
        .execute();
      const key = (k: string, expiredDaysAgo: number, state = 'done') => ({
        user_id: 1,
        key: k,
        fingerprint: 'f',
        state,
        status: 201,
        body: '{}',
        location: null,
        created_at: ago(expiredDaysAgo + 1),
        expires_at: ago(expiredDaysAgo),
      });
      await db.insertInto('idempotency_keys').values([key('expired-long-ago', 2), key('expired-just-now', 0.5), key('valid', -0.5, 'pending')]).execute();
      const audit = (days: number, action: string) => ({ at: ago(days), actor: 'admin', actor_id: 1, action, target: 't', params: '{}', result: 'ok', status: 200, message: null });
      await db.insertInto('audit_log').values([audit(400, 'old'), audit(10, 'recent')]).execute();
      const record = (id: string, endedDaysAgo: number | null) => ({
        cloud: 'default',
        id_vm: id,
        name: id,
        image: 'img',
        size: 'small',
        requested_at: ago(500),
        created_at: ago(500),
        running_at: null,
        failed_at: null,
        failure_kind: null,
        fault: null,
        last_state: 'running',
        last_seen_at: null,
        missing_since: null,
        ended_at: endedDaysAgo === null ? null : ago(endedDaysAgo),
        end_reason: endedDaysAgo === null ? null : 'destroyed',
      });
      await db.insertInto('vm_records').values([record('ended-long-ago', 91), record('ended-recently', 5), record('still-running', null)]).execute();
      const finding = (id: string, resolvedDaysAgo: number | null) => ({
        cloud: 'default',
        id_vm: id,
        kind: 'unknown',
        hostname: id,
        detail: null,
        first_seen_at: ago(200),
        last_seen_at: ago(200),
        resolution: resolvedDaysAgo === null ? null : 'destroyed',
        resolved_at: resolvedDaysAgo === null ? null : ago(resolvedDaysAgo),
        resolved_by: resolvedDaysAgo === null ? null : 'reconciler',
      });
      await db.insertInto('vm_findings').values([finding('resolved-long-ago', 100), finding('open-long-ago', null)]).execute();
    }

    it('purges finished history past its age and keeps everything else', async () => {
      await seed();
      const worker = new RetentionWorker({ store: new RetentionStore(store.db), settings: SETTINGS, logger: silentLogger });
      const report = await worker.purge(NOW);
      assert.deepEqual(
        { ...report, at: undefined },
        { at: undefined, idempotencyKeys: 1, operations: 2, audit: 1, vmRecords: 1, findings: 1 },
      );
      const ids = async (table: 'operations' | 'vm_records' | 'vm_findings', column: 'id' | 'id_vm') =>
        (await store.db.selectFrom(table).select(column as never).execute()).map((r) => Object.values(r)[0]).sort();
      assert.deepEqual(await ids('operations', 'id'), ['old-queued', 'old-running', 'recent-done']);
      assert.deepEqual(await ids('vm_records', 'id_vm'), ['ended-recently', 'still-running']);
      assert.deepEqual(await ids('vm_findings', 'id_vm'), ['open-long-ago']);
      assert.deepEqual((await store.db.selectFrom('idempotency_keys').select('key').orderBy('key').execute()).map((r) => r.key), ['expired-just-now', 'valid']);
      assert.deepEqual((await store.db.selectFrom('audit_log').select('action').execute()).map((r) => r.action), ['recent']);
      assert.deepEqual({ ...(await worker.purge(NOW)), at: undefined }, { at: undefined, idempotencyKeys: 0, operations: 0, audit: 0, vmRecords: 0, findings: 0 }, 'a second round finds nothing');
      assert.equal(worker.lastPurge?.at, NOW.toISOString());
    });
  });
}

describe('retention worker in the dispatcher', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp({ config: { retention: { intervalMs: 30, auditDays: 1 } } });
  });
  after(() => app?.close());

  it('runs as a background worker once started, beats, and purges by the configured ages', async () => {
    await app.dispatcher.services.store.db
      .insertInto('audit_log')
      .values({ at: new Date(Date.now() - 2 * DAY).toISOString(), actor: 'admin', actor_id: 1, action: 'ancient', target: 't', params: '{}', result: 'ok', status: 200, message: null })
      .execute();
    app.dispatcher.startBackground();
    await waitFor('the old audit entry purged', async () => (await app.dispatcher.services.store.db.selectFrom('audit_log').select('action').where('action', '=', 'ancient').execute()).length === 0);
    const beats = (await app.request('GET', '/api/v2/status/heartbeats')).body.items as Array<{ worker: string; rounds: number }>;
    assert.ok(beats.some((b) => b.worker === 'retention' && b.rounds >= 1), JSON.stringify(beats));
    assert.equal(app.config.retention.operationsDays, 30, 'the documented default');
    assert.equal(app.config.retention.vmRecordsDays, 90);
  });
});
