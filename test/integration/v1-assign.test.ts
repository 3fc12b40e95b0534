// v1 contract rows for the tracker: status, assign, release (un-assign, destroy, wait until gone),
// emulate mode, concurrency (one winner), and a destroy failing after the un-assign.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/app-harness.js';

describe('API v1 assign / release / status with the built-in tracker', () => {
  let app: TestApp;
  let vm: { id: string; name: string };
  let counter = 0;

  before(async () => {
    app = await startTestApp();
  });
  after(() => app?.close());
  beforeEach(async () => {
    const name = `worker-${++counter}`;
    const started = await app.request('POST', '/api/v1/vm/start', { name, image: 'img-ubuntu-24', size: 'small' });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    vm = started.body.nodes;
  });

  it('shows a started VM as FREE, then ASSIGNED to the user after assign by hostname', async () => {
    const free = await app.request('GET', '/api/v1/vm/status');
    const record = free.body.nodes.find((n: { id_vm: string }) => n.id_vm === vm.id);
    assert.deepEqual(Object.keys(record).sort(), ['cloud', 'hostname', 'id', 'id_vm', 'recipe', 'recipe_id', 'status', 'status_desc', 'user']);
    assert.equal(record.status_desc, 'FREE');
    assert.equal(record.hostname, vm.name);
    assert.equal(record.cloud, 'default');
    const assigned = await app.request('PUT', '/api/v1/vm/action/assign', { hostname: vm.name, user: 'alice', vm_type: 'worker' });
    assert.deepEqual(assigned.body, { status: 'ok', id_vm: vm.id, id: record.id, result: `Node ${vm.id} assigned` });
    const after = await app.request('GET', '/api/v1/vm/status/default');
    const now = after.body.nodes.find((n: { id_vm: string }) => n.id_vm === vm.id);
    assert.equal(now.status_desc, 'ASSIGNED');
    assert.equal(now.user, 'alice');
    assert.equal(now.recipe, 'worker');
  });

  it('assigns by node (the cloud id), and refuses a second assign with 409', async () => {
    const first = await app.request('PUT', '/api/v1/vm/action/assign', { node: vm.id, user: 'bob', vm_type: 'w' });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const second = await app.request('PUT', '/api/v1/vm/action/assign', { node: vm.id, user: 'eve', vm_type: 'w' });
    assert.equal(second.status, 409);
    assert.equal(second.body.status_short_message, 'Conflict');
    assert.match(second.body.message, /ASSIGNED, not FREE/);
  });

  it('of 20 concurrent assigns of one VM exactly one wins; the others get 409', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => app.request('PUT', '/api/v1/vm/action/assign', { hostname: vm.name, user: `u${i}`, vm_type: 'w' })),
    );
    assert.equal(answers.filter((a) => a.status === 200).length, 1);
    assert.equal(answers.filter((a) => a.status === 409).length, 19);
  });

  it('refuses assign and release without node/hostname, or for an unknown node', async () => {
    const none = await app.request('PUT', '/api/v1/vm/action/assign', { user: 'u', vm_type: 't' });
    assert.equal(none.status, 400);
    assert.equal(none.body.message, 'no valid node id nor hostname here');
    const unknown = await app.request('PUT', '/api/v1/vm/action/assign', { node: 'ghost', user: 'u', vm_type: 't' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.message, 'no useful node id here');
    const missingUser = await app.request('PUT', '/api/v1/vm/action/assign', { node: vm.id, vm_type: 't' });
    assert.equal(missingUser.body.message, `Some key doesn't validate the schema - "user" is required`);
    const release = await app.request('PUT', '/api/v1/vm/action/release', {});
    assert.equal(release.body.message, 'no valid node id nor hostname here');
  });

  it('releases by node: un-assigns, destroys, and answers only once the cloud no longer lists the VM', async () => {
    await app.request('PUT', '/api/v1/vm/action/assign', { node: vm.id, user: 'alice', vm_type: 'w' });
    const released = await app.request('PUT', '/api/v1/vm/action/release', { node: vm.id });
    assert.equal(released.status, 200, JSON.stringify(released.body));
    assert.equal(released.body.result, `Node ${vm.id} released and deleted`);
    assert.equal(released.body.id_vm, vm.id);
    const nodes = await app.request('GET', '/api/v1/nodes');
    assert.ok(!nodes.body.nodes.some((n: { id: string }) => n.id === vm.id), 'gone from the cloud when release answers');
    const status = await app.request('GET', '/api/v1/vm/status');
    assert.ok(!status.body.nodes.some((n: { id_vm: string }) => n.id_vm === vm.id), 'gone from the tracker');
  });

  it('releases by hostname too', async () => {
    const released = await app.request('PUT', '/api/v1/vm/action/release', { hostname: vm.name });
    assert.equal(released.body.result, `Node ${vm.id} released and deleted`);
  });

  it('emulates assign and release with the canned documentation answers, changing nothing', async () => {
    const before = (await app.request('GET', '/api/v1/vm/status')).body;
    const assign = await app.request('PUT', '/api/v1/vm/action/assign', { hostname: vm.name, user: 'u', vm_type: 't', emulate: 'True' });
    assert.deepEqual(assign.body, { status: 'ok', id_vm: '-fake_id-', id: 42, result: 'Node -fake_id- assigned' });
    const release = await app.request('PUT', '/api/v1/vm/action/release', { node: vm.id, emulate: true });
    assert.deepEqual(release.body, { status: 'ok', id_vm: '-fake_id-', id: 42, result: 'Node -fake_id- released' });
    assert.deepEqual((await app.request('GET', '/api/v1/vm/status')).body, before);
    const notEmulated = await app.request('PUT', '/api/v1/vm/action/assign', { hostname: vm.name, user: 'u', vm_type: 't', emulate: 'False' });
    assert.equal(notEmulated.body.result, `Node ${vm.id} assigned`, '"False" is not truthy');
  });

  it('answers 502 when the destroy fails after the un-assign, and keeps the record of the failed step', async () => {
    await app.request('PUT', '/api/v1/vm/action/assign', { node: vm.id, user: 'alice', vm_type: 'w' });
    app.fake().setFaults({ errorRate: 1 });
    let response;
    try {
      response = await app.request('PUT', '/api/v1/vm/action/release', { node: vm.id });
    } finally {
      app.fake().setFaults({ errorRate: 0 });
    }
    assert.equal(response.status, 502);
    assert.match(response.body.message, new RegExp(`node ${vm.id} was released in the tracker but not deleted on cloud default: .*injected`));
    const [operation] = await app.dispatcher.services.operations.list({ state: 'failed', kind: 'vm.release' });
    assert.equal(operation.target, vm.id);
    assert.deepEqual(
      operation.steps.map((s) => `${s.step}:${s.state}`),
      ['tracker.release:done', 'failed:failed'],
    );
    const records = await app.dispatcher.services.tracker.listNodes('default', true);
    assert.equal(records.find((r) => r.id_vm === vm.id)?.status_desc, 'RELEASED', 'the record stays for the operator');
  });

  it('answers [] (not {}) for the status of a cloud with no records', async () => {
    const response = await app.request('GET', '/api/v1/vm/status/east');
    assert.deepEqual(response.body, { status: 'ok', nodes: [] });
  });
});
