// What the driver's operations do on the cloud, seen from the test server's side, and how EC2's
// refusals come back as typed errors.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DispatcherError } from '../../src/domain/errors.js';
import { OWNERSHIP_KEYS } from '../../src/domain/vm-model.js';
import { createEc2TestDriver, startEc2TestCloud, TEST_IMAGE_ID, TEST_SIZE_ID, type Ec2TestCloud } from '../support/ec2/ec2-test-cloud.js';
import { waitFor } from '../support/wait-for.js';

function rejectsWith(kind: string, code: string | undefined, subject?: string) {
  return (err: unknown) => {
    assert.ok(err instanceof DispatcherError, String(err));
    assert.equal(err.kind, kind);
    assert.equal(err.code, code);
    assert.equal(err.subject, subject);
    return true;
  };
}

describe('ec2 driver: operations against the test server', () => {
  let cloud: Ec2TestCloud;
  const create = (name: string, more: Record<string, unknown> = {}) =>
    cloud.driver.createVm({ name, imageId: TEST_IMAGE_ID, sizeId: TEST_SIZE_ID, requestId: randomUUID(), ...more });

  before(async () => {
    cloud = await startEc2TestCloud({ server: { transitionDelayMs: 20, failedLaunchCleanupMs: 3_600_000, instanceLimit: 4, vcpuLimit: 10 } });
  });
  after(() => cloud.close());

  it('launches with tags, key and decoded user data, and reports EC2 details in extra', async () => {
    const vm = await create('tagged', { keyName: 'ops', userData: 'hello ünïcode', metadata: { team: 'blue' } });
    const onServer = cloud.server.cloud.instance(vm.id);
    assert.equal(onServer?.userData, 'hello ünïcode');
    assert.equal(onServer?.keyName, 'ops');
    assert.equal(onServer?.tags.Name, 'tagged');
    assert.equal(onServer?.tags[OWNERSHIP_KEYS.cloud], 'ec2-test');
    const running = await waitFor('running', async () => ((await cloud.driver.getVm(vm.id))?.state === 'running' ? cloud.driver.getVm(vm.id) : null));
    assert.equal(running?.metadata.team, 'blue');
    assert.ok(running?.publicIps.length === 1 && running.privateIps.length === 1);
    assert.equal(running?.extra.availabilityZone, 'us-east-1a');
    assert.equal(running?.extra.instanceType, TEST_SIZE_ID);
    assert.equal(running?.extra.imageId, TEST_IMAGE_ID);
    assert.match(String(running?.extra.launchTime), /^\d{4}-\d\d-\d\dT/);
    await cloud.driver.destroyVm(vm.id);
  });

  it('opens and closes the port on the first security group of the instance, idempotently', async () => {
    const vm = await create('fw');
    const [groupId] = cloud.server.cloud.instance(vm.id)?.groupIds ?? [];
    const rules = () => [...(cloud.server.cloud.groups.get(groupId)?.rules ?? [])];
    await cloud.driver.openPort(vm.id, { port: 443, protocol: 'tcp', cidr: '10.0.0.0/8' });
    await cloud.driver.openPort(vm.id, { port: 443, protocol: 'tcp', cidr: '10.0.0.0/8' });
    await cloud.driver.openPort(vm.id, { port: 0, protocol: 'icmp', cidr: '0.0.0.0/0' });
    assert.deepEqual(rules().sort(), ['icmp:-1:-1:0.0.0.0/0', 'tcp:443:443:10.0.0.0/8']);
    await cloud.driver.closePort(vm.id, { port: 443, protocol: 'tcp', cidr: '10.0.0.0/8' });
    await cloud.driver.closePort(vm.id, { port: 443, protocol: 'tcp', cidr: '10.0.0.0/8' });
    assert.deepEqual(rules(), ['icmp:-1:-1:0.0.0.0/0']);
    await assert.rejects(cloud.driver.openPort('i-0fffffffffffffff0', { port: 1, protocol: 'tcp', cidr: '0.0.0.0/0' }), rejectsWith('not-found', 'InvalidInstanceID.NotFound', 'vm'));
    await cloud.driver.destroyVm(vm.id);
  });

  it('shows a VM whose boot failed as error with the state reason, then hides it once terminated', async () => {
    const vm = await create('doomed', { imageId: 'ami-0a1b2c3d4e5f6dead' });
    const failed = await waitFor('error state', async () => {
      const current = await cloud.driver.getVm(vm.id);
      return current?.state === 'error' ? current : null;
    });
    assert.match(failed.fault ?? '', /Internal error on launch/);
    assert.deepEqual(failed.extra.stateReason, { code: 'Server.InternalError', message: 'Server.InternalError: Internal error on launch' });
    // EC2 cleans up after an hour here: the test ends the launch itself instead of racing a timer.
    assert.equal(cloud.server.cloud.finishTransitions(vm.id)?.state, 'terminated');
    assert.equal(await cloud.driver.getVm(vm.id), null);
    const terminated = (await cloud.driver.listVms({ includeTerminated: true })).find((v) => v.id === vm.id);
    assert.equal(terminated?.state, 'terminated');
    assert.match(terminated?.fault ?? '', /Internal error on launch/, 'the reason stays visible to whoever lists terminated VMs');
  });

  it('refuses unknown images, sizes, key pairs and ids with typed 4xx errors', async () => {
    await assert.rejects(create('x', { imageId: 'ami-0123456789abcdef0' }), rejectsWith('bad-request', 'InvalidAMIID.NotFound', 'image'));
    await assert.rejects(create('x', { keyName: 'nobody' }), rejectsWith('bad-request', 'InvalidKeyPair.NotFound', 'keypair'));
    await assert.rejects(create('x', { sizeId: 'z9.huge' }), rejectsWith('bad-request', 'InvalidParameterValue'));
    await assert.rejects(cloud.driver.getVm('not-an-instance-id'), rejectsWith('bad-request', 'InvalidInstanceID.Malformed', 'vm'));
  });

  it('refuses a power change the state does not allow as conflict', async () => {
    const vm = await create('power');
    await waitFor('running', async () => (await cloud.driver.getVm(vm.id))?.state === 'running');
    await cloud.driver.stopVm(vm.id);
    await waitFor('stopped', async () => (await cloud.driver.getVm(vm.id))?.state === 'stopped');
    await assert.rejects(cloud.driver.rebootVm(vm.id), rejectsWith('conflict', 'IncorrectInstanceState', 'vm'));
    await cloud.driver.destroyVm(vm.id);
    await waitFor('gone', async () => (await cloud.driver.getVm(vm.id)) === null);
  });

  it('names the quota that a launch hit', async () => {
    // At most 4 instances and 10 vCPUs: a second c5d.2xlarge (8 vCPUs) breaks the vCPU limit,
    // a fifth t3.micro (2 vCPUs) the instance limit.
    const big = await create('big-1', { sizeId: 'c5d.2xlarge' });
    await assert.rejects(create('big-2', { sizeId: 'c5d.2xlarge' }), (err: unknown) => {
      assert.ok(err instanceof DispatcherError);
      assert.deepEqual([err.kind, err.status, err.code], ['quota', 409, 'VcpuLimitExceeded']);
      assert.match(err.message, /vCPUs/);
      return true;
    });
    await cloud.driver.destroyVm(big.id);
    const small = await Promise.all([create('s-1'), create('s-2'), create('s-3'), create('s-4')]);
    await assert.rejects(create('s-5'), (err: unknown) => {
      assert.ok(err instanceof DispatcherError);
      assert.deepEqual([err.kind, err.code, err.details?.limit], ['quota', 'InstanceLimitExceeded', 'running instances of the account']);
      return true;
    });
    for (const vm of small) await cloud.driver.destroyVm(vm.id);
  });

  it('lists the account as tenant and the key pairs with fingerprints', async () => {
    assert.deepEqual(await cloud.driver.listTenants(), [{ id: '123456789012', name: '123456789012' }]);
    assert.deepEqual(await cloud.driver.listKeyPairs(), [
      { name: 'default', fingerprint: 'fp:default' },
      { name: 'ops', fingerprint: 'fp:ops' },
    ]);
  });

  it('lists other owners’ images only when configured to', async () => {
    const driver = createEc2TestDriver(cloud.server.endpoint, { imageOwners: ['amazon'], imageFilters: [{ name: 'name', values: ['al2023-*'] }] });
    try {
      assert.deepEqual((await driver.listImages()).map((i) => i.name), ['al2023-ami']);
    } finally {
      await driver.close();
    }
  });
});
