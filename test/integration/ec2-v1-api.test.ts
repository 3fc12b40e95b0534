// A v1 conversation (start, assign, release, stop, firewall) on an `ec2` cloud through the HTTP
// API, with the EC2 test server behind it and a thousand other instances on the account.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/app-harness.js';
import { ec2TestOptions } from '../support/ec2/ec2-test-cloud.js';
import { startEc2TestServer, type Ec2TestServer } from '../support/ec2/ec2-test-server.js';
import { waitFor } from '../support/wait-for.js';

describe('v1 API on an ec2 cloud', () => {
  let server: Ec2TestServer;
  let app: TestApp;
  let node: { id: string; name: string };

  before(async () => {
    server = await startEc2TestServer({ transitionDelayMs: 20 });
    server.cloud.seed(1000, 'other');
    app = await startTestApp({
      clouds: [{ name: 'aws', driver: 'ec2', default: true, aliases: ['amazon'], options: ec2TestOptions(server.endpoint) }],
    });
  });
  after(async () => {
    await app?.close();
    await server?.close();
  });

  /** Calls per EC2 Action made while `fn` ran. */
  async function callsDuring(fn: () => Promise<void>): Promise<Record<string, number>> {
    server.resetCalls();
    await fn();
    return { ...server.calls };
  }

  it('shows the cloud as ec2 with the endpoint host', async () => {
    const res = await app.request('GET', '/api/v1/cloud');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.served_cloud, [{ name: 'aws', type: 'ec2', host: new URL(server.endpoint).host }]);
  });

  it('lists images (own, available), flavors and the account as tenant', async () => {
    const images = await app.request('GET', '/api/v1/images/aws');
    assert.equal(images.status, 200);
    assert.deepEqual(images.body.images.map((i: { name: string }) => i.name).sort(), ['broken-boot', 'debian-12-dispatcher', 'ubuntu-24.04-dispatcher']);
    assert.equal(images.body.images[0].cloud_type, 'Amazon EC2');
    const flavors = await app.request('GET', '/api/v1/flavors/amazon');
    assert.deepEqual(
      flavors.body.flavors.find((f: { id: string }) => f.id === 'm5d.large'),
      { id: 'm5d.large', name: 'm5d.large', ram: 8192, cpu: 2, disk: 75, provider: 'ec2', cloud_type: 'Amazon EC2' },
    );
    const tenants = await app.request('GET', '/api/v1/tenants/aws');
    assert.deepEqual(tenants.body.tenants.map((t: { id: string }) => t.id), ['123456789012']);
  });

  it('starts a VM by image name: one RunInstances carrying a ClientToken and the metadata', async () => {
    let res!: Awaited<ReturnType<TestApp['request']>>;
    const calls = await callsDuring(async () => {
      res = await app.request('POST', '/api/v1/vm/start/aws', {
        name: 'v1-worker',
        image: 'ubuntu-24.04-dispatcher',
        size: 't3.micro',
        keyname: 'default',
        metadata: { vm_type: 'worker' },
      });
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    node = res.body.nodes;
    assert.match(node.id, /^i-[0-9a-f]{17}$/);
    assert.equal(res.body.nodes.provider, 'ec2');
    assert.equal(calls.RunInstances, 1);
    const run = server.requests.find((r) => r.action === 'RunInstances')?.params ?? {};
    assert.ok(run.ClientToken, 'a ClientToken is sent');
    const onServer = server.cloud.instance(node.id);
    assert.equal(onServer?.tags.vm_type, 'worker');
    assert.equal(onServer?.keyName, 'default');
    await waitFor('running', () => server.cloud.instance(node.id)?.state === 'running');
  });

  it('refuses an unknown image before calling RunInstances', async () => {
    const calls = await callsDuring(async () => {
      const res = await app.request('POST', '/api/v1/vm/start/aws', { name: 'nope', image: 'no-such-image', size: 't3.micro' });
      assert.equal(res.status, 400);
      assert.equal(res.body.message, 'no useful image id here');
    });
    assert.equal(calls.RunInstances, undefined);
  });

  it('assigns without any call to the cloud', async () => {
    const calls = await callsDuring(async () => {
      const res = await app.request('PUT', '/api/v1/vm/action/assign/aws', { hostname: node.name, user: 'alice', vm_type: 'worker' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.result, `Node ${node.id} assigned`);
    });
    assert.deepEqual(calls, {});
  });

  it('opens a port by hostname on the VM’s security group, one filtered lookup', async () => {
    const calls = await callsDuring(async () => {
      const res = await app.request('PUT', '/api/v1/fw/open/aws', { hostname: node.name, port: 8443 });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    });
    const [groupId] = server.cloud.instance(node.id)?.groupIds ?? [];
    assert.ok(server.cloud.groups.get(groupId)?.rules.has('tcp:8443:8443:0.0.0.0/0'));
    assert.equal(calls.AuthorizeSecurityGroupIngress, 1);
    assert.equal(calls.DescribeInstances, 2, 'one find by name, one by id for the security group');
  });

  it('releases: un-assigns, terminates and waits until EC2 reports it terminated', async (ctx) => {
    const calls = await callsDuring(async () => {
      const res = await app.request('PUT', '/api/v1/vm/action/release/aws', { hostname: node.name });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.result, `Node ${node.id} released and deleted`);
    });
    assert.equal(server.cloud.instance(node.id)?.state, 'terminated');
    assert.equal(calls.TerminateInstances, 1);
    assert.ok(server.requests.every((r) => r.action !== 'DescribeInstances' || r.params['InstanceId.1'] === node.id), 'only by-id lookups');
    ctx.diagnostic(`release: ${calls.DescribeInstances} DescribeInstances calls (1 lookup + polls until terminated)`);
  });

  it('stops by hostname among 1,000 instances with one DescribeInstances call', async (ctx) => {
    const started = await app.request('POST', '/api/v1/vm/start', { name: 'v1-stop-me', image: 'debian-12-dispatcher', size: 't3.small' });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const calls = await callsDuring(async () => {
      const res = await app.request('PUT', '/api/v1/vm/stop', { hostname: 'v1-stop-me' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.result, `Node ${started.body.nodes.id} deleted`);
    });
    assert.deepEqual(calls, { DescribeInstances: 1, TerminateInstances: 1 });
    ctx.diagnostic(`stop by hostname: ${calls.DescribeInstances} DescribeInstances call(s) with ${server.cloud.all().length} instances on the account`);
  });

  it('answers EC2 throttling as 503 with the provider code, after the SDK’s own retries', async () => {
    server.inject('DescribeInstances', { type: 'throttle' });
    try {
      const calls = await callsDuring(async () => {
        const res = await app.request('PUT', '/api/v1/vm/stop/aws', { hostname: 'other-1' });
        assert.equal(res.status, 503);
        assert.match(res.body.message, /^RequestLimitExceeded: /);
      });
      assert.equal(calls.DescribeInstances, 2, 'maxAttempts (2 in these options), no second retry loop above the SDK');
    } finally {
      server.clearFaults();
    }
  });
});
