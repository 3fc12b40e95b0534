// Issue 13, case 1: two VMs named `twin` on one cloud. Each API acts on exactly the VM it was
// asked about (the VM id is the identity, a name only a lookup key), and a name that matches
// several live VMs is a 409 listing their ids. On main, assigning A answered B and marked both.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { CAPABILITIES } from '../../src/domain/capabilities.js';
import { FAST_FAKE, startTestApp, type TestApp } from '../support/app-harness.js';
import { appBackends, appOn } from '../support/app-backends.js';
import { startCisternApp, type CisternApp } from '../support/cistern/cistern-app.js';

type Status = Record<string, string>;

for (const backend of appBackends()) {
  describe(`VMs sharing a name, built-in tracker over ${backend.label}`, () => {
    const started = appOn(backend);
    let app: TestApp;
    before(() => {
      app = started.app();
    });

    async function twins(name: string): Promise<[string, string]> {
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const started = await app.request('POST', '/api/v1/vm/start', { name, image: 'img-ubuntu-24', size: 'small' });
        assert.equal(started.status, 200, JSON.stringify(started.body));
        ids.push(started.body.nodes.id);
      }
      assert.notEqual(ids[0], ids[1]);
      return ids as [string, string];
    }

    async function status(...ids: string[]): Promise<Status> {
      const records = (await app.dispatcher.services.tracker.listNodes('default', true)).filter((r) => ids.includes(r.id_vm));
      return Object.fromEntries(records.map((r) => [r.id_vm, r.status_desc]));
    }

    it('v1: assign A answers A and marks only A; release A leaves B FREE and releasable', async () => {
      const [a, b] = await twins('twin');
      const assigned = await app.request('PUT', '/api/v1/vm/action/assign', { node: a, user: 'alice', vm_type: 'worker' });
      assert.equal(assigned.status, 200, JSON.stringify(assigned.body));
      assert.equal(assigned.body.id_vm, a);
      assert.deepEqual(await status(a, b), { [a]: 'ASSIGNED', [b]: 'FREE' });
      const released = await app.request('PUT', '/api/v1/vm/action/release', { node: a });
      assert.equal(released.status, 200, JSON.stringify(released.body));
      assert.equal(released.body.id_vm, a);
      assert.deepEqual(await status(a, b), { [b]: 'FREE' }, 'A is destroyed and forgotten, B untouched');
      assert.equal(await app.fake().getVm(a), null, 'A is gone at the cloud');
      assert.ok(await app.fake().getVm(b), 'B still runs');
      const again = await app.request('PUT', '/api/v1/vm/action/release', { hostname: 'twin' });
      assert.equal(again.status, 200, `B is releasable, by its now unique name: ${JSON.stringify(again.body)}`);
      assert.equal(again.body.id_vm, b);
    });

    it('v1: a hostname that names two live VMs is a 409 listing both ids, and changes nothing', async () => {
      const [a, b] = await twins('twin-v1');
      for (const [method, path, body] of [
        ['PUT', '/api/v1/vm/action/assign', { hostname: 'twin-v1', user: 'alice', vm_type: 'worker' }],
        ['PUT', '/api/v1/vm/action/release', { hostname: 'twin-v1' }],
        ['PUT', '/api/v1/vm/stop', { hostname: 'twin-v1' }],
      ] as const) {
        const answer = await app.request(method, path, body);
        assert.equal(answer.status, 409, `${path}: ${JSON.stringify(answer.body)}`);
        assert.deepEqual(Object.keys(answer.body).sort(), ['message', 'status', 'status_code', 'status_long_message', 'status_short_message']);
        assert.equal(answer.body.status_short_message, 'Conflict');
        assert.ok(answer.body.message.includes(a) && answer.body.message.includes(b), answer.body.message);
      }
      assert.deepEqual(await status(a, b), { [a]: 'FREE', [b]: 'FREE' });
      assert.ok((await app.fake().getVm(a)) && (await app.fake().getVm(b)), 'both still run');
    });

    it('v2: assign by vm id answers that VM; by an ambiguous hostname a 409 AmbiguousHostname with the candidates', async () => {
      const [a, b] = await twins('twin-v2');
      const ambiguous = await app.request('POST', '/api/v2/assignments', { cloud: 'default', hostname: 'twin-v2', user: 'alice', vmType: 'worker' });
      assert.equal(ambiguous.status, 409, JSON.stringify(ambiguous.body));
      assert.equal(ambiguous.body.code, 'AmbiguousHostname');
      assert.deepEqual([...ambiguous.body.candidates].sort(), [a, b].sort());
      const created = await app.request('POST', '/api/v2/assignments', { cloud: 'default', vm: b, user: 'alice', vmType: 'worker' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.vmId, b);
      assert.deepEqual(await status(a, b), { [a]: 'FREE', [b]: 'ASSIGNED' });
      const released = await app.request('DELETE', `/api/v2/assignments/${encodeURIComponent(created.body.id)}?wait=true`);
      assert.equal(released.status, 200, JSON.stringify(released.body));
      assert.equal(released.body.state, 'succeeded');
      assert.deepEqual(await status(a, b), { [a]: 'FREE' });
      const second = await app.request('POST', '/api/v2/assignments', { cloud: 'default', hostname: 'twin-v2', user: 'bob', vmType: 'worker' });
      assert.equal(second.status, 201, `A is assignable by its now unique name: ${JSON.stringify(second.body)}`);
      assert.equal(second.body.vmId, a);
    });
  });
}

describe('untracked VMs sharing a name, on a cloud that cannot look a name up', () => {
  let app: TestApp;

  before(async () => {
    const capabilities = CAPABILITIES.filter((c) => c !== 'find-by-name');
    app = await startTestApp({ clouds: [{ name: 'default', driver: 'fake', default: true, options: { ...FAST_FAKE, capabilities } }] });
  });
  after(() => app?.close());

  it('answers a v1 stop by that name 409 with both ids, and destroys nothing', async () => {
    const cloud = app.dispatcher.services.pool.resolve('default');
    const make = () => cloud.call('createVm', 'create', (d) => d.createVm({ name: 'twin-untracked', imageId: 'img-ubuntu-24', sizeId: 'small', requestId: randomUUID() }));
    const [a, b] = [await make(), await make()];
    const res = await app.request('PUT', '/api/v1/vm/stop', { hostname: 'twin-untracked' });
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.ok(res.body.message.includes(a.id) && res.body.message.includes(b.id), res.body.message);
    assert.equal(app.fake().calls.destroyVm ?? 0, 0);
  });
});

describe('VMs sharing a name, with Cistern as the tracker', () => {
  let c: CisternApp;

  before(async () => {
    c = await startCisternApp();
  });
  after(() => c?.close());

  it('refuses a start whose name Cistern already tracks on that cloud, before any cloud call (v1 and v2)', async () => {
    const vm = await c.trackedVm();
    const creates = c.app.fake().calls.createVm ?? 0;
    const v1 = await c.app.request('POST', '/api/v1/vm/start', { name: vm.name, image: 'img-ubuntu-24', size: 'small' });
    assert.equal(v1.status, 409, JSON.stringify(v1.body));
    assert.match(v1.body.message, new RegExp(vm.id));
    const v2 = await c.app.request('POST', '/api/v2/clouds/default/vms', { name: vm.name, image: 'img-ubuntu-24', size: 'small' });
    assert.equal(v2.status, 409, JSON.stringify(v2.body));
    assert.equal(v2.body.code, 'NameTaken');
    assert.equal(c.app.fake().calls.createVm ?? 0, creates, 'the cloud was not asked');
    const other = await c.app.request('POST', '/api/v1/vm/start', { name: `${vm.name}-2`, image: 'img-ubuntu-24', size: 'small' });
    assert.equal(other.status, 200, 'a fresh name starts');
  });

  it('refuses to assign or release one of twins Cistern learned of by itself, sending it no change', async () => {
    const a = await c.trackedVm();
    c.double.seed('default', [{ id_vm: 'vm-elsewhere', hostname: a.name }]);
    const assign = await c.app.request('PUT', '/api/v1/vm/action/assign', { node: a.id, user: 'alice', vm_type: 'worker' });
    assert.equal(assign.status, 409, JSON.stringify(assign.body));
    assert.ok(assign.body.message.includes(a.id) && assign.body.message.includes('vm-elsewhere'), assign.body.message);
    const release = await c.app.request('PUT', '/api/v1/vm/action/release', { node: a.id });
    assert.equal(release.status, 409, JSON.stringify(release.body));
    assert.equal(c.double.received('assign').length + c.double.received('release').length, 0);
    assert.ok(await c.app.fake().getVm(a.id), 'nothing destroyed');
  });
});
