// Over real HTTP to the EC2 test server: the pool's signal closes the request in flight, and a
// create whose answer was lost is found again by its request-id tag, even on a cloud that
// ignores ClientToken (as moto does).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { buildConfig } from '../../src/config/config-loader.js';
import { DispatcherError } from '../../src/domain/errors.js';
import { OWNERSHIP_KEYS } from '../../src/domain/vm-model.js';
import type { Ec2Driver } from '../../src/drivers/ec2/ec2-driver.js';
import { ec2DriverFactory } from '../../src/drivers/ec2/ec2-factory.js';
import { CloudConnection } from '../../src/pool/cloud-connection.js';
import { createEc2TestDriver, ec2TestOptions, TEST_IMAGE_ID, TEST_SIZE_ID } from '../support/ec2/ec2-test-cloud.js';
import { startEc2TestServer, type Ec2TestServer } from '../support/ec2/ec2-test-server.js';
import { silentLogger } from '../support/silent-logger.js';
import { waitFor } from '../support/wait-for.js';
import { DRIVERS } from '../../src/drivers/driver-registry.js';

const isKind = (kind: string, code?: string) => (err: unknown) =>
  err instanceof DispatcherError && err.kind === kind && (code === undefined || err.code === code);

describe('ec2 driver: cancelled calls and lookups by request id', () => {
  let server: Ec2TestServer;
  const drivers: Ec2Driver[] = [];
  const driver = (overrides: Record<string, unknown> = {}): Ec2Driver => {
    const d = createEc2TestDriver(server.endpoint, { maxAttempts: 1, ...overrides });
    drivers.push(d);
    return d;
  };
  const request = (requestId = randomUUID()) => ({ name: `rid-${requestId.slice(0, 8)}`, imageId: TEST_IMAGE_ID, sizeId: TEST_SIZE_ID, requestId });

  before(async () => {
    // Transitions never finish by themselves here: every instance found is still pending.
    server = await startEc2TestServer({ transitionDelayMs: 600_000, ignoreClientToken: true });
    server.cloud.seed(50, 'other');
  });
  after(() => server.close());
  beforeEach(() => server.resetCalls());
  afterEach(async () => {
    server.clearFaults();
    await Promise.all(drivers.splice(0).map((d) => d.close()));
  });

  it('an aborted call closes its HTTP request and rejects with the abort reason, not an AbortError', async () => {
    server.inject('DescribeInstances', { type: 'slow', delayMs: 60_000 }, 1);
    const controller = new AbortController();
    const listing = driver({ maxAttempts: 3 }).listVms(undefined, controller.signal);
    await waitFor('the request at the server', () => server.calls.DescribeInstances === 1);
    const reason = new DispatcherError('timeout', 'cloud ec2: listVms did not answer within 1 ms', { code: 'CallTimeout' });
    controller.abort(reason);
    await assert.rejects(listing, (err: unknown) => err === reason);
    await waitFor('the server to see the connection closed', () => server.abandoned.includes('DescribeInstances'));
  });

  it('a paged listing under one signal leaves no abort listener behind', async () => {
    const signal = new AbortController().signal;
    const vms = await driver({ pageSize: 5 }).listVms(undefined, signal);
    assert.ok(vms.length >= 50);
    assert.ok(server.calls.DescribeInstances >= 10, 'many pages, one signal');
    assert.equal(getEventListeners(signal, 'abort').length, 0);
  });

  it('a call whose signal has already fired sends nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(driver().createVm(request(), controller.signal), isKind('timeout', 'CallAborted'));
    assert.deepEqual(server.calls, {});
  });

  it('through the pool: the caller gets 504, the server sees the request cut, and the slot comes back', async () => {
    const [config] = buildConfig({
      clouds: [{ name: 'ec2-slow', driver: 'ec2', concurrency: 1, callTimeoutMs: 200, options: ec2TestOptions(server.endpoint, { maxAttempts: 1 }) }],
    }, DRIVERS).clouds;
    const cloud = new CloudConnection(config, ec2DriverFactory, silentLogger);
    try {
      server.inject('RunInstances', { type: 'slow', delayMs: 60_000 }, 1);
      await assert.rejects(cloud.call('createVm', 'create', (d, signal) => d.createVm(request(), signal)), isKind('timeout', 'CallTimeout'));
      await waitFor('the server to see the create cut', () => server.abandoned.includes('RunInstances'));
      await waitFor('the slot to come back', () => cloud.load.inFlight === 0);
      assert.ok((await cloud.call('listVms', 'list', (d, signal) => d.listVms(undefined, signal))).length >= 50);
    } finally {
      await cloud.close();
    }
  });

  it('findVmByRequestId is one DescribeInstances filtered on the ownership tag and live states, never on ClientToken', async () => {
    const d = driver();
    const created = await d.createVm(request());
    server.resetCalls();
    const found = await d.findVmByRequestId(created.metadata[OWNERSHIP_KEYS.requestId]);
    assert.equal(found?.id, created.id);
    assert.equal(found?.state, 'pending');
    assert.deepEqual(server.calls, { DescribeInstances: 1 });
    const params = server.requests[0].params;
    assert.equal(params['Filter.1.Name'], `tag:${OWNERSHIP_KEYS.requestId}`);
    assert.equal(params['Filter.2.Name'], 'instance-state-name');
    assert.ok(!Object.values(params).includes('client-token'));
  });

  it('finds a VM whose create answer was lost, on a cloud that ignores ClientToken', async () => {
    server.inject('RunInstances', { type: 'drop' }, 1);
    const lost = request();
    await assert.rejects(driver().createVm(lost), (err: unknown) => err instanceof DispatcherError && err.status >= 500);
    const launched = server.cloud.all().filter((i) => i.tags[OWNERSHIP_KEYS.requestId] === lost.requestId);
    assert.equal(launched.length, 1, 'the cloud did make it');
    // A later process (no memory of the create) finds it by the tag alone.
    const found = await driver().findVmByRequestId(lost.requestId);
    assert.equal(found?.id, launched[0].id);
    assert.equal(found?.name, lost.name);
  });

  it('answers null for an unknown request id, and for one whose VM was terminated', async () => {
    const d = driver();
    assert.equal(await d.findVmByRequestId(randomUUID()), null);
    const vm = await d.createVm(request());
    await d.destroyVm(vm.id);
    server.cloud.finishTransitions(vm.id);
    assert.equal(await driver().findVmByRequestId(vm.metadata[OWNERSHIP_KEYS.requestId]), null);
  });

  it('does not confirm "none" within the consistency window of a create left unanswered', async () => {
    server.inject('RunInstances', { type: 'error', code: 'InternalError' }, 1);
    const refused = request();
    const d = driver({ consistencyWindowMs: 60_000 });
    await assert.rejects(d.createVm(refused), isKind('provider-fault'));
    await assert.rejects(d.findVmByRequestId(refused.requestId), (err: unknown) => {
      assert.ok(isKind('unavailable', 'NotYetConsistent')(err));
      assert.ok(((err as DispatcherError).retryAfterMs ?? 0) > 0);
      return true;
    });
    const invalid = { ...request(), imageId: 'ami-0ffffffffffffffff' };
    await assert.rejects(d.createVm(invalid), isKind('bad-request'));
    assert.equal(await d.findVmByRequestId(invalid.requestId), null, 'a refused create made nothing: no need to wait');
    server.inject('RunInstances', { type: 'error', code: 'InternalError' }, 1);
    const settled = driver({ consistencyWindowMs: 0 });
    await assert.rejects(settled.createVm(refused), isKind('provider-fault'));
    assert.equal(await settled.findVmByRequestId(refused.requestId), null);
  });
});
