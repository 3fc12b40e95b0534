// Nova, Glance and Keystone projects against the OpenStack test server: pagination, the regex
// name filter, microversions, what a create sends, ERROR with its fault, and images with and
// without Glance in the catalog.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DispatcherError } from '../../src/domain/errors.js';
import { OWNERSHIP_KEYS } from '../../src/domain/vm-model.js';
import { waitFor } from '../support/wait-for.js';
import { TEST_CLOUD } from '../support/openstack/keystone-routes.js';
import { TEST_NETWORK_ID } from '../support/openstack/nova-routes.js';
import { NO_VALID_HOST } from '../support/openstack/nova-servers.js';
import { startOpenstackRig, type OpenstackRig } from '../support/openstack/openstack-rig.js';
import { TEST_IMAGES } from '../support/openstack/openstack-test-server.js';

const DETAIL = 'GET /compute/v2.1/servers/detail';
const request = (name: string) => ({ name, imageId: TEST_IMAGES[0].id, sizeId: '1', requestId: randomUUID() });

describe('openstack driver: servers', () => {
  let rig: OpenstackRig;
  before(async () => {
    rig = await startOpenstackRig({ pageLimit: 5 });
  });
  after(() => rig.close());

  it('lists every server across pages (12 servers, 5 per page: 3 requests), taking only the marker from links', async () => {
    rig.server.servers.seed(12, 'paged', { id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 }, TEST_IMAGES[0].id);
    rig.server.resetCounts();
    const vms = await rig.driver.listVms();
    assert.equal(vms.length, 12);
    assert.equal(new Set(vms.map((v) => v.id)).size, 12);
    assert.equal(rig.server.count(DETAIL), 3);
    assert.ok(vms.every((v) => v.state === 'running' && v.publicIps.length === 1 && v.privateIps.length === 1));
  });

  it('finds exactly the server whose name has regex characters, not a near match', async () => {
    const name = 'web.1+a(b)';
    const exact = await rig.driver.createVm(request(name));
    await rig.driver.createVm(request('webx1+a(b)'));
    await rig.driver.createVm(request(`${name}-2`));
    rig.server.resetCounts();
    const found = await rig.driver.findVmByName(name);
    assert.equal(found?.id, exact.id);
    assert.equal(rig.server.count(DETAIL), 1, 'one filtered call');
    const sent = new URL(rig.server.requests.find((r) => r.route === DETAIL)?.url ?? '', 'http://x');
    assert.equal(sent.searchParams.get('name'), '^web\\.1\\+a\\(b\\)$');
    assert.equal(await rig.driver.findVmByName('web.1'), null);
  });

  it('sends the negotiated microversion on every compute call', async () => {
    rig.server.resetCounts();
    await rig.driver.listVms();
    await rig.driver.listSizes();
    const compute = rig.server.requests.filter((r) => r.route.includes('/compute/') && r.route !== 'GET /compute/v2.1/');
    assert.ok(compute.length >= 2);
    for (const r of compute) {
      assert.equal(r.headers['openstack-api-version'], 'compute 2.79', r.route);
      assert.equal(r.headers['x-openstack-nova-api-version'], '2.79', r.route);
    }
  });

  it('creates with image, flavor, key, metadata with ownership keys, base64 user data and networks', async () => {
    const requestId = randomUUID();
    const vm = await rig.driver.createVm({ ...request('full'), keyName: 'ops-key', metadata: { purpose: 'ci' }, userData: '#!/bin/sh\necho hi', requestId });
    assert.equal(vm.state, 'pending');
    const body = rig.server.createBodies.at(-1) as { server: Record<string, unknown> };
    assert.equal(body.server.imageRef, TEST_IMAGES[0].id);
    assert.equal(body.server.flavorRef, '1');
    assert.equal(body.server.key_name, 'ops-key');
    assert.equal(body.server.networks, 'auto', 'Nova requires networks from 2.37; auto unless configured');
    assert.equal(Buffer.from(String(body.server.user_data), 'base64').toString(), '#!/bin/sh\necho hi');
    const metadata = body.server.metadata as Record<string, string>;
    assert.equal(metadata.purpose, 'ci');
    assert.equal(metadata[OWNERSHIP_KEYS.requestId], requestId);
    assert.equal(metadata[OWNERSHIP_KEYS.cloud], 'os-test');
    const running = await waitFor('running', async () => ((await rig.driver.getVm(vm.id))?.state === 'running' ? rig.driver.getVm(vm.id) : null));
    assert.equal(running?.metadata[OWNERSHIP_KEYS.requestId], requestId);
    assert.equal(running?.sizeId, 'm1.tiny', 'from 2.47 Nova embeds the flavor by name');
    assert.match(running?.publicIps.join() ?? '', /^203\.0\.113\.\d+$/, 'the floating IP is public');
    assert.match(running?.privateIps.join() ?? '', /^10\.0\.\d+\.\d+$/);
  });

  it('carries Nova fault.message into an ERROR server', async () => {
    const vm = await rig.driver.createVm({ ...request('doomed'), imageId: TEST_IMAGES[2].id });
    const failed = await waitFor('error', async () => {
      const current = await rig.driver.getVm(vm.id);
      return current?.state === 'error' ? current : null;
    });
    assert.equal(failed.fault, NO_VALID_HOST);
  });

  it('shows stopping while Nova powers off, then stopped; refuses a start of a running server with conflict', async () => {
    const vm = await rig.driver.createVm(request('power'));
    await waitFor('running', async () => (await rig.driver.getVm(vm.id))?.state === 'running');
    await assert.rejects(rig.driver.startVm(vm.id), (err: unknown) => err instanceof DispatcherError && err.kind === 'conflict' && err.code === 'conflictingRequest');
    rig.server.settings.actionDelayMs = 60_000;
    try {
      await rig.driver.stopVm(vm.id);
      assert.equal((await rig.driver.getVm(vm.id))?.state, 'stopping');
      rig.server.servers.fastForward(vm.id);
      assert.equal((await rig.driver.getVm(vm.id))?.state, 'stopped');
    } finally {
      rig.server.settings.actionDelayMs = 40;
    }
  });

  it('costs find + delete + polls to stop a VM by hostname', async (t) => {
    const vm = await rig.driver.createVm(request('stop-me'));
    await waitFor('running', async () => (await rig.driver.getVm(vm.id))?.state === 'running');
    rig.server.resetCounts();
    const found = await rig.driver.findVmByName('stop-me');
    assert.ok(found);
    await rig.driver.destroyVm(found.id);
    let polls = 0;
    await waitFor('gone', async () => {
      polls++;
      return (await rig.driver.getVm(found.id)) === null;
    }, 5_000, 25);
    const total = rig.server.total();
    t.diagnostic(`calls per stop-by-hostname: ${total} (1 filtered list + 1 delete + ${polls} polls at 25 ms while Nova deletes in 40 ms)`);
    assert.equal(rig.server.count(DETAIL), 1);
    assert.equal(rig.server.count('DELETE /compute/v2.1/servers/{id}'), 1);
    assert.equal(total, 2 + polls, 'no auth, no version document, no listing of every server');
  });

  it('lists tenants, key pairs and flavors with figures', async () => {
    assert.deepEqual((await rig.driver.listTenants())[0], { id: TEST_CLOUD.projectId, name: TEST_CLOUD.projectName });
    assert.deepEqual((await rig.driver.listKeyPairs()).map((k) => k.name), ['default', 'ops-key']);
    const tiny = (await rig.driver.listSizes()).find((s) => s.id === '1');
    assert.deepEqual([tiny?.name, tiny?.ramMiB, tiny?.vcpus, tiny?.diskGiB], ['m1.tiny', 512, 1, 1]);
  });
});

describe('openstack driver: microversions, networks and images', () => {
  it('settles on the cloud maximum when it is lower, omitting networks before 2.37', async () => {
    const rig = await startOpenstackRig({ microversions: { min: '2.1', max: '2.30' } }, { network: 'none' });
    try {
      const vm = await rig.driver.createVm(request('old-cloud'));
      assert.equal((rig.server.createBodies.at(-1) as { server: Record<string, unknown> }).server.networks, undefined);
      assert.equal(rig.server.requests.at(-1)?.headers['openstack-api-version'], 'compute 2.30');
      const running = await waitFor('running', async () => ((await rig.driver.getVm(vm.id))?.state === 'running' ? rig.driver.getVm(vm.id) : null));
      assert.equal(running?.sizeId, '1', 'before 2.47 the flavor comes by id');
    } finally {
      await rig.close();
    }
  });

  it('boots on a configured network id', async () => {
    const rig = await startOpenstackRig({}, { network: TEST_NETWORK_ID, securityGroups: ['web'], availabilityZone: 'az-1' });
    try {
      await rig.driver.createVm(request('on-net'));
      const server = (rig.server.createBodies.at(-1) as { server: Record<string, unknown> }).server;
      assert.deepEqual(server.networks, [{ uuid: TEST_NETWORK_ID }]);
      assert.deepEqual(server.security_groups, [{ name: 'web' }]);
      assert.equal(server.availability_zone, 'az-1');
    } finally {
      await rig.close();
    }
  });

  it('refuses a cloud whose compute API starts above our maximum', async () => {
    const rig = await startOpenstackRig({ microversions: { min: '2.80', max: '2.95' } });
    try {
      await assert.rejects(rig.driver.connect(), (err: unknown) => err instanceof DispatcherError && err.code === 'NoCommonMicroversion');
    } finally {
      await rig.close();
    }
  });

  it('follows Glance next links (2 per page) and never doubles a version already in the catalog', async () => {
    const rig = await startOpenstackRig({ pageLimit: 2, catalog: { versionedSuffixes: true, computeProjectId: false } });
    try {
      const images = await rig.driver.listImages();
      assert.deepEqual(images.map((i) => i.id).sort(), TEST_IMAGES.map((i) => i.id).sort());
      assert.equal(rig.server.count('GET /image/v2/images'), 2);
      await rig.driver.openPort((await rig.driver.createVm(request('fw'))).id, { port: 22, protocol: 'tcp', cidr: '0.0.0.0/0' });
      assert.equal(rig.server.neutron.ingressRules('default').length, 1);
    } finally {
      await rig.close();
    }
  });

  it("falls back to Nova's image proxy, pinned to 2.35, when the catalog has no image service", async () => {
    const rig = await startOpenstackRig({ catalog: { image: false } });
    try {
      const images = await rig.driver.listImages();
      assert.equal(images.length, 3);
      const proxy = rig.server.requests.find((r) => r.route === 'GET /compute/v2.1/images/detail');
      assert.equal(proxy?.headers['openstack-api-version'], 'compute 2.35');
    } finally {
      await rig.close();
    }
  });
});
