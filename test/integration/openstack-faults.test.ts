// Faults against the OpenStack test server: quota, throttling with Retry-After (repeated only for
// calls safe to repeat), provider faults, timeouts, and the idempotent firewall rules.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DispatcherError } from '../../src/domain/errors.js';
import { waitFor } from '../support/wait-for.js';
import { OpenstackDriver } from '../../src/drivers/openstack/openstack-driver.js';
import { silentLogger } from '../support/silent-logger.js';
import { cloudOptions, startOpenstackRig, validOptions, type OpenstackRig } from '../support/openstack/openstack-rig.js';
import { TEST_IMAGES } from '../support/openstack/openstack-test-server.js';

const DETAIL = 'GET /compute/v2.1/servers/detail';
const CREATE = 'POST /compute/v2.1/servers';
const request = (name: string) => ({ name, imageId: TEST_IMAGES[0].id, sizeId: '1', requestId: randomUUID() });

function rejectsWith(kind: string, code: string | undefined, check?: (err: DispatcherError) => void) {
  return (err: unknown) => {
    assert.ok(err instanceof DispatcherError, String(err));
    assert.equal(err.kind, kind, err.message);
    if (code !== undefined) assert.equal(err.code, code);
    check?.(err);
    return true;
  };
}

describe('openstack driver: faults', () => {
  let rig: OpenstackRig;
  before(async () => {
    rig = await startOpenstackRig({}, { throttle: { maxRetries: 3, defaultWaitMs: 10, maxWaitMs: 2000 } });
    await rig.driver.connect();
  });
  after(() => rig.close());

  it('maps a 413 overLimit on create to quota (409), sent once', async () => {
    rig.server.inject({ route: CREATE, status: 413 });
    rig.server.resetCounts();
    await assert.rejects(rig.driver.createVm(request('over')), rejectsWith('quota', 'overLimit', (err) => assert.equal(err.status, 409)));
    assert.equal(rig.server.count(CREATE), 1);
  });

  it('waits the Retry-After of a 429 on a GET and succeeds on the next attempt', async () => {
    rig.server.inject({ route: DETAIL, status: 429, headers: { 'Retry-After': '1' } });
    rig.server.resetCounts();
    const started = Date.now();
    const vms = await rig.driver.listVms();
    assert.ok(Array.isArray(vms));
    assert.equal(rig.server.count(DETAIL), 2);
    assert.ok(Date.now() - started >= 950, 'the Retry-After second was honoured');
  });

  it('never repeats a throttled create: the caller gets throttled with retryAfterMs', async () => {
    rig.server.inject({ route: CREATE, status: 429, headers: { 'Retry-After': '1' } });
    rig.server.resetCounts();
    await assert.rejects(rig.driver.createVm(request('throttled')), rejectsWith('throttled', 'HTTP429', (err) => assert.equal(err.retryAfterMs, 1000)));
    assert.equal(rig.server.count(CREATE), 1);
  });

  it('retries a safe call at most 3 more times, then gives up as throttled (503)', async () => {
    rig.server.inject({ route: DETAIL, status: 503, times: 10 });
    rig.server.resetCounts();
    await assert.rejects(rig.driver.listVms(), rejectsWith('throttled', 'HTTP503', (err) => assert.equal(err.status, 503)));
    assert.equal(rig.server.count(DETAIL), 4);
    rig.server.clearFaults();
  });

  it('does not wait for a Retry-After beyond the cap: the caller decides', async () => {
    rig.server.inject({ route: DETAIL, status: 429, headers: { 'Retry-After': '120' } });
    rig.server.resetCounts();
    await assert.rejects(rig.driver.listVms(), rejectsWith('throttled', undefined, (err) => assert.equal(err.retryAfterMs, 120_000)));
    assert.equal(rig.server.count(DETAIL), 1);
  });

  it('repeats a throttled delete (safe to repeat) after the wait', async () => {
    const vm = await rig.driver.createVm(request('to-delete'));
    rig.server.inject({ route: 'DELETE /compute/v2.1/servers/{id}', status: 503, headers: { 'Retry-After': '0' } });
    await rig.driver.destroyVm(vm.id);
    await waitFor('deleted', async () => (await rig.driver.getVm(vm.id)) === null);
  });

  it('maps a 500 computeFault to provider-fault (502) and does not retry it', async () => {
    rig.server.inject({ route: 'GET /compute/v2.1/flavors/detail', status: 500 });
    rig.server.resetCounts();
    await assert.rejects(rig.driver.listSizes(), rejectsWith('provider-fault', 'computeFault', (err) => assert.equal(err.status, 502)));
    assert.equal(rig.server.count('GET /compute/v2.1/flavors/detail'), 1);
  });

  it('turns an answer slower than requestTimeoutMs into timeout (504)', async () => {
    const options = validOptions(cloudOptions(rig.server, { requestTimeoutMs: 200 }));
    const impatient = new OpenstackDriver({ cloudName: 'os-timeout', options: { ...options }, logger: silentLogger });
    try {
      await impatient.connect();
      rig.server.inject({ route: 'GET /compute/v2.1/os-keypairs', delayMs: 3000 });
      await assert.rejects(impatient.listKeyPairs(), rejectsWith('timeout', 'ECONNABORTED', (err) => assert.equal(err.status, 504)));
    } finally {
      await impatient.close();
    }
  });

  it('answers not-found for a delete of an unknown server, null for its get', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    await assert.rejects(rig.driver.destroyVm(unknown), rejectsWith('not-found', 'itemNotFound', (err) => assert.equal(err.subject, 'vm')));
    assert.equal(await rig.driver.getVm(unknown), null);
  });

  it("opens a port once in the server's own project group, and closes it once", async () => {
    const vm = await rig.driver.createVm(request('fw'));
    rig.server.resetCounts();
    const rule = { port: 8080, protocol: 'tcp' as const, cidr: '192.0.2.0/24' };
    await rig.driver.openPort(vm.id, rule);
    await rig.driver.openPort(vm.id, rule);
    await rig.driver.openPort(vm.id, { ...rule, port: 8081 });
    const rules = rig.server.neutron.ingressRules('default');
    assert.deepEqual(rules.map((r) => [r.port_range_min, r.remote_ip_prefix]).sort(), [[8080, '192.0.2.0/24'], [8081, '192.0.2.0/24']]);
    assert.equal(rig.server.count('POST /network/v2.0/security-group-rules'), 3, 'the duplicate was sent and its 409 taken as success');
    await rig.driver.closePort(vm.id, rule);
    await rig.driver.closePort(vm.id, rule);
    assert.deepEqual(rig.server.neutron.ingressRules('default').map((r) => r.port_range_min), [8081]);
  });

  it('refuses firewall changes on an unknown server with not-found', async () => {
    const rule = { port: 22, protocol: 'tcp' as const, cidr: '0.0.0.0/0' };
    await assert.rejects(rig.driver.openPort('00000000-0000-4000-8000-000000000000', rule), rejectsWith('not-found', undefined));
  });
});
