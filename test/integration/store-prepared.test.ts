import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PreparedShapes, PreparedStatement, slotsByColumn } from '../../src/store/prepared-statement.js';
import { OperationStore } from '../../src/store/operation-store.js';
import { TrackerStore } from '../../src/store/tracker-store.js';
import { storeBackends, type TestStore } from '../support/store-backends.js';

for (const backend of storeBackends()) {
  describe(`prepared statements on ${backend.label}`, () => {
    let store: TestStore;
    before(async () => {
      store = await backend.open();
    });
    after(async () => store?.destroy());

    it('runs the SQL Kysely compiles for the same values, each run with its own values', async () => {
      const db = store.db;
      const byHost = new PreparedStatement((cloud: string, hostname: string) =>
        db.selectFrom('tracker_nodes').select(['id_vm', 'status_desc']).where('cloud', '=', cloud).where('hostname', '=', hostname).where('status_desc', 'in', ['FREE', 'ASSIGNED']).orderBy('id'),
      );
      const direct = db.selectFrom('tracker_nodes').select(['id_vm', 'status_desc']).where('cloud', '=', 'c1').where('hostname', '=', 'h1').where('status_desc', 'in', ['FREE', 'ASSIGNED']).orderBy('id').compile();
      const tracker = new TrackerStore(db);
      for (const [cloud, id, host] of [['c1', 'v1', 'h1'], ['c1', 'v2', 'h2'], ['c2', 'v3', 'h1']]) {
        await tracker.upsert({ cloud, id_vm: id, hostname: host, status: 1, status_desc: 'FREE', recipe: '' });
      }
      const first = await byHost.run(db, 'c1', 'h1');
      assert.deepEqual(first.rows, [{ id_vm: 'v1', status_desc: 'FREE' }]);
      assert.deepEqual((await byHost.run(db, 'c2', 'h1')).rows, [{ id_vm: 'v3', status_desc: 'FREE' }], 'the second run binds its own values');
      assert.deepEqual((await byHost.run(db, 'c1', 'nobody')).rows, []);
      assert.deepEqual(await byHost.first(db, 'c1', 'h2'), { id_vm: 'v2', status_desc: 'FREE' });
      // Same text as Kysely's own compile of the same query; the constants of the `in` list stay.
      const compiled = (byHost as unknown as { template: { compiled: { sql: string; parameters: unknown[] } } }).template.compiled;
      assert.equal(compiled.sql, direct.sql);
      assert.deepEqual(compiled.parameters.slice(2), ['FREE', 'ASSIGNED']);
    });

    it('counts changed rows, inside a transaction too (rolled back with it)', async () => {
      const db = store.db;
      const retire = new PreparedStatement((desc: string, cloud: string, idVm: string) =>
        db.updateTable('tracker_nodes').set({ status_desc: desc }).where('cloud', '=', cloud).where('id_vm', '=', idVm),
      );
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          assert.equal(await retire.changed(trx, 'FAULTY', 'c1', 'v2'), 1);
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.equal((await new TrackerStore(db).byId('c1', 'v2'))?.status_desc, 'FREE', 'the write went with the transaction');
      assert.equal(await retire.changed(db, 'FAULTY', 'c1', 'missing'), 0);
    });

    it('refuses a build that does not pass every argument as one parameter', async () => {
      const db = store.db;
      const inList = new PreparedStatement((ids: string) => db.selectFrom('tracker_nodes').selectAll().where('id_vm', 'in', [ids, 'x']));
      // An argument inside a list is bound, so it is accepted; one dropped by the build is not.
      assert.deepEqual((await inList.run(db, 'v1')).rows.map((r) => r.id_vm), ['v1']);
      const dropped = new PreparedStatement((cloud: string, unused: string) => db.selectFrom('tracker_nodes').selectAll().where('cloud', '=', cloud).where('hostname', '=', String(unused)));
      assert.throws(() => dropped.run(db, 'c1', 'h1'), /argument\(s\) 1 not bound/);
    });

    it('keeps one statement per shape (an update setting other columns is another statement)', async () => {
      const db = store.db;
      const shapes = new PreparedShapes<unknown[], never>();
      const set = (columns: Array<'status_desc' | 'user'>) =>
        shapes.get(columns.join(','), columns.length + 1, (...slots: unknown[]) => db.updateTable('tracker_nodes').set(slotsByColumn(columns, slots)).where('id_vm', '=', slots[columns.length] as string));
      assert.equal(set(['status_desc']), set(['status_desc']));
      assert.notEqual(set(['status_desc']), set(['status_desc', 'user']));
      assert.equal(await set(['status_desc', 'user']).changed(db, 'ASSIGNED', 'alice', 'v3'), 1);
      const row = await new TrackerStore(db).byId('c2', 'v3');
      assert.equal(row?.status_desc, 'ASSIGNED');
      assert.equal(row?.user, 'alice');
    });

    it('operation writes of every shape read back as written', async () => {
      const operations = new OperationStore(store.db);
      const op = await operations.create({ kind: 'vm.start', cloud: 'c1', request: { name: 'a' }, requestId: 'r-1', owner: 'me' });
      assert.equal(await operations.update(op.id, { steps: [{ step: 'resolve', state: 'done', at: 't' }] }), true);
      assert.equal(await operations.update(op.id, { target: 'vm-1', steps: [{ step: 'create', state: 'done', at: 't2' }] }), true);
      assert.equal(await operations.update(op.id, { state: 'succeeded', result: { ok: 1 }, target: 'vm-1' }), true);
      assert.equal(await operations.update(op.id, { state: 'failed' }), false, 'a finished operation keeps its end');
      const read = await operations.get(op.id);
      assert.equal(read?.state, 'succeeded');
      assert.equal(read?.target, 'vm-1');
      assert.deepEqual(read?.result, { ok: 1 });
      assert.deepEqual(read?.steps, [{ step: 'create', state: 'done', at: 't2' }]);
      assert.equal(read?.requestId, 'r-1');
      assert.ok(read?.finishedAt);
    });
  });
}
