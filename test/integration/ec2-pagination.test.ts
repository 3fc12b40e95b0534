// Lists follow NextToken to the end, whatever page size the cloud or the driver picks.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createEc2TestDriver, startEc2TestCloud, type Ec2TestCloud } from '../support/ec2/ec2-test-cloud.js';
import { waitFor } from '../support/wait-for.js';

describe('ec2 driver: pagination of DescribeInstances', () => {
  let cloud: Ec2TestCloud;
  let seededIds: string[];

  before(async () => {
    cloud = await startEc2TestCloud({ server: { pageSize: 10 } });
    seededIds = cloud.server.cloud.seed(25, 'paged').map((i) => i.id);
  });
  after(() => cloud.close());
  beforeEach(() => cloud.server.resetCalls());

  it('lists 25 instances in pages of 10 with 3 DescribeInstances calls, all 25 returned', async () => {
    const vms = await cloud.driver.listVms();
    assert.deepEqual(vms.map((v) => v.id).sort(), [...seededIds].sort());
    assert.equal(cloud.server.calls.DescribeInstances, 3);
    const tokens = cloud.server.requests.map((r) => r.params.NextToken);
    assert.equal(tokens[0], undefined, 'the first page is asked without a token');
    assert.ok(tokens[1] && tokens[2] && tokens[1] !== tokens[2], 'each later page resumes from the token of the one before');
  });

  it('asks the driver pageSize as MaxResults: pages of 5 take 5 calls', async () => {
    const driver = createEc2TestDriver(cloud.server.endpoint, { pageSize: 5 });
    try {
      const vms = await driver.listVms();
      assert.equal(vms.length, 25);
      assert.equal(cloud.server.calls.DescribeInstances, 5);
      assert.ok(cloud.server.requests.every((r) => r.params.MaxResults === '5'));
    } finally {
      await driver.close();
    }
  });

  it('hides terminated instances unless asked, and asks EC2 to filter them out', async () => {
    const [gone, alsoGone] = seededIds;
    await cloud.driver.destroyVm(gone);
    await cloud.driver.destroyVm(alsoGone);
    await waitFor('both terminated', () => [gone, alsoGone].every((id) => cloud.server.cloud.instance(id)?.state === 'terminated'));
    cloud.server.resetCalls();

    const live = await cloud.driver.listVms();
    assert.equal(live.length, 23);
    assert.ok(!live.some((v) => v.id === gone || v.id === alsoGone));
    const filter = cloud.server.requests[0].params;
    assert.equal(filter['Filter.1.Name'], 'instance-state-name');
    assert.ok(!Object.entries(filter).some(([k, v]) => k.startsWith('Filter.1.Value') && v === 'terminated'));

    const all = await cloud.driver.listVms({ includeTerminated: true });
    assert.equal(all.length, 25);
    assert.deepEqual(all.filter((v) => v.state === 'terminated').map((v) => v.id).sort(), [gone, alsoGone].sort());
  });
});

describe('ec2 driver: pagination of images and instance types', () => {
  let cloud: Ec2TestCloud;

  before(async () => {
    cloud = await startEc2TestCloud({ server: { pageSize: 2 } });
  });
  after(() => cloud.close());
  beforeEach(() => cloud.server.resetCalls());

  it('follows DescribeImages pages, owners self and available images only by default', async () => {
    const images = await cloud.driver.listImages();
    assert.deepEqual(images.map((i) => i.name).sort(), ['broken-boot', 'debian-12-dispatcher', 'ubuntu-24.04-dispatcher']);
    assert.equal(cloud.server.calls.DescribeImages, 2);
    assert.ok(cloud.server.requests.every((r) => r.params['Owner.1'] === 'self' && r.params['Owner.2'] === undefined));
  });

  it('follows DescribeInstanceTypes pages and reports vCPUs, MiB and local disk GiB or 0', async () => {
    const sizes = await cloud.driver.listSizes();
    assert.equal(sizes.length, 7);
    assert.equal(cloud.server.calls.DescribeInstanceTypes, 4);
    assert.deepEqual(sizes.find((s) => s.id === 'm5d.large'), {
      id: 'm5d.large',
      name: 'm5d.large',
      vcpus: 2,
      ramMiB: 8192,
      diskGiB: 75,
      extra: { currentGeneration: true, architectures: ['x86_64'], instanceStorage: true },
    });
    assert.equal(sizes.find((s) => s.id === 't3.micro')?.diskGiB, 0, 'EBS-only types have no local disk');
  });
});
