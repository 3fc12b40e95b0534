// Issue 13, cases 3, 4 and 6, on SQLite and PostgreSQL: operations are durable (steps written as
// they happen), a restart resumes what the previous process left (a start is resolved by its
// request id, a release whose tracker step ran is destroyed and polled again), pending keys of
// dead processes are freed, and a final state is never overwritten. The fake cloud keeps its state
// in a file, so the restarted dispatcher meets the cloud the first one left.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IdempotencyStore } from '../../src/store/idempotency-store.js';
import { OperationStore } from '../../src/store/operation-store.js';
import { OperationService } from '../../src/services/operation-service.js';
import { FAST_FAKE, startTestApp, type TestApp } from '../support/app-harness.js';
import { storeBackends, type TestStore } from '../support/store-backends.js';
import { waitFor } from '../support/wait-for.js';

const VM = { imageId: 'img-ubuntu-24', sizeId: 'small' };
const DEAD = 'instance-killed-earlier';

for (const backend of storeBackends()) {
  describe(`operation lifecycle and crash recovery (${backend.label})`, () => {
    let store: TestStore;
    let dir: string;
    let app: TestApp | undefined;
    before(async () => {
      store = await backend.open();
      dir = mkdtempSync(join(tmpdir(), 'op-recovery-'));
    });
    after(async () => {
      await app?.close();
      await store.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    /** A dispatcher on the shared store whose fake cloud lives in `name`.json (so a restart meets it again). */
    async function boot(name: string): Promise<TestApp> {
      await app?.close();
      app = await startTestApp({
        databaseUrl: store.url,
        schema: store.schema,
        clouds: [{ name: 'default', driver: 'fake', default: true, options: { ...FAST_FAKE, statePath: join(dir, `${name}.json`) } }],
      });
      return app;
    }

    it('case 6: a final state is never overwritten, and a live owner keeps its operation', async () => {
      const operations = new OperationStore(store.db);
      const op = await operations.create({ kind: 'vm.start', request: {} });
      assert.equal(await operations.update(op.id, { state: 'failed', error: { kind: 'timeout', message: 'x', status: 504 } }), true);
      assert.equal(await operations.update(op.id, { state: 'succeeded', result: { id: 'late' } }), false, 'a late writer is refused');
      assert.equal(await operations.update(op.id, { state: 'interrupted' }), false);
      const read = await operations.get(op.id);
      assert.equal(read?.state, 'failed');
      assert.equal(read?.result, null);

      const owned = await operations.create({ kind: 'vm.stop', request: {}, owner: 'alive-elsewhere' });
      const service = new OperationService({ operations, instanceId: 'me', isLive: (owner) => owner === 'alive-elsewhere' });
      await service.recover();
      assert.equal((await operations.get(owned.id))?.state, 'running', 'not taken from a live instance');
      assert.equal((await operations.get(owned.id))?.owner, 'alive-elsewhere');
      await operations.update(owned.id, { state: 'failed', error: { kind: 'internal', message: 'cleanup', status: 500 } });
    });

    it('case 3: while a release waits on the cloud, its record says enough to finish it: RELEASED, and the operation running with its target', async () => {
      const first = await boot('durable-steps');
      const { vms, assignments, tracker, operations } = first.dispatcher.services;
      const cloud = vms.cloud('default');
      const vm = await vms.start(cloud, { name: 'durable-1', image: 'ubuntu-24.04', size: 'm1.small' });
      await tracker.assign('default', { idVm: vm.id, user: 'u', vmType: 't' });
      first.fake().setFaults({ timeoutRate: 1, hangMs: 400 }); // the cloud hangs after the tracker step
      const release = assignments.release(cloud, { node: vm.id }).catch((err: unknown) => err);
      // The built-in tracker keeps the record RELEASED: that is the tracker step's record (the
      // step itself rides on the destroy step, written once the cloud answers).
      const midway = await waitFor('the release to change the tracker', async () => {
        const [op] = await operations.list({ kind: 'vm.release', limit: 1 });
        const record = await tracker.findNode('default', { idVm: vm.id });
        return op && record?.status_desc === 'RELEASED' ? op : undefined;
      });
      assert.equal(midway.state, 'running', 'the release is on record before it ends');
      assert.equal(midway.target, vm.id);
      await release;
      first.fake().setFaults({ timeoutRate: 0 });
    });

    for (const noted of [true, false]) {
      it(`case 3: a release cut after its tracker step (${noted ? 'noted' : 'not yet noted'}) is finished at restart: destroyed, polled until gone, untracked`, async () => {
        const first = await boot(`release-crash-${noted}`);
        const { vms, tracker, operations } = first.dispatcher.services;
        const vm = await vms.start(vms.cloud('default'), { name: 'rel-crash', image: 'ubuntu-24.04', size: 'm1.small' });
        await tracker.assign('default', { idVm: vm.id, user: 'u', vmType: 't' });
        // What kill -9 right after the tracker step leaves: RELEASED, the operation running (with that step, when a Cistern-era or noted release wrote it).
        await tracker.release('default', vm.id);
        const op = await operations.create({ kind: 'vm.release', cloud: 'default', target: vm.id, request: { node: vm.id }, state: 'running', owner: DEAD });
        if (noted) await operations.update(op.id, { steps: [{ step: 'tracker.release', state: 'done', at: new Date().toISOString() }] });

        const second = await boot(`release-crash-${noted}`);
        const done = await second.dispatcher.services.operations.get(op.id);
        assert.equal(done?.state, 'succeeded', JSON.stringify(done));
        assert.deepEqual(done?.steps.map((s) => s.step).slice(0, noted ? 4 : 3), [...(noted ? ['tracker.release'] : []), 'resume', 'destroy', 'gone']);
        assert.equal(await second.fake().getVm(vm.id), null, 'the VM is gone from the cloud');
        assert.equal(await second.dispatcher.services.tracker.findNode('default', { idVm: vm.id }), undefined, 'and from the tracker');
      });
    }

    it('case 4: a start cut by a crash is resolved by its request id: found → tracked FREE once, absent → failed, never sent → interrupted', async () => {
      const first = await boot('start-crash');
      const { operations } = first.dispatcher.services;
      // The crashed process had sent this create (the VM exists at the cloud) but never heard back.
      await first.fake().connect();
      const made = await first.fake().createVm({ name: 'cut-1', ...VM, requestId: 'req-made' });
      const sent = await operations.create({ kind: 'vm.start', cloud: 'default', request: { name: 'cut-1' }, state: 'running', owner: DEAD, requestId: 'req-made' });
      await operations.update(sent.id, { steps: [{ step: 'resolve', state: 'done', at: new Date().toISOString() }] });
      const lost = await operations.create({ kind: 'vm.start', cloud: 'default', request: { name: 'cut-2' }, state: 'running', owner: DEAD, requestId: 'req-never-arrived' });
      const queued = await operations.create({ kind: 'vm.start', cloud: 'default', request: { name: 'cut-3' }, state: 'queued', owner: DEAD });
      const admin = await first.dispatcher.services.users.findByName('admin');
      const deadKeys = new IdempotencyStore(first.dispatcher.services.store.db, undefined, DEAD);
      assert.equal((await deadKeys.reserve(admin!.id, 'key-of-the-dead', 'fp')).outcome, 'reserved');

      const second = await boot('start-crash');
      const { operations: ops2, tracker, idempotency } = second.dispatcher.services;
      const found = await ops2.get(sent.id);
      assert.equal(found?.state, 'succeeded', JSON.stringify(found));
      assert.equal(found?.target, made.id);
      assert.equal(found?.steps[0].step, 'resolve', 'the steps before the crash are kept');
      assert.ok(found?.steps.some((s) => s.step === 'lookup'));
      const records = (await tracker.listNodes('default', true)).filter((r) => r.id_vm === made.id);
      assert.equal(records.length, 1);
      assert.equal(records[0].status_desc, 'FREE');
      const early = await ops2.get(lost.id);
      assert.equal(early?.state, 'running', 'no VM yet, but the create may still be on its way: not failed yet');
      assert.equal(early?.steps.at(-1)?.step, 'unresolved');
      // Once the cloud's callTimeoutMs has passed since it was found unresolved, absence is final.
      const aged = early!.steps.map((step) => (step.step === 'unresolved' ? { ...step, at: new Date(Date.now() - 120_000).toISOString() } : step));
      await ops2.update(lost.id, { steps: aged });
      assert.equal((await second.dispatcher.services.operationService.recover()).failed, 1);
      const absent = await ops2.get(lost.id);
      assert.equal(absent?.state, 'failed');
      assert.match(absent?.error?.message ?? '', /no VM of request req-never-arrived/);
      assert.equal(absent?.steps.filter((step) => step.step === 'unresolved').length, 1, 'one unresolved step, not one per pass');
      const never = await ops2.get(queued.id);
      assert.equal(never?.state, 'interrupted');
      assert.ok(never?.finishedAt);
      assert.equal((await idempotency.reserve(admin!.id, 'key-of-the-dead', 'fp')).outcome, 'reserved', 'the pending key was released at start');
    });

    it('case 4: a start cut after its bookkeeping but before its end (what SQLite can keep of a step group) is resolved by its request id and tracked once', async () => {
      const first = await boot('group-cut');
      const { operations, tracker } = first.dispatcher.services;
      await first.fake().connect();
      const made = await first.fake().createVm({ name: 'grouped', ...VM, requestId: 'req-grouped' });
      // The create answered; the VM's FREE row was written, the operation's end (with its create step and target) was not.
      const cut = await operations.create({ kind: 'vm.start', cloud: 'default', request: { name: 'grouped' }, state: 'running', owner: DEAD, requestId: 'req-grouped' });
      await tracker.register('default', { id_vm: made.id, hostname: 'grouped' });

      const second = await boot('group-cut');
      const done = await second.dispatcher.services.operations.get(cut.id);
      assert.equal(done?.state, 'succeeded', JSON.stringify(done));
      assert.equal(done?.target, made.id);
      const records = (await second.dispatcher.services.tracker.listNodes('default', true)).filter((r) => r.id_vm === made.id);
      assert.equal(records.length, 1, 'tracked exactly once');
      assert.equal((await second.fake().listVms()).filter((vm) => vm.name === 'grouped').length, 1, 'no second VM');
    });

    it('case 4: a retry with the same Idempotency-Key after a crash finds the VM instead of making a second', async () => {
      const first = await boot('key-retry');
      const admin = await first.dispatcher.services.users.findByName('admin');
      const key = 'retry-me-after-crash';
      const requestId = createHash('sha256').update(`${admin!.id}\0${key}`).digest('hex').slice(0, 32);
      await first.fake().connect();
      const made = await first.fake().createVm({ name: 'keyed', ...VM, requestId });
      await first.dispatcher.services.operations.create({ kind: 'vm.start', cloud: 'default', request: { name: 'keyed' }, state: 'running', owner: DEAD, requestId });
      await new IdempotencyStore(first.dispatcher.services.store.db, undefined, DEAD).reserve(admin!.id, key, 'fp-of-the-first-try');

      const second = await boot('key-retry');
      const size = second.fake().size;
      const retry = await second.request('POST', '/api/v2/clouds/default/vms?wait=true', { name: 'keyed', image: 'ubuntu-24.04', size: 'm1.small' }, { 'idempotency-key': key });
      assert.equal(retry.status, 201, JSON.stringify(retry.body));
      assert.equal(retry.body.id, made.id, 'the VM the first try made');
      assert.equal(second.fake().size, size, 'no second VM');
      const records = (await second.dispatcher.services.tracker.listNodes('default', true)).filter((r) => r.hostname === 'keyed');
      assert.equal(records.length, 1, 'tracked exactly once');
    });

    it('a start whose outcome cannot be looked up stays running (never forgotten) until a later pass resolves it', async () => {
      const first = await boot('unresolved');
      const { vms, operationService, operations } = first.dispatcher.services;
      const cloud = vms.cloud('default');
      await vms.listImages(cloud);
      await vms.listSizes(cloud);
      first.fake().setFaults({ lostAnswerRate: 1, errorRate: 0 });
      // The create is made but its answer lost; the lookup then fails too.
      const fake = first.fake();
      const original = fake.findVmByRequestId.bind(fake);
      fake.findVmByRequestId = async () => {
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      };
      await assert.rejects(vms.start(cloud, { name: 'lost-1', image: 'ubuntu-24.04', size: 'm1.small' }), /outcome of create/);
      const [op] = await operations.list({ kind: 'vm.start', limit: 1 });
      assert.equal(op.state, 'running');
      assert.ok(op.requestId);
      fake.findVmByRequestId = original;
      first.fake().setFaults({ lostAnswerRate: 0 });
      const report = await operationService.recover();
      assert.equal(report.resolved, 1);
      const resolved = await operations.get(op.id);
      assert.equal(resolved?.state, 'succeeded');
      assert.equal((await first.dispatcher.services.tracker.findNode('default', { idVm: resolved?.target ?? '' }))?.status_desc, 'FREE');
    });
  });
}
