// The SDK's own retry (maxAttempts) is the only retry, a create is safe to retry because of its
// ClientToken, and what the retry cannot absorb surfaces as the right DispatcherError kind.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { DispatcherError } from '../../src/domain/errors.js';
import type { Ec2Driver } from '../../src/drivers/ec2/ec2-driver.js';
import { createEc2TestDriver, TEST_IMAGE_ID, TEST_SIZE_ID } from '../support/ec2/ec2-test-cloud.js';
import { startEc2TestServer, type Ec2TestServer } from '../support/ec2/ec2-test-server.js';

function isError(kind: string, status: number, code: string) {
  return (err: unknown) => {
    assert.ok(err instanceof DispatcherError, `not a DispatcherError: ${String(err)}`);
    assert.equal(err.kind, kind);
    assert.equal(err.status, status);
    assert.equal(err.code, code);
    return true;
  };
}

describe('ec2 driver: retries and faults over HTTP', () => {
  let server: Ec2TestServer;
  const drivers: Ec2Driver[] = [];
  const driver = (overrides: Record<string, unknown> = {}): Ec2Driver => {
    const d = createEc2TestDriver(server.endpoint, overrides);
    drivers.push(d);
    return d;
  };

  const liveOnServer = () => server.cloud.all().filter((i) => i.state !== 'terminated').length;

  before(async () => {
    server = await startEc2TestServer({ transitionDelayMs: 20 });
    server.cloud.seed(3, 'r');
  });
  after(() => server.close());
  beforeEach(() => server.resetCalls());
  afterEach(async () => {
    server.clearFaults();
    await Promise.all(drivers.splice(0).map((d) => d.close()));
  });

  it('a create whose answer was dropped is retried with the same ClientToken and yields one VM', async () => {
    server.inject('RunInstances', { type: 'drop' }, 1);
    const requestId = randomUUID();
    const vm = await driver({ maxAttempts: 3 }).createVm({ name: 'dropped-once', imageId: TEST_IMAGE_ID, sizeId: TEST_SIZE_ID, requestId });
    assert.equal(server.calls.RunInstances, 2, 'the SDK sent it again');
    assert.deepEqual(server.requests.map((r) => r.params.ClientToken), [requestId, requestId]);
    const launched = server.cloud.all().filter((i) => i.clientToken === requestId);
    assert.deepEqual(launched.map((i) => i.id), [vm.id], 'exactly one VM, the one answered');
    assert.equal(server.cloud.all().filter((i) => i.tags.Name === 'dropped-once').length, 1);
  });

  it('throttling is retried maxAttempts times, then surfaces as throttled (503) RequestLimitExceeded', async () => {
    server.inject('DescribeInstances', { type: 'throttle' });
    await assert.rejects(driver({ maxAttempts: 3 }).listVms(), isError('throttled', 503, 'RequestLimitExceeded'));
    assert.equal(server.calls.DescribeInstances, 3);
  });

  it('a transient 500 is absorbed by the retry', async () => {
    server.inject('DescribeInstances', { type: 'error', status: 500, code: 'InternalError' }, 1);
    const vms = await driver({ maxAttempts: 2 }).listVms();
    assert.equal(vms.length, liveOnServer());
    assert.equal(server.calls.DescribeInstances, 2);
  });

  it('a persistent 500 surfaces as provider-fault (502) with the provider code', async () => {
    server.inject('DescribeKeyPairs', { type: 'error', status: 500, code: 'InternalError' });
    await assert.rejects(driver({ maxAttempts: 2 }).listKeyPairs(), isError('provider-fault', 502, 'InternalError'));
    assert.equal(server.calls.DescribeKeyPairs, 2);
  });

  it('Unavailable (503) surfaces as unavailable', async () => {
    server.inject('DescribeKeyPairs', { type: 'error', status: 503, code: 'Unavailable' });
    await assert.rejects(driver({ maxAttempts: 1 }).listKeyPairs(), isError('unavailable', 503, 'Unavailable'));
  });

  it('a proxy page that is not EC2 XML still becomes a typed provider error', async () => {
    server.inject('DescribeKeyPairs', { type: 'error', status: 502, body: '<html><body>Bad Gateway</body></html>' });
    await assert.rejects(driver({ maxAttempts: 1 }).listKeyPairs(), (err: unknown) => {
      assert.ok(err instanceof DispatcherError);
      assert.equal(err.kind, 'provider-fault');
      assert.ok(err.code, 'a code is always set');
      assert.equal(err.details?.attempts, 1);
      return true;
    });
  });

  it('an answer slower than requestTimeout surfaces as timeout (504) after maxAttempts', async () => {
    server.inject('DescribeInstances', { type: 'slow', delayMs: 5_000 });
    const started = Date.now();
    await assert.rejects(driver({ maxAttempts: 2, requestTimeoutMs: 150 }).getVm('i-0fffffffffffffff0'), isError('timeout', 504, 'TimeoutError'));
    assert.equal(server.calls.DescribeInstances, 2);
    assert.ok(Date.now() - started < 4_000, 'did not wait for the slow answer');
  });

  it('a slow answer within requestTimeout is simply waited for', async () => {
    server.inject('DescribeInstances', { type: 'slow', delayMs: 100 }, 1);
    assert.equal((await driver({ maxAttempts: 1, requestTimeoutMs: 2_000 }).listVms()).length, liveOnServer());
    assert.equal(server.calls.DescribeInstances, 1);
  });

  it('a cloud that refuses connections surfaces as unavailable with the socket code', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const d = createEc2TestDriver(`http://127.0.0.1:${port}`, { maxAttempts: 1 });
    drivers.push(d);
    await assert.rejects(d.listKeyPairs(), isError('unavailable', 503, 'ECONNREFUSED'));
  });
});
