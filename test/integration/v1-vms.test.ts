// v1 contract rows for VMs: start/stop (both spellings), nodes, images, flavors, sizes, tenants,
// firewall, emulate mode, validation wording, and provider faults mapped to 501/502/503/504.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { FAST_FAKE, startTestApp, type TestApp } from '../support/app-harness.js';

const START = { name: 'web-1', image: 'img-ubuntu-24', size: 'small' };

describe('API v1 VMs on fake clouds', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      clouds: [
        { name: 'default', driver: 'fake', default: true, options: { ...FAST_FAKE } },
        { name: 'fake-east', driver: 'fake', aliases: ['east'], options: { ...FAST_FAKE } },
        { name: 'bare', driver: 'fake', options: { ...FAST_FAKE, capabilities: ['list', 'get', 'create', 'destroy', 'images', 'sizes'] } },
        { name: 'flaky', driver: 'fake', callTimeoutMs: 300, options: { ...FAST_FAKE, faults: { hangMs: 2_000 } } },
      ],
    });
  });
  after(() => app?.close());

  it('starts a VM by image and size id, answering ONE Node with the SHA-1 uuid', async () => {
    const response = await app.request('POST', '/api/v1/vm/start', { ...START, keyname: 'default', metadata: { team: 'a' } });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const node = response.body.nodes;
    assert.equal(response.body.status, 'ok');
    assert.ok(!Array.isArray(node));
    assert.deepEqual(Object.keys(node).sort(), ['cloud_type', 'extra', 'id', 'name', 'private_ips', 'provider', 'public_ips', 'state', 'uuid']);
    assert.equal(node.name, 'web-1');
    assert.equal(node.provider, 'fake');
    assert.equal(node.cloud_type, 'Fake');
    assert.equal(node.uuid, createHash('sha1').update(`${node.id}:fake`).digest('hex'));
    assert.equal(node.state, 'pending');
    assert.equal(node.extra.metadata.team, 'a');
  });

  it('starts by image and size name too, and on a cloud named by alias', async () => {
    const response = await app.request('POST', '/api/v1/vm/start/east', { name: 'east-1', image: 'debian-12', size: 'm1.medium' });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(app.fake('fake-east').size, 1);
    const listed = await app.request('GET', '/api/v1/nodes/fake-east');
    assert.deepEqual(listed.body.nodes.map((n: { name: string }) => n.name), ['east-1']);
  });

  it('lists nodes of the default cloud with the same Node shape', async () => {
    const response = await app.request('GET', '/api/v1/nodes');
    assert.equal(response.body.status, 'ok');
    assert.ok(Array.isArray(response.body.nodes));
    assert.ok(response.body.nodes.some((n: { name: string }) => n.name === 'web-1'));
  });

  it('words validation failures as the original did', async () => {
    const missing = await app.request('POST', '/api/v1/vm/start', { image: 'img-ubuntu-24', size: 'small' });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.message, `Some key doesn't validate the schema - "name" is required`);
    const extra = await app.request('POST', '/api/v1/vm/start', { ...START, colour: 'red' });
    assert.equal(extra.body.message, `Some key doesn't validate the schema - "colour" is not allowed`);
    const typed = await app.request('POST', '/api/v1/vm/start', { ...START, size: 3 });
    assert.equal(typed.body.message, `Some key doesn't validate the schema - "size" must be a string`);
    const image = await app.request('POST', '/api/v1/vm/start', { ...START, image: 'nope' });
    assert.equal(image.status, 400);
    assert.equal(image.body.message, 'no useful image id here');
    const size = await app.request('POST', '/api/v1/vm/start', { ...START, size: 'nope' });
    assert.equal(size.body.message, 'no useful size id here');
    const cloud = await app.request('POST', '/api/v1/vm/start/nowhere', START);
    assert.equal(cloud.status, 404);
    assert.equal(cloud.body.message, 'Cloud not valid or wrong path');
  });

  it('stops (destroys) by hostname with one lookup by id (the tracker names the VM), never listing the cloud', async () => {
    const started = await app.request('POST', '/api/v1/vm/start', { ...START, name: 'to-stop' });
    const before = { ...app.fake().calls };
    const response = await app.request('PUT', '/api/v1/vm/stop', { hostname: 'to-stop' });
    assert.deepEqual(response.body, { status: 'ok', result: `Node ${started.body.nodes.id} deleted` });
    const calls = app.fake().calls;
    assert.equal((calls.listVms ?? 0) - (before.listVms ?? 0), 0);
    assert.equal((calls.getVm ?? 0) - (before.getVm ?? 0) + (calls.findVmByName ?? 0) - (before.findVmByName ?? 0), 1);
    assert.equal((calls.destroyVm ?? 0) - (before.destroyVm ?? 0), 1);
  });

  it('keeps the shared view of the original: PUT /vm/start destroys and POST /vm/stop creates', async () => {
    const created = await app.request('POST', '/api/v1/vm/stop', { ...START, name: 'odd-spelling' });
    assert.equal(created.status, 200);
    const destroyed = await app.request('PUT', '/api/v1/vm/start', { node: created.body.nodes.id });
    assert.equal(destroyed.body.result, `Node ${created.body.nodes.id} deleted`);
  });

  it('refuses stop without node or hostname, and names an unknown one', async () => {
    const none = await app.request('PUT', '/api/v1/vm/stop', {});
    assert.equal(none.status, 400);
    assert.equal(none.body.message, 'no valid node id nor hostname here');
    const unknown = await app.request('PUT', '/api/v1/vm/stop', { hostname: 'ghost' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.message, 'no useful node id here');
  });

  it('emulates start and stop without touching the cloud', async () => {
    const before = { ...app.fake().calls };
    const start = await app.request('POST', '/api/v1/vm/start', { ...START, name: 'doc-example', emulate: 'True' });
    assert.equal(start.body.nodes.id, '-fake_id-');
    assert.equal(start.body.nodes.name, 'doc-example');
    const stop = await app.request('PUT', '/api/v1/vm/stop', { node: 'anything', emulate: true });
    assert.deepEqual(stop.body, { status: 'ok', result: 'Node -fake_id- deleted' });
    assert.deepEqual(app.fake().calls, before);
  });

  it('lists images, flavors (also as sizes) and tenants in the v1 shapes', async () => {
    const images = await app.request('GET', '/api/v1/images');
    assert.deepEqual(images.body.images[0], { id: 'img-ubuntu-24', name: 'ubuntu-24.04', provider: 'fake', cloud_type: 'Fake' });
    const flavors = await app.request('GET', '/api/v1/flavors/default');
    assert.deepEqual(flavors.body.flavors[0], { id: 'small', name: 'm1.small', ram: 2048, cpu: 1, disk: 20, provider: 'fake', cloud_type: 'Fake' });
    const sizes = await app.request('GET', '/api/v1/sizes');
    assert.deepEqual(sizes.body.flavors, flavors.body.flavors);
    const tenants = await app.request('GET', '/api/v1/tenants/east');
    assert.deepEqual(tenants.body.tenants, [{ id: 'fake-east-tenant', name: 'demo', provider: 'fake', cloud_type: 'Fake' }]);
  });

  it('opens and closes a port on the VM', async () => {
    const vm = (await app.request('POST', '/api/v1/vm/start', { ...START, name: 'fw-1' })).body.nodes;
    const open = await app.request('PUT', '/api/v1/fw/open', { hostname: 'fw-1', port: 8080 });
    assert.equal(open.status, 200, JSON.stringify(open.body));
    assert.deepEqual(app.fake().openPorts(vm.id), ['tcp:8080:0.0.0.0/0']);
    await app.request('PUT', '/api/v1/fw/open', { node: vm.id, port: 8080 });
    assert.equal(app.fake().openPorts(vm.id).length, 1, 'opening twice is one rule');
    const close = await app.request('PUT', '/api/v1/fw/close', { node: vm.id, port: 8080, protocol: 'tcp', cidr: '0.0.0.0/0' });
    assert.equal(close.status, 200);
    assert.deepEqual(app.fake().openPorts(vm.id), []);
    const bad = await app.request('PUT', '/api/v1/fw/open', { node: vm.id, port: 70000 });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /"port" must be less than or equal to 65535/);
  });

  it('refuses an action the driver lacks with 501 before calling the cloud', async () => {
    const vm = (await app.request('POST', '/api/v1/vm/start/bare', { ...START, name: 'bare-1' })).body.nodes;
    const before = { ...app.fake('bare').calls };
    const response = await app.request('PUT', '/api/v1/fw/open/bare', { node: vm.id, port: 22 });
    assert.equal(response.status, 501);
    assert.match(response.body.message, /does not support firewall/);
    assert.deepEqual(app.fake('bare').calls, before);
    const tenants = await app.request('GET', '/api/v1/tenants/bare');
    assert.equal(tenants.status, 501);
  });

  it('maps provider faults to 502, 503 and 504 with the provider code, and records the failed start', async () => {
    const flaky = app.fake('flaky');
    flaky.setFaults({ errorRate: 1 });
    const fault = await app.request('GET', '/api/v1/nodes/flaky');
    assert.equal(fault.status, 502);
    assert.equal(fault.body.status_short_message, 'Bad Gateway');
    assert.match(fault.body.message, /^InternalError: /);
    flaky.setFaults({ errorRate: 0, throttleRate: 1 });
    const throttled = await app.request('GET', '/api/v1/nodes/flaky');
    assert.equal(throttled.status, 503);
    assert.match(throttled.body.message, /^RequestLimitExceeded: /);
    flaky.setFaults({ throttleRate: 0, timeoutRate: 1 });
    const slow = await app.request('GET', '/api/v1/nodes/flaky');
    assert.equal(slow.status, 504);
    assert.equal(slow.body.status_long_message, 'The gateway server did not receive a timely response');
    flaky.setFaults({ timeoutRate: 0, errorRate: 1 });
    const start = await app.request('POST', '/api/v1/vm/start/flaky', START);
    assert.equal(start.status, 502);
    const [failed] = await app.dispatcher.services.operations.list({ state: 'failed', kind: 'vm.start' });
    assert.equal(failed.cloud, 'flaky');
    assert.equal(failed.error?.status, 502);
    flaky.setFaults({ errorRate: 0 });
  });

  it('renews an expired credential and retries, at most 3 attempts, then a clear error', async () => {
    const flaky = app.fake('flaky');
    const renewedBefore = flaky.calls.renewCredentials ?? 0;
    flaky.setFaults({ credentialExpiryRate: 1 });
    const refused = await app.request('GET', '/api/v1/nodes/flaky');
    assert.equal(refused.status, 502);
    assert.match(refused.body.message, /credentials refused after 3 attempts/);
    assert.equal((flaky.calls.renewCredentials ?? 0) - renewedBefore, 2);
    flaky.setFaults({ credentialExpiryRate: 0 });
    const ok = await app.request('GET', '/api/v1/nodes/flaky');
    assert.equal(ok.status, 200, 'the next call renews and succeeds');
  });
});

describe('API v1 integer states switch', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ config: { v1: { integerStates: true } } });
  });
  after(() => app?.close());

  it("emits libcloud's integer codes when configured", async () => {
    const started = await app.request('POST', '/api/v1/vm/start', START);
    assert.equal(started.body.nodes.state, 3, 'pending = 3');
    const { waitFor } = await import('../support/wait-for.js');
    await waitFor('running', async () => (await app.request('GET', '/api/v1/nodes')).body.nodes[0].state === 0);
  });
});
