// Over real HTTP to the OpenStack test server: the pool's signal closes the request in flight
// and ends a throttling wait, and findVmByRequestId pages Nova newest first, stopping at the
// page that holds the server.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { after, before, beforeEach, describe, it } from 'node:test';
import { buildConfig } from '../../src/config/config-loader.js';
import { DispatcherError } from '../../src/domain/errors.js';
import { OWNERSHIP_KEYS } from '../../src/domain/vm-model.js';
import { openstackDriverFactory } from '../../src/drivers/openstack/openstack-factory.js';
import { CloudConnection } from '../../src/pool/cloud-connection.js';
import { cloudOptions, startOpenstackRig, type OpenstackRig } from '../support/openstack/openstack-rig.js';
import { TEST_IMAGES } from '../support/openstack/openstack-test-server.js';
import { silentLogger } from '../support/silent-logger.js';
import { waitFor } from '../support/wait-for.js';
import { DRIVERS } from '../../src/drivers/driver-registry.js';

const DETAIL = 'GET /compute/v2.1/servers/detail';
const CREATE = 'POST /compute/v2.1/servers';
const PAGE = 10;
const request = (requestId = randomUUID()) => ({ name: `rid-${requestId.slice(0, 8)}`, imageId: TEST_IMAGES[0].id, sizeId: '1', requestId });
const timeout = () => new DispatcherError('timeout', 'cloud os: call did not answer within 1 ms', { code: 'CallTimeout' });

describe('openstack driver: cancelled calls and lookups by request id', () => {
  let rig: OpenstackRig;
  before(async () => {
    // Boots never finish here: every server found is still pending (BUILD).
    rig = await startOpenstackRig({ pageLimit: PAGE, bootDelayMs: 600_000 }, { throttle: { maxRetries: 3, defaultWaitMs: 10, maxWaitMs: 120_000 } });
    await rig.driver.connect();
    rig.server.servers.seed(25, 'other', { id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 }, TEST_IMAGES[0].id);
  });
  after(() => rig.close());
  beforeEach(() => {
    rig.server.clearFaults();
    rig.server.resetCounts();
  });

  it('an aborted call closes its HTTP request and rejects with the abort reason', async () => {
    rig.server.inject({ route: DETAIL, delayMs: 60_000 });
    const controller = new AbortController();
    const listing = rig.driver.listVms(undefined, controller.signal);
    await waitFor('the request at the server', () => rig.server.count(DETAIL) === 1);
    const reason = timeout();
    controller.abort(reason);
    await assert.rejects(listing, (err: unknown) => err === reason);
    await waitFor('the server to see the connection closed', () => rig.server.abandoned.includes(DETAIL));
  });

  it('a paged listing under one signal leaves no abort listener behind', async () => {
    const signal = new AbortController().signal;
    assert.ok((await rig.driver.listVms(undefined, signal)).length >= 25);
    assert.ok(rig.server.count(DETAIL) >= 3, 'several pages, one signal');
    assert.equal(getEventListeners(signal, 'abort').length, 0);
  });

  it('an abort ends a throttling wait without another request', async () => {
    rig.server.inject({ route: DETAIL, status: 429, headers: { 'Retry-After': '60' } });
    const controller = new AbortController();
    const listing = rig.driver.listVms(undefined, controller.signal);
    await waitFor('the throttled answer', () => rig.server.count(DETAIL) === 1);
    const reason = timeout();
    controller.abort(reason);
    await assert.rejects(listing, (err: unknown) => err === reason);
    assert.equal(rig.server.count(DETAIL), 1);
  });

  it('through the pool: the caller gets 504, the server sees the create cut, and the slot comes back', async () => {
    const [config] = buildConfig({
      clouds: [{ name: 'os-slow', driver: 'openstack', concurrency: 1, callTimeoutMs: 300, options: cloudOptions(rig.server) }],
    }, DRIVERS).clouds;
    const cloud = new CloudConnection(config, openstackDriverFactory, silentLogger);
    try {
      await cloud.call('connect', undefined, async () => undefined);
      rig.server.resetCounts();
      rig.server.inject({ route: CREATE, delayMs: 60_000 });
      await assert.rejects(
        cloud.call('createVm', 'create', (d, signal) => d.createVm(request(), signal)),
        (err: unknown) => err instanceof DispatcherError && err.status === 504 && err.code === 'CallTimeout',
      );
      await waitFor('the server to see the create cut', () => rig.server.abandoned.includes(CREATE));
      await waitFor('the slot to come back', () => cloud.load.inFlight === 0);
      assert.ok((await cloud.call('listVms', 'list', (d, signal) => d.listVms(undefined, signal))).length >= 25);
    } finally {
      await cloud.close();
    }
  });

  it('a create cut at the pool timeout that Nova carried out anyway is found by its request id', async () => {
    const [config] = buildConfig({
      clouds: [{ name: 'os-late', driver: 'openstack', callTimeoutMs: 150, options: cloudOptions(rig.server) }],
    }, DRIVERS).clouds;
    const cloud = new CloudConnection(config, openstackDriverFactory, silentLogger);
    try {
      await cloud.call('connect', undefined, async () => undefined);
      // Nova received the request: it acts on it even though the client hung up waiting.
      rig.server.inject({ route: CREATE, delayMs: 400 });
      const late = request();
      await assert.rejects(cloud.call('createVm', 'create', (d, signal) => d.createVm(late, signal)), (err: unknown) => err instanceof DispatcherError && err.status === 504);
      const found = await waitFor('Nova to create it after all', () =>
        cloud.call('findVmByRequestId', undefined, (d, signal) => d.findVmByRequestId(late.requestId, signal)),
      );
      assert.equal(found.name, late.name);
      assert.equal(found.metadata[OWNERSHIP_KEYS.cloud], 'os-late');
    } finally {
      await cloud.close();
    }
  });

  it('finds the newest server by its request id in one page', async () => {
    const created = await rig.driver.createVm(request());
    rig.server.resetCounts();
    const found = await rig.driver.findVmByRequestId(created.metadata[OWNERSHIP_KEYS.requestId]);
    assert.equal(found?.id, created.id);
    assert.equal(found?.state, 'pending');
    assert.deepEqual(rig.server.counts(), { [DETAIL]: 1 });
  });

  it('follows pagination to an older server, and pages to the end to confirm there is none', async () => {
    const older = await rig.driver.createVm(request());
    rig.server.servers.seed(PAGE + 2, 'newer', { id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 }, TEST_IMAGES[0].id);
    rig.server.resetCounts();
    assert.equal((await rig.driver.findVmByRequestId(older.metadata[OWNERSHIP_KEYS.requestId]))?.id, older.id);
    assert.equal(rig.server.count(DETAIL), 2, 'the second page held it');
    rig.server.resetCounts();
    const total = rig.server.servers.list().length;
    assert.equal(await rig.driver.findVmByRequestId(randomUUID()), null);
    assert.equal(rig.server.count(DETAIL), Math.floor(total / PAGE) + 1, `every page of ${total} servers`);
  });

  it('answers null once the server is deleted', async () => {
    const vm = await rig.driver.createVm(request());
    await rig.driver.destroyVm(vm.id);
    await waitFor('gone', async () => (await rig.driver.getVm(vm.id)) === null);
    assert.equal(await rig.driver.findVmByRequestId(vm.metadata[OWNERSHIP_KEYS.requestId]), null);
  });
});
