// The admin tables on every store backend (SQLite always, PostgreSQL when DATABASE_URL is set).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AdminStore } from '../../src/store/admin-store.js';
import { AuditStore } from '../../src/store/audit-store.js';
import { FindingStore } from '../../src/store/finding-store.js';
import { VmRecordStore } from '../../src/store/vm-record-store.js';
import { storeBackends, type TestStore } from '../support/store-backends.js';

for (const backend of storeBackends()) {
  describe(`admin store on ${backend.label}`, () => {
    let store: TestStore;
    before(async () => {
      store = await backend.open();
    });
    after(async () => store?.destroy());

    it('sets cloud overrides field by field and hands them back to the config', async () => {
      const admin = new AdminStore(store.db);
      await admin.setCloudOverride('a', { enabled: false }, 'op');
      await admin.setCloudOverride('a', { allocation: 5 }, 'op');
      await admin.setCloudOverride('b', { allocation: null }, 'op');
      assert.deepEqual(
        (await admin.cloudOverrides()).map(({ cloud, enabled, allocation }) => ({ cloud, enabled, allocation })),
        [
          { cloud: 'a', enabled: false, allocation: 5 },
          { cloud: 'b', enabled: undefined, allocation: null },
        ],
      );
      await admin.setCloudOverride('a', { enabled: 'config', allocation: 'config' }, 'op');
      const a = (await admin.cloudOverrides()).find((o) => o.cloud === 'a');
      assert.deepEqual([a?.enabled, a?.allocation], [undefined, undefined]);
    });

    it('keeps aliases, user limits and retiring flags', async () => {
      const admin = new AdminStore(store.db);
      await admin.putAlias('home', 'a', false, 'op');
      await admin.putAlias('east', 'b', true, 'op');
      await admin.putAlias('home', 'b', false, 'op');
      assert.deepEqual((await admin.aliases()).map((r) => [r.alias, r.cloud, r.removed]), [['east', 'b', true], ['home', 'b', false]]);
      await admin.deleteAlias('home');
      assert.equal((await admin.aliases()).length, 1);

      await admin.setUserLimit('alice', 2, 'op');
      await admin.setUserLimit('alice', 3, 'op');
      assert.equal((await admin.userLimit('alice'))?.maxAssigned, 3);
      assert.equal(await admin.deleteUserLimit('alice'), true);
      assert.equal(await admin.deleteUserLimit('alice'), false);

      await admin.setRetiring('a', { idVm: 'vm-1', hostname: 'h1' }, 'retire', 'op');
      await admin.setRetiring('a', { idVm: 'vm-2', hostname: 'h2' }, 'shutdown', 'op');
      // A flag belongs to one VM id: a twin named h1 is another VM.
      await admin.setRetiring('a', { idVm: 'vm-3', hostname: 'h1' }, 'retire', 'op');
      await admin.clearFlags('a', 'vm-3');
      // By VM id (what an assign reads): a twin with the same name is another VM, with flags of its own.
      const isRetiring = async (cloud: string, idVm: string) => (await admin.assignChecks(cloud, idVm, 'nobody')).retiring;
      assert.equal(await isRetiring('a', 'vm-1'), true);
      assert.equal(await isRetiring('a', 'vm-3'), false, 'the twin of a retiring VM is not retiring');
      assert.equal(await isRetiring('b', 'vm-1'), false);
      assert.equal(await admin.clearFlags('a', 'vm-1'), 1);
      assert.equal(await isRetiring('a', 'vm-1'), false);
      assert.equal(await admin.clearFlags('a'), 1);
    });

    it("reads an assign's checks (retiring, missing, the user's limit) in one statement", async () => {
      const admin = new AdminStore(store.db);
      const findings = new FindingStore(store.db);
      assert.deepEqual(await admin.assignChecks('c', 'vm-9', 'bob'), { retiring: false, missing: false });
      await admin.setRetiring('c', { idVm: 'vm-9', hostname: 'h9' }, 'retire', 'op');
      await findings.seen('c', 'vm-9', 'missing', { hostname: 'h9' });
      await admin.setUserLimit('bob', 4, 'op');
      const before = store.counters.statements;
      assert.deepEqual(await admin.assignChecks('c', 'vm-9', 'bob'), { retiring: true, missing: true, maxAssigned: 4 });
      assert.equal(store.counters.statements - before, 1);
      assert.deepEqual(await admin.assignChecks('c', 'vm-8', 'carol'), { retiring: false, missing: false }, 'another VM, a user without a limit');
      await findings.resolve('c', 'vm-9', 'forgotten', 'op');
      await admin.clearFlags('c', 'vm-9');
      await admin.deleteUserLimit('bob');
      assert.deepEqual(await admin.assignChecks('c', 'vm-9', 'bob'), { retiring: false, missing: false });
    });

    it('records a VM from creation to running, failure, missing and its end', async () => {
      const records = new VmRecordStore(store.db);
      const requestedAt = new Date(Date.now() - 1000);
      await records.created({ cloud: 'a', idVm: 'vm-1', name: 'one', image: 'img', size: 's', requestedAt, state: 'pending' });
      await records.created({ cloud: 'a', idVm: 'vm-2', name: 'two', image: 'img', size: 's', requestedAt, state: 'pending' });
      assert.equal((await records.booting()).length, 2);
      await records.observed('a', 'vm-1', 'running');
      const runningAt = (await records.get('a', 'vm-1'))?.runningAt;
      await records.observed('a', 'vm-1', 'running');
      assert.equal((await records.get('a', 'vm-1'))?.runningAt, runningAt, 'the first sighting is kept');
      await records.observed('a', 'vm-2', 'error', 'no host');
      await records.observed('a', 'vm-2', 'running');
      const two = await records.get('a', 'vm-2');
      assert.deepEqual([two?.failureKind, two?.fault, two?.runningAt], ['boot', 'no host', null]);
      assert.equal((await records.started()).length, 1);
      assert.equal((await records.failed()).length, 1);
      assert.deepEqual(await records.countByImage(), [{ cloud: 'a', image: 'img', created: 2 }]);
      await records.missing('a', 'vm-1', '2030-01-01T00:00:00.000Z');
      assert.equal((await records.get('a', 'vm-1'))?.missingSince, '2030-01-01T00:00:00.000Z');
      await records.observed('a', 'vm-1', 'running');
      assert.equal((await records.get('a', 'vm-1'))?.missingSince, null, 'seen again');
      assert.equal(await records.end('a', 'vm-1', 'destroyed'), 1);
      assert.equal(await records.end('a', undefined, 'forgotten'), 1);
      assert.deepEqual(await records.open(), []);
    });

    it('pages the audit log newest first', async () => {
      const audit = new AuditStore(store.db);
      for (let i = 0; i < 5; i++) {
        await audit.append({ actor: 'op', actorId: 1, action: i % 2 ? 'odd' : 'even', target: `t${i}`, params: { i }, result: 'ok', status: 200, message: null });
      }
      const first = await audit.page({ limit: 2 });
      assert.deepEqual(first.map((e) => e.target), ['t4', 't3']);
      const second = await audit.page({ limit: 2, before: first[1].id });
      assert.deepEqual(second.map((e) => e.target), ['t2', 't1']);
      assert.deepEqual((await audit.page({ limit: 10, action: 'odd' })).map((e) => e.params.i), [3, 1]);
    });
  });
}
