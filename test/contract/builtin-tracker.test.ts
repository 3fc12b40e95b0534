// The built-in tracker keeps the tracker contract on every store backend (SQLite always,
// PostgreSQL when DATABASE_URL is set), and of many concurrent assigns of one VM exactly one wins.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BuiltinTracker } from '../../src/cistern/builtin-tracker.js';
import { TRACKER_STATUS } from '../../src/cistern/tracker.js';
import { DispatcherError } from '../../src/domain/errors.js';
import { TrackerStore } from '../../src/store/tracker-store.js';
import { storeBackends, type TestStore } from '../support/store-backends.js';
import { describeTrackerContract } from './tracker-contract.js';

for (const backend of storeBackends()) {
  describeTrackerContract(`builtin over ${backend.label}`, async () => {
    const store = await backend.open();
    const tracker = new BuiltinTracker(store);
    const records = new TrackerStore(store.db);
    return {
      tracker,
      seed: async (cloud, vms) => {
        for (const vm of vms) await tracker.register(cloud, vm);
      },
      markFaulty: async (cloud, idVm) => {
        const moved = await records.transition(cloud, idVm, ['FREE', 'ASSIGNED'], { status: TRACKER_STATUS.FAULTY, status_desc: 'FAULTY', user: '' });
        assert.ok(moved, `${idVm} marked faulty`);
      },
      close: () => store.destroy(),
    };
  });

  describe(`builtin tracker over ${backend.label}`, () => {
    let store: TestStore;
    let tracker: BuiltinTracker;

    before(async () => {
      store = await backend.open();
      tracker = new BuiltinTracker(store);
    });
    after(async () => {
      await tracker?.close();
      await store?.destroy();
    });

    it('lets exactly one of 50 concurrent assigns of one VM win; the others get 409', async () => {
      await tracker.register('race', { id_vm: 'vm-race', hostname: 'host-race', recipe: 'worker' });
      const users = Array.from({ length: 50 }, (_, i) => `user-${i}`);
      const outcomes = await Promise.allSettled(users.map((user) => tracker.assign('race', { idVm: 'vm-race', user, vmType: 'worker' })));
      const winners = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [users[i]] : []));
      assert.equal(winners.length, 1, `exactly one winner, got ${winners.length}`);
      for (const o of outcomes) {
        if (o.status === 'rejected') {
          assert.ok(o.reason instanceof DispatcherError, String(o.reason));
          assert.equal(o.reason.status, 409, o.reason.message);
        }
      }
      const [record] = await tracker.listNodes('race', true);
      assert.equal(record.status_desc, 'ASSIGNED');
      assert.equal(record.user, winners[0], 'the record names the winner, not a loser that wrote later');
    });

    it('registers a VM once: registering it again leaves its assignment alone', async () => {
      await tracker.register('again', { id_vm: 'vm-1', hostname: 'host-1' });
      await tracker.assign('again', { idVm: 'vm-1', user: 'ada', vmType: 'worker' });
      await tracker.register('again', { id_vm: 'vm-1', hostname: 'host-1' });
      const records = await tracker.listNodes('again', true);
      assert.equal(records.length, 1);
      assert.equal(records[0].user, 'ada');
    });

    // Case 1 of issue 13: assign A answered B and marked both, release A marked B RELEASED.
    it('acts on exactly the twin asked for: assign A marks only A, release A leaves B FREE and releasable', async () => {
      await tracker.register('twins', { id_vm: 'vm-a', hostname: 'twin' });
      await tracker.register('twins', { id_vm: 'vm-b', hostname: 'twin' });
      const assigned = await tracker.assign('twins', { idVm: 'vm-a', user: 'ada', vmType: 'worker' });
      assert.equal(assigned.id_vm, 'vm-a');
      const status = async () => Object.fromEntries((await tracker.listNodes('twins', true)).map((r) => [r.id_vm, r.status_desc]));
      assert.deepEqual(await status(), { 'vm-a': 'ASSIGNED', 'vm-b': 'FREE' });
      assert.equal((await tracker.release('twins', 'vm-a')).id_vm, 'vm-a');
      assert.deepEqual(await status(), { 'vm-a': 'RELEASED', 'vm-b': 'FREE' });
      assert.equal((await tracker.release('twins', 'vm-b')).id_vm, 'vm-b');
      assert.deepEqual(await status(), { 'vm-a': 'RELEASED', 'vm-b': 'RELEASED' });
    });

    it('accepts any name for a new VM: records are told apart by id', async () => {
      await tracker.register('names', { id_vm: 'vm-1', hostname: 'taken' });
      await tracker.checkNewName('names', 'taken');
    });

    it('forgets the record of a VM that no longer exists', async () => {
      await tracker.register('gone', { id_vm: 'vm-1', hostname: 'host-1' });
      await tracker.register('gone', { id_vm: 'vm-2', hostname: 'host-2' });
      await tracker.forget('gone', 'vm-1');
      assert.deepEqual((await tracker.listNodes('gone', true)).map((r) => r.id_vm), ['vm-2']);
    });
  });
}
