// Keystone against the OpenStack test server: one token shared by concurrent calls, renewal on
// expiry and, through the pool, on 401 (requests and logins counted), the credential forms, and
// endpoint selection by region and interface.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { buildConfig } from '../../src/config/config-loader.js';
import { DispatcherError, isDispatcherError } from '../../src/domain/errors.js';
import { OpenstackDriver } from '../../src/drivers/openstack/openstack-driver.js';
import { openstackDriverFactory } from '../../src/drivers/openstack/openstack-factory.js';
import { CloudConnection, MAX_CREDENTIAL_ATTEMPTS } from '../../src/pool/cloud-connection.js';
import { silentLogger } from '../support/silent-logger.js';
import { waitFor } from '../support/wait-for.js';
import { TEST_CLOUD } from '../support/openstack/keystone-routes.js';
import { cloudOptions, startOpenstackRig, validOptions, type OpenstackRig } from '../support/openstack/openstack-rig.js';
import { OpenstackTestServer } from '../support/openstack/openstack-test-server.js';
import { DRIVERS } from '../../src/drivers/driver-registry.js';

const AUTH = 'POST /identity/v3/auth/tokens';
const FLAVORS = 'GET /compute/v2.1/flavors/detail';
const UNAUTHORIZED = { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } };

function driverFor(server: OpenstackTestServer, overrides: Record<string, unknown> = {}, raw?: Record<string, unknown>): OpenstackDriver {
  const options = validOptions(raw ?? cloudOptions(server, overrides));
  return new OpenstackDriver({ cloudName: 'os-auth', options: { ...options }, logger: silentLogger });
}

describe('openstack driver: Keystone tokens', () => {
  let rig: OpenstackRig;
  before(async () => {
    rig = await startOpenstackRig();
  });
  after(() => rig.close());

  it('shares one token among 50 concurrent calls: one auth request', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => rig.driver.listSizes()));
    assert.equal(results.length, 50);
    assert.ok(results.every((sizes) => sizes.length === 6));
    assert.equal(rig.server.count(AUTH), 1);
  });

  it('reuses the token: auth requests per 100 calls from a fresh driver', async (t) => {
    const driver = driverFor(rig.server);
    const before = rig.server.count(AUTH);
    try {
      const calls = [() => driver.listVms(), () => driver.listSizes(), () => driver.listImages(), () => driver.listKeyPairs()];
      for (let i = 0; i < 100; i++) await calls[i % calls.length]();
    } finally {
      await driver.close();
    }
    const perHundred = rig.server.count(AUTH) - before;
    t.diagnostic(`auth requests per 100 calls (fresh driver, token valid throughout): ${perHundred}`);
    assert.equal(perHundred, 1);
  });

  it('answers credentials-expired at the first 401 without a retry of its own, and forgets only the refused token', async () => {
    await rig.driver.listSizes();
    const auths = rig.server.count(AUTH);
    const flavors = rig.server.count(FLAVORS);
    rig.server.inject({ route: FLAVORS, status: 401, body: UNAUTHORIZED });
    await assert.rejects(rig.driver.listSizes(), (err: unknown) => {
      assert.ok(isDispatcherError(err, 'credentials-expired'), String(err));
      assert.equal(err.code, 'Unauthorized');
      return true;
    });
    assert.deepEqual([rig.server.count(FLAVORS) - flavors, rig.server.count(AUTH) - auths], [1, 0], 'one request, no login');
    await rig.driver.renewCredentials();
    await rig.driver.renewCredentials();
    assert.equal(rig.server.count(AUTH), auths + 1, 'renewing fetches one token; a second renewal reuses it');
    assert.equal((await rig.driver.listSizes()).length, 6);
    assert.equal(rig.server.count(AUTH), auths + 1);
  });
});

// The pool's loop is the only credential retry (docs/architecture.md): each attempt is one
// request, each renewal between attempts one Keystone login.
describe('openstack through the pool: what a refused token costs', () => {
  let server: OpenstackTestServer;
  let cloud: CloudConnection;
  before(async () => {
    server = await OpenstackTestServer.start();
  });
  after(() => server.close());
  beforeEach(() => {
    const [config] = buildConfig({ clouds: [{ name: 'os-renew', driver: 'openstack', options: cloudOptions(server) }] }, DRIVERS).clouds;
    cloud = new CloudConnection(config, openstackDriverFactory, silentLogger);
    server.clearFaults();
    server.resetCounts();
  });
  afterEach(() => cloud.close());
  const listSizes = () => cloud.call('listSizes', 'sizes', (driver, signal) => driver.listSizes(signal));

  it(`a persistent 401: ${MAX_CREDENTIAL_ATTEMPTS} requests and ${MAX_CREDENTIAL_ATTEMPTS} logins (the first one included), then credentials-expired`, async () => {
    server.inject({ route: FLAVORS, status: 401, body: UNAUTHORIZED, times: 100 });
    await assert.rejects(listSizes(), (err: unknown) => {
      assert.ok(isDispatcherError(err, 'credentials-expired'), String(err));
      assert.match(err.message, new RegExp(`refused after ${MAX_CREDENTIAL_ATTEMPTS} attempts`));
      return true;
    });
    assert.deepEqual([server.count(FLAVORS), server.count(AUTH)], [MAX_CREDENTIAL_ATTEMPTS, MAX_CREDENTIAL_ATTEMPTS]);
  });

  it('an expired token: 2 requests and 1 login, and the call succeeds', async () => {
    assert.equal((await listSizes()).length, 6);
    server.resetCounts();
    server.keystone.revokeAll();
    const unauthorized = server.unauthorized;
    assert.equal((await listSizes()).length, 6);
    assert.deepEqual([server.count(FLAVORS), server.count(AUTH), server.unauthorized - unauthorized], [2, 1, 1]);
  });

  it('a burst of 20 calls meeting one revoked token: one login', async () => {
    assert.equal((await listSizes()).length, 6);
    server.resetCounts();
    server.keystone.revokeAll();
    const results = await Promise.all(Array.from({ length: 20 }, () => listSizes()));
    assert.ok(results.every((sizes) => sizes.length === 6));
    assert.equal(server.count(AUTH), 1);
  });
});

describe('openstack driver: token lifetime and credentials', () => {
  let server: OpenstackTestServer;
  before(async () => {
    // Renewal is due at half the lifetime: 1 s of slack before the token really expires.
    server = await OpenstackTestServer.start({ tokenTtlMs: 2000 });
  });
  after(() => server.close());

  it('fetches a new token before expires_at instead of meeting a 401', async () => {
    const driver = driverFor(server);
    try {
      await driver.listSizes();
      assert.equal(server.count(AUTH), 1);
      await waitFor('a proactive renewal', async () => {
        await driver.listSizes();
        return server.count(AUTH) >= 2;
      });
      assert.equal(server.unauthorized, 0, 'no call was sent with an expired token');
    } finally {
      await driver.close();
    }
  });

  it('authenticates with an application credential id, without a scope', async () => {
    const raw = { authUrl: server.authUrl, region: 'RegionOne', applicationCredentialId: TEST_CLOUD.applicationCredentialId, applicationCredentialSecret: TEST_CLOUD.applicationCredentialSecret };
    const driver = driverFor(server, {}, raw);
    try {
      assert.ok((await driver.listTenants()).some((p) => p.id === TEST_CLOUD.projectId));
      const sent = server.requests.filter((r) => r.route === AUTH).at(-1)?.body as { auth: Record<string, unknown> };
      assert.equal(sent.auth.scope, undefined);
    } finally {
      await driver.close();
    }
  });

  it('authenticates with an application credential name and its owner', async () => {
    const raw = {
      authUrl: `${server.url}/identity`,
      region: 'RegionOne',
      applicationCredentialName: TEST_CLOUD.applicationCredentialName,
      applicationCredentialSecret: TEST_CLOUD.applicationCredentialSecret,
      username: TEST_CLOUD.username,
    };
    const driver = driverFor(server, {}, raw);
    try {
      assert.equal((await driver.listSizes()).length, 6);
    } finally {
      await driver.close();
    }
  });

  it('scopes a password token by project id', async () => {
    const driver = driverFor(server, { projectName: undefined, projectId: TEST_CLOUD.projectId });
    try {
      assert.equal((await driver.listKeyPairs()).length, 2);
    } finally {
      await driver.close();
    }
  });

  it('reports a refused password once, as a provider fault the pool does not retry', async () => {
    const before = server.count(AUTH);
    const driver = driverFor(server, { password: 'wrong' });
    try {
      await assert.rejects(driver.connect(), (err: unknown) => {
        assert.ok(err instanceof DispatcherError && err.kind === 'provider-fault', String(err));
        assert.equal(err.code, 'Unauthorized');
        return true;
      });
      assert.equal(server.count(AUTH), before + 1);
    } finally {
      await driver.close();
    }
  });
});

describe('openstack driver: endpoint selection', () => {
  let rig: OpenstackRig;
  before(async () => {
    rig = await startOpenstackRig();
  });
  after(() => rig.close());

  it('takes the configured region: RegionTwo lists first in the catalog and does not answer', async () => {
    const driver = driverFor(rig.server, { region: undefined });
    try {
      await assert.rejects(driver.listSizes(), (err: unknown) => {
        assert.ok(isDispatcherError(err, 'unavailable'), String(err));
        assert.equal(err.code, 'ECONNREFUSED');
        return true;
      });
    } finally {
      await driver.close();
    }
  });

  it('takes the configured interface (internal endpoints are elsewhere)', async () => {
    const driver = driverFor(rig.server, { interface: 'internal' });
    try {
      await assert.rejects(driver.listSizes(), (err: unknown) => isDispatcherError(err, 'unavailable'));
    } finally {
      await driver.close();
    }
  });

  it('lets configured endpoints replace the catalog', async () => {
    const url = rig.server.url;
    const driver = driverFor(rig.server, {
      region: undefined,
      endpoints: { compute: `${url}/compute/v2.1`, image: `${url}/image`, network: `${url}/network/v2.0` },
    });
    try {
      assert.equal((await driver.listSizes()).length, 6);
      assert.equal((await driver.listImages()).length, 3);
    } finally {
      await driver.close();
    }
  });

  it('shows the identity host as the cloud host', () => {
    assert.equal(rig.driver.host, new URL(rig.server.url).host);
  });
});
