// Issue 16: a cluster create cut by a crash resumes at restart (SQLite and PostgreSQL). The state
// is what kill -9 mid-create leaves: member rows written with their request ids, one member's
// create sent and made at the cloud but unanswered, one never sent, one finished; the cluster
// operation running under a dead owner. The restarted dispatcher resolves the first by its request
// id (no second VM), starts the second, keeps the third, and the cluster ends ready.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClusterStore } from '../../src/store/cluster-store.js';
import { FAST_FAKE, startTestApp, type TestApp } from '../support/app-harness.js';
import { storeBackends, type TestStore } from '../support/store-backends.js';

const DEAD = 'instance-killed-mid-create';
const VM = { imageId: 'img-ubuntu-24', sizeId: 'small' };

for (const backend of storeBackends()) {
  describe(`cluster crash recovery (${backend.label})`, () => {
    let store: TestStore;
    let dir: string;
    let app: TestApp | undefined;
    before(async () => {
      store = await backend.open();
      dir = mkdtempSync(join(tmpdir(), 'cluster-recovery-'));
    });
    after(async () => {
      await app?.close();
      await store.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    async function boot(): Promise<TestApp> {
      await app?.close();
      app = await startTestApp({
        databaseUrl: store.url,
        schema: store.schema,
        clouds: [{ name: 'default', driver: 'fake', default: true, options: { ...FAST_FAKE, statePath: join(dir, 'cloud.json') } }],
      });
      return app;
    }

    it('a create cut mid-way resumes: the sent start is found by its request id, the unsent one started, no duplicate', async () => {
      const first = await boot();
      const { operations, tracker } = first.dispatcher.services;
      const clusters = new ClusterStore(first.dispatcher.services.store.db);
      const admin = await first.dispatcher.services.users.findByName('admin');
      const id = 'c0ffee00-0000-4000-8000-000000000001';
      await clusters.create({ id, userId: admin!.id, name: 'cut', status: 'creating', desiredSize: 3, template: { image: 'ubuntu-24.04', size: 'm1.small' }, placement: { strategy: 'spread' } });
      const member = (n: number) => ({ id: `m-${n}`, cloud: 'default', name: `cut-${n}`, requestId: `req-cut-${n}` });
      await clusters.addMembers(id, [member(1), member(2), member(3)]);
      await first.fake().connect();
      // Member 1: the create was sent and made, its answer never came.
      const made = await first.fake().createVm({ name: 'cut-1', ...VM, requestId: 'req-cut-1', metadata: { 'dispatcher:cluster': id } });
      await operations.create({ kind: 'vm.start', cloud: 'default', request: { name: 'cut-1' }, state: 'running', owner: DEAD, requestId: 'req-cut-1' });
      // Member 3: finished before the crash (made, tracked, its operation succeeded).
      const done = await first.fake().createVm({ name: 'cut-3', ...VM, requestId: 'req-cut-3', metadata: { 'dispatcher:cluster': id } });
      await tracker.register('default', { id_vm: done.id, hostname: 'cut-3' });
      const op3 = await operations.create({ kind: 'vm.start', cloud: 'default', request: { name: 'cut-3' }, state: 'running', owner: DEAD, requestId: 'req-cut-3' });
      await operations.update(op3.id, { state: 'succeeded', target: done.id, result: done });
      // Member 2: its row was written, its start never sent (no operation).
      const clusterOp = await operations.create({ kind: 'cluster.create', target: id, userId: admin!.id, request: { clusterId: id, size: 3 }, state: 'running', owner: DEAD });
      await operations.update(clusterOp.id, { steps: [{ step: 'place', state: 'done', at: new Date().toISOString(), detail: '3 member(s) (default: 3)' }] });

      const second = await boot();
      const resumed = await second.dispatcher.services.operations.get(clusterOp.id);
      assert.equal(resumed?.state, 'succeeded', JSON.stringify(resumed));
      assert.deepEqual(resumed?.steps.map((s) => s.step), ['place', 'resume', 'start']);
      const shown = (await second.request('GET', `/api/v2/clusters/${id}`)).body;
      assert.equal(shown.status, 'ready');
      assert.equal(shown.actualSize, 3);
      const byName = Object.fromEntries(shown.members.map((m: any) => [m.name, m.vmId]));
      assert.equal(byName['cut-1'], made.id, 'the VM the cut create made, found by its request id');
      assert.equal(byName['cut-3'], done.id);
      assert.equal(second.fake().size, 3, 'three VMs at the cloud: none made twice');
      const records = await second.dispatcher.services.tracker.listNodes('default', true);
      assert.equal(records.length, 3, 'each tracked once');
      assert.ok(records.every((r) => r.status_desc === 'FREE'));
      const made2 = await second.fake().getVm(byName['cut-2']);
      assert.equal(made2?.metadata['dispatcher:cluster'], id);
    });
  });
}
