// With a thousand instances on the cloud, finding one costs one filtered DescribeInstances call,
// never a list of all of them.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startEc2TestCloud, TEST_IMAGE_ID, TEST_SIZE_ID, type Ec2TestCloud } from '../support/ec2/ec2-test-cloud.js';
import { waitFor } from '../support/wait-for.js';

const INSTANCES = 1000;

describe(`ec2 driver: lookups with ${INSTANCES} instances present`, () => {
  let cloud: Ec2TestCloud;
  let ids: string[];

  before(async () => {
    cloud = await startEc2TestCloud({ server: { transitionDelayMs: 20 } });
    ids = cloud.server.cloud.seed(INSTANCES, 'node').map((i) => i.id);
  });
  after(() => cloud.close());
  beforeEach(() => cloud.server.resetCalls());

  /** Every DescribeInstances named an id or a Name filter: none listed the whole cloud. */
  function assertNoListAll(): void {
    for (const { action, params } of cloud.server.requests) {
      if (action !== 'DescribeInstances') continue;
      assert.ok(params['InstanceId.1'] || params['Filter.1.Name'] === 'tag:Name', `an unfiltered DescribeInstances: ${JSON.stringify(params)}`);
    }
  }

  it('getVm makes exactly one DescribeInstances call', async () => {
    const vm = await cloud.driver.getVm(ids[613]);
    assert.equal(vm?.id, ids[613]);
    assert.equal(vm?.name, 'node-613');
    assert.equal(vm?.state, 'running');
    assert.deepEqual(cloud.server.calls, { DescribeInstances: 1 });
    assert.deepEqual(cloud.server.requests[0].params['InstanceId.1'], ids[613]);
  });

  it('findVmByName makes exactly one DescribeInstances call', async () => {
    const vm = await cloud.driver.findVmByName('node-737');
    assert.equal(vm?.id, ids[737]);
    assert.deepEqual(cloud.server.calls, { DescribeInstances: 1 });
    assertNoListAll();
  });

  it('findVmByName takes EC2 wildcards literally (one call each)', async () => {
    assert.equal(await cloud.driver.findVmByName('node-73*'), null);
    assert.equal(await cloud.driver.findVmByName('node-73?'), null);
    assert.equal(await cloud.driver.findVmByName('node-\\'), null);
    assert.equal(cloud.server.calls.DescribeInstances, 3);
    // Escaped on the wire, so EC2 does not answer every node-73x instance for the driver to sift.
    const sent = cloud.server.requests.map((r) => r.params['Filter.1.Value.1']);
    assert.deepEqual(sent, ['node-73\\*', 'node-73\\?', 'node-\\\\']);
  });

  it('answers null for an unknown id and for a terminated instance, one call each', async () => {
    assert.equal(await cloud.driver.getVm('i-0fffffffffffffff0'), null);
    assert.equal(cloud.server.calls.DescribeInstances, 1);
    await cloud.driver.destroyVm(ids[1]);
    await waitFor('terminated on the cloud', () => cloud.server.cloud.instance(ids[1])?.state === 'terminated');
    cloud.server.resetCalls();
    assert.equal(await cloud.driver.getVm(ids[1]), null);
    assert.equal(await cloud.driver.findVmByName('node-1'), null);
    assert.deepEqual(cloud.server.calls, { DescribeInstances: 2 });
  });

  it('stop by hostname: one call to find, one TerminateInstances, then only by-id polls', async (ctx) => {
    const vm = await cloud.driver.findVmByName('node-500');
    assert.ok(vm);
    await cloud.driver.destroyVm(vm.id);
    await waitFor('gone', async () => (await cloud.driver.getVm(vm.id)) === null);
    const describes = cloud.server.calls.DescribeInstances;
    assert.equal(cloud.server.calls.TerminateInstances, 1);
    assertNoListAll();
    assert.equal(cloud.server.requests.filter((r) => r.params['Filter.1.Name'] === 'tag:Name').length, 1);
    ctx.diagnostic(`stop by hostname: ${describes} DescribeInstances calls (1 find + ${describes - 1} getVm polls)`);
  });

  it('a created VM is found by its name among the thousand, one call', async () => {
    const name = `web-${randomUUID().slice(0, 6)}`;
    const created = await cloud.driver.createVm({ name, imageId: TEST_IMAGE_ID, sizeId: TEST_SIZE_ID, requestId: randomUUID() });
    cloud.server.resetCalls();
    assert.equal((await cloud.driver.findVmByName(name))?.id, created.id);
    assert.equal(cloud.server.calls.DescribeInstances, 1);
  });
});
