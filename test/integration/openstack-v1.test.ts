// A v1 conversation on an `openstack` cloud through the dispatcher's HTTP API: catalog routes,
// start (image and size by name), assign (no cloud call), firewall, release (delete and wait
// until Nova no longer knows the server), and provider errors as a v1 client sees them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/app-harness.js';
import { waitFor } from '../support/wait-for.js';
import { TEST_CLOUD } from '../support/openstack/keystone-routes.js';
import { cloudOptions } from '../support/openstack/openstack-rig.js';
import { OpenstackTestServer, TEST_IMAGES } from '../support/openstack/openstack-test-server.js';

describe('API v1 on an openstack cloud', () => {
  let server: OpenstackTestServer;
  let app: TestApp;
  let secrets: string;
  const name = 'v1-worker.01';

  before(async () => {
    server = await OpenstackTestServer.start();
    secrets = mkdtempSync(join(tmpdir(), 'os-secret-'));
    writeFileSync(join(secrets, 'password'), `${TEST_CLOUD.password}\n`);
    const options = { ...cloudOptions(server), password: undefined, passwordFile: join(secrets, 'password') };
    app = await startTestApp({ clouds: [{ name: 'os', driver: 'openstack', default: true, aliases: ['rome'], options }] });
  });
  after(async () => {
    await app?.close();
    await server?.close();
    rmSync(secrets, { recursive: true, force: true });
  });

  it('serves the cloud with its identity host, images, flavors and tenants', async () => {
    const cloud = await app.request('GET', '/api/v1/cloud');
    assert.deepEqual(cloud.body.served_cloud, [{ name: 'os', type: 'openstack', host: new URL(server.url).host }]);
    const images = await app.request('GET', '/api/v1/images/os');
    assert.equal(images.status, 200, JSON.stringify(images.body));
    const cirros = images.body.images.find((i: { id: string }) => i.id === TEST_IMAGES[0].id);
    assert.deepEqual(cirros, { id: TEST_IMAGES[0].id, name: TEST_IMAGES[0].name, provider: 'openstack', cloud_type: 'OpenStack' });
    const flavors = await app.request('GET', '/api/v1/flavors/rome');
    const tiny = flavors.body.flavors.find((f: { id: string }) => f.id === '1');
    assert.deepEqual([tiny.name, tiny.ram, tiny.cpu, tiny.disk], ['m1.tiny', 512, 1, 1]);
    const tenants = await app.request('GET', '/api/v1/tenants');
    assert.ok(tenants.body.tenants.some((t: { id: string; name: string }) => t.id === TEST_CLOUD.projectId && t.name === TEST_CLOUD.projectName));
  });

  it('starts, assigns without touching the cloud, opens a port, and releases until Nova forgets the server', async (t) => {
    const started = await app.request('POST', '/api/v1/vm/start/os', {
      name,
      image: TEST_IMAGES[0].name,
      size: 'm1.tiny',
      keyname: 'default',
      metadata: { purpose: 'v1' },
    });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const node = started.body.nodes;
    assert.equal(node.provider, 'openstack');
    assert.equal(node.cloud_type, 'OpenStack');
    const created = (server.createBodies.at(-1) as { server: Record<string, unknown> }).server;
    assert.deepEqual([created.imageRef, created.flavorRef, created.key_name], [TEST_IMAGES[0].id, '1', 'default']);
    assert.equal((created.metadata as Record<string, string>).purpose, 'v1');

    await waitFor('running in /nodes', async () => {
      const nodes = await app.request('GET', '/api/v1/nodes/os');
      return nodes.body.nodes.find((n: { id: string; state: string }) => n.id === node.id && n.state === 'running');
    });

    const before = server.total();
    const assigned = await app.request('PUT', '/api/v1/vm/action/assign/os', { hostname: name, user: 'alice', vm_type: 'worker' });
    assert.equal(assigned.status, 200, JSON.stringify(assigned.body));
    assert.equal(assigned.body.result, `Node ${node.id} assigned`);
    assert.equal(server.total(), before, 'assign makes no OpenStack call');

    const opened = await app.request('PUT', '/api/v1/fw/open/os', { hostname: name, port: 8080, cidr: '198.51.100.0/24' });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    assert.deepEqual(server.neutron.ingressRules('default').map((r) => [r.port_range_min, r.remote_ip_prefix]), [[8080, '198.51.100.0/24']]);

    server.resetCounts();
    const released = await app.request('PUT', '/api/v1/vm/action/release/os', { node: node.id });
    assert.equal(released.status, 200, JSON.stringify(released.body));
    assert.equal(released.body.result, `Node ${node.id} released and deleted`);
    assert.equal(server.count('DELETE /compute/v2.1/servers/{id}'), 1);
    t.diagnostic(`OpenStack requests for PUT /vm/action/release by node: ${server.total()} ${JSON.stringify(server.counts())}`);
    assert.equal(server.servers.get(node.id), undefined, 'Nova no longer knows the server when release answers');
    const nodes = await app.request('GET', '/api/v1/nodes/os');
    assert.ok(!nodes.body.nodes.some((n: { id: string }) => n.id === node.id));
  });

  it('stops by hostname with one lookup by id (the tracker names the VM), not a listing of every server', async (t) => {
    const started = await app.request('POST', '/api/v1/vm/start', { name: 'v1-stop-me', image: TEST_IMAGES[1].id, size: '2' });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    server.resetCounts();
    const stopped = await app.request('PUT', '/api/v1/vm/stop', { hostname: 'v1-stop-me' });
    assert.equal(stopped.status, 200, JSON.stringify(stopped.body));
    assert.equal(stopped.body.result, `Node ${started.body.nodes.id} deleted`);
    assert.equal(server.requests.filter((r) => r.route === 'GET /compute/v2.1/servers/detail').length, 0, 'no listing');
    const lookups = server.requests.filter((r) => r.route === 'GET /compute/v2.1/servers/{id}');
    assert.equal(lookups.length, 1);
    assert.ok(lookups[0].url.includes(started.body.nodes.id), lookups[0].url);
    t.diagnostic(`OpenStack requests for PUT /vm/stop by hostname: ${server.total()} ${JSON.stringify(server.counts())}`);
  });

  it('answers an unknown image in v1 words, and a quota refusal as 409 with Nova’s code', async () => {
    const unknown = await app.request('POST', '/api/v1/vm/start', { name: 'nope', image: 'no-such-image', size: 'm1.tiny' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.message, 'no useful image id here');
    server.inject({ route: 'POST /compute/v2.1/servers', status: 413 });
    const quota = await app.request('POST', '/api/v1/vm/start', { name: 'too-many', image: TEST_IMAGES[0].id, size: 'm1.tiny' });
    assert.equal(quota.status, 409, JSON.stringify(quota.body));
    assert.equal(quota.body.status_code, 409);
    assert.match(quota.body.message, /overLimit/);
  });

  it('survives a cloud refusing fresh tokens twice (the pool renews and retries), and gives up after 3 attempts', async () => {
    const unauthorized = { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } };
    const detail = 'GET /compute/v2.1/servers/detail';
    server.resetCounts();
    server.inject({ route: detail, status: 401, body: unauthorized, times: 2 });
    const recovered = await app.request('GET', '/api/v1/nodes/os');
    assert.equal(recovered.status, 200, JSON.stringify(recovered.body));
    assert.equal(server.count(detail), 3);
    assert.equal(server.count('POST /identity/v3/auth/tokens'), 2, 'one login per renewal');
    server.inject({ route: detail, status: 401, body: unauthorized, times: 3 });
    const refused = await app.request('GET', '/api/v1/nodes/os');
    assert.equal(refused.status, 502, JSON.stringify(refused.body));
    assert.match(refused.body.message, /Unauthorized/);
    assert.equal(server.count(detail), 6, '3 attempts of 1 request each');
    assert.equal(server.count('POST /identity/v3/auth/tokens'), 4, 'a login between attempts');
  });

  it('survives a revoked token: the call renews and succeeds', async () => {
    const auths = server.count('POST /identity/v3/auth/tokens');
    server.keystone.revokeAll();
    const nodes = await app.request('GET', '/api/v1/nodes/os');
    assert.equal(nodes.status, 200, JSON.stringify(nodes.body));
    assert.equal(server.count('POST /identity/v3/auth/tokens'), auths + 1);
  });
});
