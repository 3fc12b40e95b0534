import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { OperationStore } from '../../src/store/operation-store.js';
import { TrackerStore } from '../../src/store/tracker-store.js';
import { storeBackends, type TestStore } from '../support/store-backends.js';

const node = (id_vm: string) => ({ cloud: 'c1', id_vm, hostname: id_vm, status: 1, status_desc: 'FREE', recipe: '' });

for (const backend of storeBackends()) {
  describe(`store transactions (atomically) on ${backend.label}`, () => {
    let store: TestStore;
    let tracker: TrackerStore;
    let operations: OperationStore;
    before(async () => {
      store = await backend.open();
      tracker = new TrackerStore(store.db);
      operations = new OperationStore(store.db);
    });
    after(async () => store?.destroy());

    it('commits the writes of several stores at once, as one transaction', async () => {
      const before = store.counters.statements;
      const id = await store.atomically(async () => {
        await tracker.upsert(node('a1'));
        const op = await operations.create({ kind: 'vm.release', state: 'running', cloud: 'c1', target: 'a1', request: {} });
        await operations.update(op.id, { state: 'succeeded', result: 'done' });
        return op.id;
      });
      // BEGIN, the three writes, COMMIT: the stores' queries ran on the group's connection.
      assert.equal(store.counters.statements - before, 5);
      assert.equal((await tracker.byId('c1', 'a1'))?.status_desc, 'FREE');
      assert.equal((await operations.get(id))?.state, 'succeeded');
    });

    it('counts each statement and the time spent inside the driver running it', async () => {
      const { statements, driverMs } = store.counters;
      const op = await operations.create({ kind: 'vm.release', state: 'running', cloud: 'c1', target: 't1', request: {} });
      await operations.update(op.id, { state: 'succeeded', result: 'done' });
      assert.equal(store.counters.statements - statements, 2);
      // The benchmark's floor per operation (SQLite: the statements' execution) rests on this.
      assert.ok(store.counters.driverMs > driverMs, `driverMs grew: ${driverMs} → ${store.counters.driverMs}`);
    });

    it('rolls every write of the group back when its work fails', async () => {
      let opId = '';
      await assert.rejects(
        store.atomically(async () => {
          await tracker.upsert(node('b1'));
          opId = (await operations.create({ kind: 'vm.start', state: 'running', cloud: 'c1', request: {} })).id;
          throw new Error('the work failed');
        }),
        /the work failed/,
      );
      assert.equal(await tracker.byId('c1', 'b1'), undefined);
      assert.equal(await operations.get(opId), undefined);
    });

    it('lets no other query see half a group', async () => {
      const seen: number[] = [];
      let writing = true;
      const group = store.atomically(async () => {
        await tracker.upsert(node('c1'));
        for (let i = 0; i < 20; i++) await tick();
        await tracker.upsert(node('c2'));
        writing = false;
      });
      // Outside the group: PostgreSQL reads the last committed state at once; SQLite's one
      // connection waits for the group to end. Neither may answer c1 without c2.
      const reads: Array<Promise<void>> = [];
      for (let i = 0; i < 10 && writing; i++) {
        const read = store.db.selectFrom('tracker_nodes').select('id_vm').where('cloud', '=', 'c1').where('id_vm', 'in', ['c1', 'c2']).execute();
        reads.push(read.then((rows) => void seen.push(rows.length)));
        await tick();
      }
      await group;
      await Promise.all(reads);
      assert.ok(seen.length > 0);
      for (const rows of seen) assert.notEqual(rows, 1, `a read saw one of the group's two writes: ${seen.join(', ')}`);
      assert.ok(await tracker.byId('c1', 'c2'));
    });

    it('joins an enclosing group, and makes a store transaction inside one a savepoint of its own', async () => {
      const before = store.counters.statements;
      await store.atomically(async () => {
        await tracker.upsert(node('d1'));
        await store.atomically(() => tracker.upsert(node('d2')));
        await assert.rejects(
          store.db.transaction().execute(async (trx) => {
            await new TrackerStore(trx).upsert(node('d3'));
            throw new Error('inner rollback');
          }),
          /inner rollback/,
        );
        await store.db.transaction().execute((trx) => new TrackerStore(trx).upsert(node('d4')));
      });
      // BEGIN, d1, d2, (savepoint, d3, rollback to, release), (savepoint, d4, release), COMMIT.
      assert.equal(store.counters.statements - before, 11);
      assert.ok(await tracker.byId('c1', 'd1'));
      assert.ok(await tracker.byId('c1', 'd2'), 'the nested group committed with the outer one');
      assert.equal(await tracker.byId('c1', 'd3'), undefined, 'the failed inner transaction undid its own write');
      assert.ok(await tracker.byId('c1', 'd4'), 'the inner transaction that succeeded kept its write');
    });

    it('gives a query the work left running after the group its own connection', async () => {
      let late: Promise<unknown> | undefined;
      await store.atomically(async () => {
        await tracker.upsert(node('e1'));
        late = (async () => {
          for (let i = 0; i < 5; i++) await tick();
          await tracker.upsert(node('e2'));
        })();
      });
      await late;
      assert.ok(await tracker.byId('c1', 'e2'), 'written in its own transaction, after the group committed');
    });
  });
}
