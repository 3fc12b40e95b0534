// The cluster store's batch writes (SQLite and PostgreSQL): the members' outcomes of a pass are
// written many rows per statement, and the view after a create reads what the creates answered.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClusterStore } from '../../src/store/cluster-store.js';
import { OperationStore } from '../../src/store/operation-store.js';
import { storeBackends, type TestStore } from '../support/store-backends.js';

for (const backend of storeBackends()) {
  describe(`cluster store (${backend.label})`, () => {
    let store: TestStore;
    let clusters: ClusterStore;
    before(async () => {
      store = await backend.open();
      clusters = new ClusterStore(store.db);
    });
    after(async () => store?.destroy());

    async function cluster(id: string) {
      await clusters.create({ id, userId: null, name: id, status: 'creating', desiredSize: 250, template: { image: 'i', size: 's' }, placement: { strategy: 'spread' } });
    }

    it('updateMembers writes each row whole, in batches past 100 rows, and touches no other row', async () => {
      await cluster('c-batch');
      await cluster('c-other');
      const news = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, cloud: i % 2 ? 'a' : 'b', name: `${prefix}-${i}`, requestId: `req-${prefix}-${i}` }));
      const added = await clusters.addMembers('c-batch', news('m', 250));
      await clusters.addMembers('c-other', news('o', 2));
      assert.equal(added.length, 250);
      assert.ok(added.every((m) => m.state === 'starting' && m.clusterId === 'c-batch' && m.vmId === null));

      const at = new Date().toISOString();
      await clusters.updateMembers(added.map((m, i) => (i % 10 === 0 ? { ...m, state: 'failed', error: `boom ${i}` } : { ...m, state: 'active', vmId: `vm-${i}`, startedAt: at })));
      const rows = await clusters.members('c-batch');
      assert.equal(rows.length, 250);
      for (const [i, m] of rows.map((r) => [Number(r.id.slice(2)), r] as const)) {
        if (i % 10 === 0) assert.deepEqual([m.state, m.error, m.vmId], ['failed', `boom ${i}`, null]);
        else assert.deepEqual([m.state, m.vmId, m.startedAt, m.error], ['active', `vm-${i}`, at, null]);
        assert.equal(m.requestId, `req-m-${i}`, 'identity columns are kept');
      }
      assert.ok((await clusters.members('c-other')).every((m) => m.state === 'starting'));
    });

    it('updateMembers cannot bring back the row of a cluster that is gone', async () => {
      await cluster('c-gone');
      const [m] = await clusters.addMembers('c-gone', [{ id: 'g-1', cloud: 'a', name: 'g-1', requestId: 'req-g-1' }]);
      await clusters.remove('c-gone');
      await assert.rejects(clusters.updateMembers([{ ...m, state: 'active', vmId: 'vm-g' }]));
      assert.deepEqual(await clusters.members('c-gone'), []);
    });

    it('startAnswers gives the VM each succeeded start answered, by request id, and nothing else', async () => {
      const operations = new OperationStore(store.db);
      const vm = (id: string) => ({ id, name: id, state: 'pending', publicIps: [], privateIps: ['10.0.0.1'], metadata: {}, extra: {} });
      const ok = await operations.create({ kind: 'vm.start', cloud: 'a', request: {}, requestId: 'req-ok' });
      await operations.update(ok.id, { state: 'succeeded', target: 'vm-ok', result: vm('vm-ok') });
      const failed = await operations.create({ kind: 'vm.start', cloud: 'a', request: {}, requestId: 'req-failed' });
      await operations.update(failed.id, { state: 'failed', error: { kind: 'x', message: 'x', status: 500 } });
      await operations.create({ kind: 'vm.start', cloud: 'a', request: {}, requestId: 'req-running' });
      const answers = await clusters.startAnswers(['req-ok', 'req-failed', 'req-running', 'req-none']);
      assert.equal(answers.length, 1);
      assert.equal(answers[0].requestId, 'req-ok');
      assert.equal(answers[0].vmId, 'vm-ok');
      assert.deepEqual(answers[0].vm, vm('vm-ok'));
      assert.ok(!Number.isNaN(Date.parse(answers[0].at)));
    });
  });
}
