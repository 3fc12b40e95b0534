// The v1 assign/release/status conversation with `cistern.url` pointed at the Cistern double:
// what an orchestrator written against the original sees, and what reaches Cistern.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { CISTERN_TOKEN, startCisternApp, type CisternApp } from '../support/cistern/cistern-app.js';

describe('v1 assign/release/status through Cistern', () => {
  let c: CisternApp;

  before(async () => {
    c = await startCisternApp();
  });
  afterEach(() => c.double.heal());
  after(async () => c?.close());

  it('assigns by hostname: the name resolved to one VM id, checked to name that VM alone, then one POST; its answer passed through', async () => {
    const vm = await c.trackedVm();
    const before = c.double.requests.length;
    const res = await c.app.request('PUT', '/api/v1/vm/action/assign', { hostname: vm.name, user: 'ada', vm_type: 'worker' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { status: 'ok', id_vm: vm.id, id: vm.record.id, result: `Node ${vm.id} assigned` });
    const sent = c.double.requests.slice(before);
    assert.deepEqual(
      sent.map((r) => [r.method, r.rawPath, r.body]),
      [
        ['GET', '/api/v1/nodes/default', { with_faulty_nodes: true }],
        ['GET', '/api/v1/nodes/default', { with_faulty_nodes: true }],
        ['POST', '/api/v1/vm/assign/default', { hostname: vm.name, user: 'ada', vm_type: 'worker' }],
      ],
    );
    assert.equal(sent[2].authorization, `Bearer ${CISTERN_TOKEN}`, "Cistern's token, not the caller's dispatcher token");
    assert.equal(c.double.records.find('default', vm.name)?.user, 'ada');
  });

  it('assigns by node: the id is resolved to its hostname through the records', async () => {
    const vm = await c.trackedVm();
    const before = c.double.requests.length;
    const res = await c.app.request('PUT', '/api/v1/vm/action/assign', { node: vm.id, user: 'bob', vm_type: 'worker' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.result, `Node ${vm.id} assigned`);
    const sent = c.double.requests.slice(before);
    assert.deepEqual(sent.map((r) => [r.method, r.call]), [['GET', 'nodes'], ['POST', 'assign']]);
    assert.deepEqual(sent[1].body, { hostname: vm.name, user: 'bob', vm_type: 'worker' });
  });

  it('answers 400 "no useful node id here" for a node Cistern does not know, and assigns nothing', async () => {
    const before = c.double.requests.length;
    const res = await c.app.request('PUT', '/api/v1/vm/action/assign', { node: 'i-unknown', user: 'ada', vm_type: 'worker' });
    assert.equal(res.status, 400);
    assert.equal(res.body.message, 'no useful node id here');
    assert.deepEqual(c.double.requests.slice(before).map((r) => r.call), ['nodes'], 'looked up, never assigned');
  });

  it('answers 409 when the VM is not free, without asking Cistern to assign it', async () => {
    const vm = await c.trackedVm();
    assert.equal((await c.app.request('PUT', '/api/v1/vm/action/assign', { hostname: vm.name, user: 'ada', vm_type: 'worker' })).status, 200);
    const assigns = c.double.received('assign').length;
    const res = await c.app.request('PUT', '/api/v1/vm/action/assign', { hostname: vm.name, user: 'bob', vm_type: 'worker' });
    assert.equal(res.status, 409);
    assert.equal(c.double.received('assign').length, assigns);
    assert.deepEqual(res.body, {
      status: 'error',
      status_code: 409,
      status_short_message: 'Conflict',
      status_long_message: 'Request conflict',
      message: `node ${vm.id} is ASSIGNED, not FREE`,
    });
  });

  it('passes any {"status":"error"} of Cistern through as a 409 with its message', async () => {
    const vm = await c.trackedVm();
    c.double.fail({ kind: 'error', message: 'user ada has reached her quota' }, { call: 'assign' });
    const res = await c.app.request('PUT', '/api/v1/vm/action/assign', { hostname: vm.name, user: 'ada', vm_type: 'worker' });
    assert.equal(res.status, 409);
    assert.equal(res.body.message, 'user ada has reached her quota');
  });

  it('releases: un-assigns in Cistern, destroys the VM and answers once the cloud no longer has it', async () => {
    const vm = await c.trackedVm();
    await c.app.request('PUT', '/api/v1/vm/action/assign', { hostname: vm.name, user: 'ada', vm_type: 'worker' });
    const destroysBefore = c.app.fake().calls.destroyVm ?? 0;
    const res = await c.app.request('PUT', '/api/v1/vm/action/release', { node: vm.id });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { status: 'ok', id_vm: vm.id, id: vm.record.id, result: `Node ${vm.id} released and deleted` });
    assert.deepEqual(c.double.received('release').at(-1)?.body, { hostname: vm.name }, 'released by hostname, resolved from the node id');
    assert.equal(c.app.fake().calls.destroyVm, destroysBefore + 1);
    assert.equal(await c.app.fake().getVm(vm.id), null, 'gone from the cloud when the answer came');
    assert.notEqual(c.double.records.find('default', vm.name)?.status_desc, 'ASSIGNED');
  });

  it('releases by hostname too', async () => {
    const vm = await c.trackedVm();
    await c.app.request('PUT', '/api/v1/vm/action/assign', { hostname: vm.name, user: 'ada', vm_type: 'worker' });
    const res = await c.app.request('PUT', '/api/v1/vm/action/release', { hostname: vm.name });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.result, `Node ${vm.id} released and deleted`);
    assert.equal(await c.app.fake().getVm(vm.id), null);
  });

  it('sends the canonical cloud name to Cistern when the caller uses an alias', async () => {
    const vm = await c.trackedVm('east');
    const before = c.double.requests.length;
    const assign = await c.app.request('PUT', '/api/v1/vm/action/assign/east', { node: vm.id, user: 'ada', vm_type: 'worker' });
    assert.equal(assign.status, 200, JSON.stringify(assign.body));
    const status = await c.app.request('GET', '/api/v1/vm/status/east');
    assert.equal(status.status, 200);
    const sent = c.double.requests.slice(before);
    assert.ok(sent.length >= 3);
    for (const r of sent) assert.equal(r.cloud, 'fake-east', `${r.method} ${r.rawPath} names the canonical cloud`);
    assert.ok(status.body.nodes.some((n: { hostname: string }) => n.hostname === vm.name));
  });

  it("answers /vm/status with Cistern's active records, faulty ones left out", async () => {
    const free = await c.trackedVm();
    const faulty = await c.trackedVm();
    c.double.records.setStatus('default', faulty.name, 'FAULTY');
    const before = c.double.requests.length;
    const res = await c.app.request('GET', '/api/v1/vm/status');
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ok');
    const listed = res.body.nodes.find((n: { hostname: string }) => n.hostname === free.name);
    assert.deepEqual(listed, free.record, 'the record exactly as Cistern sent it');
    assert.ok(!res.body.nodes.some((n: { hostname: string }) => n.hostname === faulty.name));
    assert.deepEqual(c.double.requests.slice(before).map((r) => [r.method, r.rawPath, r.body]), [['GET', '/api/v1/nodes/default', { with_faulty_nodes: false }]]);
  });

  it('answers an empty /vm/status as an empty list', async () => {
    const res = await c.app.request('GET', '/api/v1/vm/status/fake-east');
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(res.body.nodes));
  });

  it('calls neither Cistern nor the cloud in emulate mode', async () => {
    const before = c.double.requests.length;
    const destroys = c.app.fake().calls.destroyVm ?? 0;
    const assign = await c.app.request('PUT', '/api/v1/vm/action/assign', { hostname: 'doc', user: 'ada', vm_type: 'worker', emulate: 'True' });
    const release = await c.app.request('PUT', '/api/v1/vm/action/release', { hostname: 'doc', emulate: true });
    assert.equal(assign.body.id_vm, '-fake_id-');
    assert.equal(release.body.id_vm, '-fake_id-');
    assert.equal(c.double.requests.length, before);
    assert.equal(c.app.fake().calls.destroyVm ?? 0, destroys);
  });
});
