import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DispatcherError } from '../../src/domain/errors.js';
import { OperationService } from '../../src/services/operation-service.js';
import { OperationStore } from '../../src/store/operation-store.js';
import { TrackerStore } from '../../src/store/tracker-store.js';
import { storeBackends, type TestStore } from '../support/store-backends.js';

const node = (id_vm: string) => ({ cloud: 'c1', id_vm, hostname: id_vm, status: 1, status_desc: 'FREE', recipe: '' });

for (const backend of storeBackends()) {
  describe(`operation steps: writes queued with later() (${backend.label})`, () => {
    let store: TestStore;
    let operations: OperationStore;
    let tracker: TrackerStore;
    let service: OperationService;
    before(async () => {
      store = await backend.open();
      operations = new OperationStore(store.db);
      tracker = new TrackerStore(store.db);
      service = new OperationService({ operations, instanceId: 'me', atomically: (work) => store.atomically(work) });
    });
    after(async () => {
      await service.drain();
      await store?.destroy();
    });

    it('commits the queued bookkeeping with the operation\'s end, in one transaction', async () => {
      const before = store.counters.statements;
      let id = '';
      await service.run({ kind: 'vm.start', cloud: 'c1', request: {} }, async (steps) => {
        id = steps.operationId;
        steps.note('create', 'vm-1', 'vm-1');
        steps.later(() => tracker.upsert(node('vm-1')));
        steps.note('track', 'FREE');
        return 'made';
      });
      // The insert; then BEGIN, the tracker row, the operation's end, COMMIT.
      assert.equal(store.counters.statements - before, 5);
      const op = await operations.get(id);
      assert.equal(op?.state, 'succeeded');
      assert.equal(op?.target, 'vm-1', 'the noted target went with the end');
      assert.deepEqual(op?.steps.map((s) => s.step), ['create', 'track']);
      assert.equal((await tracker.byId('c1', 'vm-1'))?.status_desc, 'FREE');
    });

    it('runs the queued bookkeeping just before the end when the service has no transactions (SQLite\'s setting)', async () => {
      const plain = new OperationService({ operations, instanceId: 'me' });
      const before = store.counters.statements;
      let id = '';
      await plain.run({ kind: 'vm.start', cloud: 'c1', request: {} }, async (steps) => {
        id = steps.operationId;
        steps.note('create', 'vm-9', 'vm-9');
        steps.later(() => tracker.upsert(node('vm-9')));
        return 'made';
      });
      // The insert, the tracker row, the end: no BEGIN or COMMIT.
      assert.equal(store.counters.statements - before, 3);
      assert.equal((await operations.get(id))?.target, 'vm-9');
      assert.ok(await tracker.byId('c1', 'vm-9'));
    });

    it('writes queued bookkeeping with the next step, not only at the end', async () => {
      let id = '';
      await service.run({ kind: 'vm.release', cloud: 'c1', request: {} }, async (steps) => {
        id = steps.operationId;
        steps.later(() => tracker.upsert(node('vm-2')));
        await steps.done('destroy', 'vm-2');
        assert.ok(await tracker.byId('c1', 'vm-2'), 'written with the step');
        assert.deepEqual((await operations.get(id))?.steps.map((s) => s.step), ['destroy']);
      });
      assert.equal((await operations.get(id))?.state, 'succeeded');
    });

    it('falls back to one write at a time when a queued write fails inside the group, so bookkeeping that swallows its failure does not hold the end back', async () => {
      const taken = await operations.create({ kind: 'vm.start', request: {} });
      let id = '';
      await service.run({ kind: 'vm.start', cloud: 'c1', request: {} }, async (steps) => {
        id = steps.operationId;
        // A write that fails and is only logged (as VmLifecycle does): on PostgreSQL it fails the transaction.
        steps.later(() => operations.create({ id: taken.id, kind: 'vm.start', request: {} }).catch(() => undefined));
        steps.later(() => tracker.upsert(node('vm-3')));
        return 'made';
      });
      assert.equal((await operations.get(id))?.state, 'succeeded');
      assert.ok(await tracker.byId('c1', 'vm-3'), 'the write after the failed one landed');
    });

    it('ends the operation failed when a queued write fails for good, as a write made at once would', async () => {
      let id = '';
      await assert.rejects(
        service.run({ kind: 'vm.start', cloud: 'c1', request: {} }, async (steps) => {
          id = steps.operationId;
          steps.later(() => Promise.reject(new DispatcherError('tracker-fault', 'the tracker refused the record')));
          return 'made';
        }),
        /the tracker refused the record/,
      );
      const op = await operations.get(id);
      assert.equal(op?.state, 'failed');
      assert.equal(op?.error?.message, 'the tracker refused the record');
    });
  });
}
