// The OpenStack driver's pure parts: state map, addresses, catalog URL shapes, microversion
// choice, the name regex, Keystone auth bodies and the options schema.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keystoneAuthBody } from '../../src/drivers/openstack/openstack-auth.js';
import { computeBase, computeVersionUrl, findEndpoint, identityRoot, versioned } from '../../src/drivers/openstack/openstack-catalog.js';
import { chooseMicroversion, escapeRegex, networksField } from '../../src/drivers/openstack/openstack-nova.js';
import { openstackOptionsSchema, type OpenstackOptions } from '../../src/drivers/openstack/openstack-options.js';
import { nextMarker } from '../../src/drivers/openstack/openstack-session.js';
import { novaState } from '../../src/drivers/openstack/openstack-state-map.js';
import { serverToVm, splitAddresses } from '../../src/drivers/openstack/openstack-vm-mapper.js';
import { fixture } from '../support/openstack/openstack-route-kit.js';

describe('openstack state map', () => {
  const table: [string, string | null, string][] = [
    ['BUILD', 'spawning', 'pending'],
    ['ACTIVE', null, 'running'],
    ['ACTIVE', 'powering-off', 'stopping'],
    ['ACTIVE', 'rebooting', 'rebooting'],
    ['ACTIVE', 'deleting', 'stopping'],
    ['SHUTOFF', null, 'stopped'],
    ['SHUTOFF', 'powering-on', 'pending'],
    ['REBOOT', 'reboot_started', 'rebooting'],
    ['HARD_REBOOT', null, 'rebooting'],
    ['DELETED', null, 'terminated'],
    ['SOFT_DELETED', null, 'terminated'],
    ['ERROR', null, 'error'],
    ['ERROR', 'deleting', 'error'],
    ['SUSPENDED', null, 'stopped'],
    ['SHELVED_OFFLOADED', null, 'stopped'],
    ['VERIFY_RESIZE', null, 'running'],
    ['RESIZE', 'resize_prep', 'pending'],
    ['UNKNOWN', null, 'unknown'],
    ['SOMETHING_NEW', null, 'unknown'],
  ];
  for (const [status, task, state] of table) {
    it(`${status}${task ? ` + ${task}` : ''} → ${state}`, () => assert.equal(novaState(status, task), state));
  }
});

describe('openstack servers as VMs', () => {
  it('reads the published sample: ids, addresses, metadata, extra', () => {
    const vm = serverToVm(fixture<{ server: never }>('nova/server-get-resp.json').server);
    assert.equal(vm.id, '0e44cc9c-e052-415d-afbf-469b0d384170');
    assert.equal(vm.state, 'running');
    assert.equal(vm.imageId, '70a599e0-31e7-49b7-b260-868f441e862b');
    assert.equal(vm.sizeId, '1');
    assert.deepEqual(vm.privateIps, ['192.168.1.30']);
    assert.deepEqual(vm.metadata, { 'My Server Name': 'Apache1' });
    assert.equal(vm.extra.availabilityZone, 'us-west');
    assert.equal(vm.fault, undefined);
  });

  it('tolerates a server of an unreachable cell (2.69: almost no fields)', () => {
    const vm = serverToVm({ id: 'x', status: 'UNKNOWN' });
    assert.deepEqual([vm.state, vm.name, vm.publicIps, vm.imageId], ['unknown', '', [], undefined]);
  });

  it('splits floating and provider-network addresses from private ones', () => {
    const split = splitAddresses({
      private: [
        { addr: '10.0.0.5', 'OS-EXT-IPS:type': 'fixed' },
        { addr: '172.24.4.10', 'OS-EXT-IPS:type': 'floating' },
        { addr: 'fd00::5', 'OS-EXT-IPS:type': 'fixed' },
      ],
      provider: [{ addr: '198.51.100.7', 'OS-EXT-IPS:type': 'fixed' }],
    });
    assert.deepEqual(split, { publicIps: ['172.24.4.10', '198.51.100.7'], privateIps: ['10.0.0.5', 'fd00::5'] });
  });
});

describe('openstack catalog URLs', () => {
  it('appends a version only where it is missing', () => {
    assert.equal(versioned('http://h:9292', 'v2'), 'http://h:9292/v2');
    assert.equal(versioned('http://h:9292/', 'v2'), 'http://h:9292/v2');
    assert.equal(versioned('http://h/image/v2/', 'v2'), 'http://h/image/v2');
    assert.equal(versioned('http://h:9696', 'v2.0'), 'http://h:9696/v2.0');
    assert.equal(versioned('http://h/network/v2.0', 'v2.0'), 'http://h/network/v2.0');
    assert.equal(identityRoot('https://k:5000'), 'https://k:5000/v3');
    assert.equal(identityRoot('https://k:5000/v3/'), 'https://k:5000/v3');
    assert.equal(computeBase('http://n:8774/v2.1/abc'), 'http://n:8774/v2.1/abc');
    assert.equal(computeBase('http://n:8774'), 'http://n:8774/v2.1');
  });

  it('finds the version document before the project id', () => {
    assert.equal(computeVersionUrl('http://n:8774/v2.1/a6944d763bf64ee6a275f1263fae0352'), 'http://n:8774/v2.1/');
    assert.equal(computeVersionUrl('http://h/compute/v2.1'), 'http://h/compute/v2.1/');
  });

  it('picks endpoints by type, interface and region from the published catalog', () => {
    const catalog = fixture<{ token: { catalog: never[] } }>('keystone/auth-password-project-scoped-response.json').token.catalog;
    assert.equal(findEndpoint(catalog, 'compute', 'public', 'RegionOne'), 'http://23.253.248.171:8774/v2.1/a6944d763bf64ee6a275f1263fae0352');
    assert.equal(findEndpoint(catalog, 'network', 'internal'), 'http://23.253.248.171:9696/');
    assert.equal(findEndpoint(catalog, 'image', 'public', 'RegionTwo'), undefined);
  });

  it('takes only the marker from next links, wherever they point', () => {
    const servers = fixture('nova/servers-details-resp.json');
    assert.equal(nextMarker(servers, 'servers_links'), 'f5dc173b-6804-445a-a6d8-c705dad5b5eb');
    assert.equal(nextMarker({ next: '/v2/images?marker=abc&limit=2' }, 'next'), 'abc');
    assert.equal(nextMarker({ servers: [] }, 'servers_links'), undefined);
  });
});

describe('openstack microversions, networks and names', () => {
  it('chooses the highest microversion both sides know', () => {
    assert.deepEqual(chooseMicroversion('2.1', '2.93', '2.79'), { chosen: '2.79', min: '2.1' });
    assert.deepEqual(chooseMicroversion('2.1', '2.60', '2.79'), { chosen: '2.60', min: '2.1' });
    assert.deepEqual(chooseMicroversion('', '', '2.79'), {});
    assert.throws(() => chooseMicroversion('2.80', '2.95', '2.79'), /above our maximum/);
  });

  it('sends networks as Nova requires them at each microversion', () => {
    assert.equal(networksField(undefined, '2.79'), 'auto');
    assert.equal(networksField('none', '2.79'), 'none');
    assert.equal(networksField('none', '2.30'), undefined);
    assert.equal(networksField(undefined, undefined), undefined);
    assert.deepEqual(networksField('net-1', '2.30'), [{ uuid: 'net-1' }]);
  });

  it('escapes a name so that the anchored regex matches only itself', () => {
    const name = 'a.b+c*(d)[e]{2}^$|?\\';
    const regex = new RegExp(`^${escapeRegex(name)}$`);
    assert.ok(regex.test(name));
    assert.ok(!regex.test(name.replace('.', 'x')));
  });
});

describe('openstack options and Keystone bodies', () => {
  const valid = (raw: Record<string, unknown>) => openstackOptionsSchema.validate(raw);
  const base = { authUrl: 'https://keystone.example:5000/v3' };

  it('accepts password or application credentials, with defaults', () => {
    const { value, error } = valid({ ...base, username: 'u', password: 'p', projectName: 'x' });
    assert.equal(error, undefined);
    const options = value as OpenstackOptions;
    assert.deepEqual([options.interface, options.maxMicroversion, options.userDomainName, options.requestTimeoutMs], ['public', '2.79', 'Default', 30_000]);
    assert.equal(valid({ ...base, applicationCredentialId: 'i', applicationCredentialSecret: 's' }).error, undefined);
  });

  it('refuses incomplete or mixed credentials and a microversion above ours', () => {
    assert.match(String(valid({ ...base, username: 'u', password: 'p' }).error), /projectName or projectId/);
    assert.match(String(valid({ ...base, password: 'p', projectName: 'x' }).error), /username/);
    assert.ok(valid({ ...base, username: 'u', password: 'p', projectName: 'x', applicationCredentialSecret: 's' }).error);
    assert.match(String(valid({ ...base, applicationCredentialName: 'n', applicationCredentialSecret: 's' }).error), /owner/);
    assert.match(String(valid({ ...base, username: 'u', password: 'p', projectName: 'x', maxMicroversion: '2.90' }).error), /2\.79/);
  });

  it('builds scoped password bodies and unscoped application-credential bodies', () => {
    const defaults = { userDomainName: 'Default', projectDomainName: 'Default', tokenRenewMarginMs: 0, authUrl: 'x' };
    assert.deepEqual(keystoneAuthBody({ ...defaults, username: 'u', password: 'p', projectName: 'x' }), {
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'u', domain: { name: 'Default' }, password: 'p' } } },
        scope: { project: { name: 'x', domain: { name: 'Default' } } },
      },
    });
    assert.deepEqual(keystoneAuthBody({ ...defaults, applicationCredentialName: 'n', applicationCredentialSecret: 's', userId: 'uid' }), {
      auth: { identity: { methods: ['application_credential'], application_credential: { name: 'n', secret: 's', user: { id: 'uid' } } } },
    });
  });
});
