// The driver over an injected `{ send }`: what it asks EC2, and what it makes of answers the test
// server does not produce (eventual consistency, newer revoke answers).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EC2ServiceException, type RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import { DispatcherError } from '../../src/domain/errors.js';
import { OWNERSHIP_KEYS } from '../../src/domain/vm-model.js';
import type { Ec2Sender } from '../../src/drivers/ec2/ec2-client.js';
import { Ec2Driver } from '../../src/drivers/ec2/ec2-driver.js';
import { ec2DriverFactory } from '../../src/drivers/ec2/ec2-factory.js';
import { silentLogger } from '../support/silent-logger.js';

type Input = Record<string, unknown>;
type Handler = (input: Input) => unknown;

function fakeEc2(handlers: Record<string, Handler>) {
  const sent: { command: string; input: Input }[] = [];
  const client = {
    send: async (command: { input: unknown }) => {
      const name = command.constructor.name.replace(/Command$/, '');
      sent.push({ command: name, input: structuredClone(command.input) as Input });
      const handler = handlers[name];
      if (!handler) throw new Error(`unexpected ${name}`);
      return handler(command.input as Input);
    },
  } as unknown as Ec2Sender;
  return { client, sent };
}

function ec2Fault(code: string): EC2ServiceException {
  return new EC2ServiceException({ name: code, $fault: 'client', $metadata: { httpStatusCode: 400 }, message: code });
}

function driverWith(client: Ec2Sender, options: Record<string, unknown> = {}, now?: () => number): Ec2Driver {
  const { value, error } = ec2DriverFactory.optionsSchema.validate({ region: 'eu-west-1', ...options });
  if (error) throw error;
  return new Ec2Driver({ cloudName: 'unit', options: value, logger: silentLogger }, { client, now });
}

const launched = (input: Input) => ({
  Instances: [{ InstanceId: 'i-0000000000000abcd', State: { Name: 'pending' }, ImageId: input.ImageId, InstanceType: input.InstanceType }],
});

describe('ec2 driver over an injected client', () => {
  it('launches with ClientToken = requestId, the tags, base64 user data and the configured network', async () => {
    const ec2 = fakeEc2({ RunInstances: launched });
    const driver = driverWith(ec2.client, { subnetId: 'subnet-9', securityGroupIds: ['sg-9'] });
    const request = { name: 'w1', imageId: 'ami-1', sizeId: 't3.small', keyName: 'ops', userData: '#!/bin/sh\necho hi', metadata: { team: 'blue' }, requestId: 'req-42' };
    const vm = await driver.createVm(request);
    await driver.createVm(request);
    const [first, again] = ec2.sent.map((s) => s.input as unknown as RunInstancesCommandInput);
    assert.equal(first.ClientToken, 'req-42');
    assert.equal(first.MinCount, 1);
    assert.equal(first.MaxCount, 1);
    assert.equal(Buffer.from(first.UserData ?? '', 'base64').toString('utf8'), '#!/bin/sh\necho hi');
    assert.equal(first.SubnetId, 'subnet-9');
    assert.deepEqual(first.SecurityGroupIds, ['sg-9']);
    assert.equal(first.KeyName, 'ops');
    const [spec] = first.TagSpecifications ?? [];
    const tags = Object.fromEntries((spec.Tags ?? []).map((t) => [t.Key, t.Value]));
    assert.equal(spec.ResourceType, 'instance');
    assert.equal(tags.Name, 'w1');
    assert.equal(tags.team, 'blue');
    assert.equal(tags[OWNERSHIP_KEYS.cloud], 'unit');
    assert.equal(tags[OWNERSHIP_KEYS.requestId], 'req-42');
    assert.deepEqual(again, first, 'a repeated create sends the identical request (ownership timestamp included)');
    assert.equal(vm.name, 'w1');
    assert.equal(vm.metadata.team, 'blue');
  });

  it('answers the just-launched VM while DescribeInstances does not know it yet, then null', async () => {
    let now = 1_000_000;
    const ec2 = fakeEc2({
      RunInstances: launched,
      DescribeInstances: () => {
        throw ec2Fault('InvalidInstanceID.NotFound');
      },
    });
    const driver = driverWith(ec2.client, { consistencyWindowMs: 30_000 }, () => now);
    const vm = await driver.createVm({ name: 'fresh', imageId: 'ami-1', sizeId: 't3.micro', requestId: 'r1' });
    assert.equal((await driver.getVm(vm.id))?.state, 'pending');
    now += 30_001;
    assert.equal(await driver.getVm(vm.id), null);
  });

  it('treats a revoke answered with unknownIpPermissionSet, or InvalidPermission.*, as done', async () => {
    const describe = () => ({ Reservations: [{ Instances: [{ InstanceId: 'i-1', State: { Name: 'running' }, SecurityGroups: [{ GroupId: 'sg-7' }] }] }] });
    let revoke: Handler = () => ({ Return: true, UnknownIpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22 }] });
    let authorize: Handler = () => {
      throw ec2Fault('InvalidPermission.Duplicate');
    };
    const ec2 = fakeEc2({ DescribeInstances: describe, RevokeSecurityGroupIngress: (i) => revoke(i), AuthorizeSecurityGroupIngress: (i) => authorize(i) });
    const driver = driverWith(ec2.client);
    const rule = { port: 22, protocol: 'tcp' as const, cidr: '::/0' };
    await driver.closePort('i-1', rule);
    revoke = () => {
      throw ec2Fault('InvalidPermission.NotFound');
    };
    await driver.closePort('i-1', rule);
    await driver.openPort('i-1', rule);
    const permission = ec2.sent.find((s) => s.command === 'AuthorizeSecurityGroupIngress')?.input;
    assert.deepEqual(permission, { GroupId: 'sg-7', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, Ipv6Ranges: [{ CidrIpv6: '::/0' }] }] });
    authorize = () => {
      throw ec2Fault('RulesPerSecurityGroupLimitExceeded');
    };
    await assert.rejects(driver.openPort('i-1', rule), (err: unknown) => err instanceof DispatcherError && err.kind === 'quota');
  });

  it('reads the tenant off a security group, falls back on a reservation, and remembers it', async () => {
    const ec2 = fakeEc2({
      DescribeSecurityGroups: () => ({ SecurityGroups: [] }),
      DescribeInstances: () => ({ Reservations: [{ OwnerId: '210987654321', Instances: [] }] }),
    });
    const driver = driverWith(ec2.client);
    assert.deepEqual(await driver.listTenants(), [{ id: '210987654321', name: '210987654321' }]);
    assert.deepEqual(await driver.listTenants(), [{ id: '210987654321', name: '210987654321' }]);
    assert.deepEqual(ec2.sent.map((s) => s.command), ['DescribeSecurityGroups', 'DescribeInstances']);
  });

  it('offers only the configured instance types, in their order', async () => {
    const info = (t: string, cpus: number) => ({ InstanceType: t, VCpuInfo: { DefaultVCpus: cpus }, MemoryInfo: { SizeInMiB: cpus * 1024 } });
    const ec2 = fakeEc2({ DescribeInstanceTypes: () => ({ InstanceTypes: [info('t3.micro', 2), info('c5.xlarge', 4)] }) });
    const driver = driverWith(ec2.client, { instanceTypes: ['c5.xlarge', 't3.micro'] });
    assert.deepEqual((await driver.listSizes()).map((s) => s.id), ['c5.xlarge', 't3.micro']);
    assert.deepEqual(ec2.sent[0].input.InstanceTypes, ['c5.xlarge', 't3.micro']);
  });

  it('refuses to guess when a pagination token repeats', async () => {
    const ec2 = fakeEc2({ DescribeInstances: () => ({ Reservations: [], NextToken: 'same' }) });
    await assert.rejects(driverWith(ec2.client).listVms(), (err: unknown) => err instanceof DispatcherError && err.code === 'PaginationLoop');
    assert.equal(ec2.sent.length, 2);
  });
});
