// EC2's states and shapes → the domain's, and the options schema's defaults and refusals.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Instance } from '@aws-sdk/client-ec2';
import { ec2Host } from '../../src/drivers/ec2/ec2-client.js';
import { ec2DriverFactory } from '../../src/drivers/ec2/ec2-factory.js';
import { toSize, toVm } from '../../src/drivers/ec2/ec2-mappers.js';
import { clientToken, escapeFilterValue } from '../../src/drivers/ec2/ec2-requests.js';
import { EC2_STATE_MAP, vmStateOf } from '../../src/drivers/ec2/ec2-states.js';

describe('ec2 state map', () => {
  it('maps the six EC2 states', () => {
    assert.deepEqual(EC2_STATE_MAP, {
      pending: 'pending',
      running: 'running',
      'shutting-down': 'stopping',
      terminated: 'terminated',
      stopping: 'stopping',
      stopped: 'stopped',
    });
    assert.equal(vmStateOf({ stateName: 'hibernating-maybe' }).state, 'unknown');
  });

  it('reports a platform fault as error, with the state reason as fault', () => {
    const failed = vmStateOf({ stateName: 'shutting-down', reasonCode: 'Server.InternalError', reasonMessage: 'Server.InternalError: Internal error on launch' });
    assert.deepEqual(failed, { state: 'error', fault: 'Server.InternalError: Internal error on launch' });
    assert.equal(vmStateOf({ stateName: 'stopped', reasonCode: 'Client.VolumeLimitExceeded', reasonMessage: 'x' }).state, 'error');
    // Terminated stays terminated (getVm hides it) but keeps its reason.
    assert.deepEqual(vmStateOf({ stateName: 'terminated', reasonCode: 'Server.InsufficientInstanceCapacity', reasonMessage: 'no capacity' }), {
      state: 'terminated',
      fault: 'no capacity',
    });
  });

  it('does not call ordinary endings faults', () => {
    for (const code of ['Client.UserInitiatedShutdown', 'Client.InstanceInitiatedShutdown', 'Server.SpotInstanceTermination', 'Server.ScheduledStop']) {
      assert.deepEqual(vmStateOf({ stateName: 'stopped', reasonCode: code, reasonMessage: 'm' }), { state: 'stopped' }, code);
    }
  });
});

describe('ec2 mappers', () => {
  const instance: Instance = {
    InstanceId: 'i-0123456789abcdef0',
    ImageId: 'ami-0a1b2c3d4e5f60001',
    InstanceType: 't3.micro',
    State: { Code: 16, Name: 'running' },
    LaunchTime: new Date('2025-01-02T03:04:05.000Z'),
    Placement: { AvailabilityZone: 'eu-west-1b' },
    PrivateIpAddress: '10.0.0.5',
    PublicIpAddress: '198.51.100.7',
    KeyName: 'ops',
    SecurityGroups: [{ GroupId: 'sg-1', GroupName: 'default' }],
    Tags: [{ Key: 'Name', Value: 'web-1' }, { Key: 'team', Value: 'blue' }],
  };

  it('turns an instance into a Vm: Name tag as name, other tags as metadata, details in extra', () => {
    const vm = toVm(instance);
    assert.equal(vm.id, 'i-0123456789abcdef0');
    assert.equal(vm.name, 'web-1');
    assert.equal(vm.state, 'running');
    assert.deepEqual(vm.metadata, { team: 'blue' });
    assert.deepEqual(vm.publicIps, ['198.51.100.7']);
    assert.deepEqual(vm.privateIps, ['10.0.0.5']);
    assert.equal(vm.createdAt, '2025-01-02T03:04:05.000Z');
    assert.equal(vm.sizeId, 't3.micro');
    assert.equal(vm.extra.availabilityZone, 'eu-west-1b');
    assert.equal(vm.extra.instanceType, 't3.micro');
    assert.equal(vm.extra.imageId, 'ami-0a1b2c3d4e5f60001');
    assert.equal(vm.extra.launchTime, '2025-01-02T03:04:05.000Z');
    assert.deepEqual(vm.extra.tags, { Name: 'web-1', team: 'blue' });
    assert.equal(vm.extra.stateReason, null);
    assert.equal(vm.fault, undefined);
  });

  it('fills in tags a RunInstances answer did not echo, and names an untagged VM by its id', () => {
    const bare = { ...instance, Tags: undefined };
    assert.equal(toVm(bare, { Name: 'from-request', a: '1' }).name, 'from-request');
    assert.deepEqual(toVm(bare, { Name: 'from-request', a: '1' }).metadata, { a: '1' });
    assert.equal(toVm(bare).name, 'i-0123456789abcdef0');
  });

  it('turns an instance type into a Size with 0 disk for EBS-only types', () => {
    assert.deepEqual(
      [toSize({ InstanceType: 'c5.large', VCpuInfo: { DefaultVCpus: 2 }, MemoryInfo: { SizeInMiB: 4096 }, InstanceStorageSupported: false })].map((s) => [s.vcpus, s.ramMiB, s.diskGiB]),
      [[2, 4096, 0]],
    );
    const local = toSize({ InstanceType: 'c5d.large', VCpuInfo: { DefaultVCpus: 2 }, MemoryInfo: { SizeInMiB: 4096 }, InstanceStorageSupported: true, InstanceStorageInfo: { TotalSizeInGB: 50 } });
    assert.equal(local.diskGiB, 50);
  });

  it('escapes EC2 filter wildcards', () => {
    assert.equal(escapeFilterValue('a*b?c\\d.e+f'), 'a\\*b\\?c\\\\d.e+f');
  });

  it('passes a request id as ClientToken, hashed when EC2 would refuse it (over 64 chars, not ASCII)', () => {
    assert.equal(clientToken('3f1c2a9e-0000-4000-8000-000000000001'), '3f1c2a9e-0000-4000-8000-000000000001');
    const long = 'x'.repeat(65);
    assert.match(clientToken(long), /^[0-9a-f]{64}$/);
    assert.equal(clientToken(long), clientToken(long), 'stable, so a retry reuses it');
    assert.notEqual(clientToken('é'), 'é');
  });
});

describe('ec2 options', () => {
  const schema = ec2DriverFactory.optionsSchema;

  it('defaults: own images only, SDK retry of 3 attempts, available images', () => {
    const { value, error } = schema.validate({ region: 'eu-west-1' });
    assert.equal(error, undefined);
    assert.deepEqual(value.imageOwners, ['self']);
    assert.deepEqual(value.imageFilters, [{ name: 'state', values: ['available'] }]);
    assert.equal(value.maxAttempts, 3);
    assert.equal(value.accessKeyId, undefined, 'no keys: the SDK default provider chain');
  });

  it('refuses half a credential, a session token alone, no region, an unknown key', () => {
    assert.ok(schema.validate({ region: 'r', accessKeyId: 'AK' }).error);
    assert.ok(schema.validate({ region: 'r', sessionToken: 'T' }).error);
    assert.ok(schema.validate({}).error);
    assert.ok(schema.validate(undefined).error, 'an ec2 cloud needs options (at least a region)');
    assert.ok(schema.validate({ region: 'r', imageOwner: 'self' }).error);
    assert.ok(schema.validate({ region: 'r', endpoint: 'not a url' }).error);
  });

  it('declares the secret keys and the endpoint host', () => {
    assert.deepEqual([...ec2DriverFactory.secretOptions].sort(), ['accessKeyId', 'secretAccessKey', 'sessionToken']);
    assert.equal(ec2Host({ region: 'eu-west-1' }), 'ec2.eu-west-1.amazonaws.com');
    assert.equal(ec2Host({ region: 'x', endpoint: 'https://ec2.example.org:8443/' }), 'ec2.example.org:8443');
  });
});
