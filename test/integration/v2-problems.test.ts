// v2 errors as RFC 9457 problems: shape, statuses, and the checks made before any cloud call.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FAST_FAKE, startTestApp, type TestApp } from '../support/app-harness.js';

function assertProblem(res: { status: number; body: any; headers: Headers }, status: number, instance: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.match(res.body.type, /^urn:cloud-dispatcher:problem:[a-z-]+$/);
  assert.equal(typeof res.body.title, 'string');
  assert.equal(res.body.status, status);
  assert.equal(typeof res.body.detail, 'string');
  assert.equal(res.body.instance, instance);
  assert.equal(res.body.requestId, res.headers.get('x-request-id'));
}

describe('v2 problems', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      clouds: [
        { name: 'default', driver: 'fake', default: true, options: { ...FAST_FAKE } },
        { name: 'test/name', driver: 'fake', aliases: ['slashed'], options: { ...FAST_FAKE } },
        { name: 'no-firewall', driver: 'fake', options: { ...FAST_FAKE, capabilities: ['list', 'get', 'create', 'destroy', 'images', 'sizes'] } },
        { name: 'broken', driver: 'fake', options: { ...FAST_FAKE, faults: { errorRate: 1 } } },
      ],
      config: { server: { bodyLimitBytes: 2048 } },
    });
  });
  after(async () => app?.close());

  it('404 for an unknown cloud', async () => {
    const res = await app.request('GET', '/api/v2/clouds/nowhere/vms');
    assertProblem(res, 404, '/api/v2/clouds/nowhere/vms');
    assert.equal(res.body.type, 'urn:cloud-dispatcher:problem:not-found');
    assert.match(res.body.detail, /cloud nowhere/);
  });

  it('resolves percent-encoded cloud names and aliases', async () => {
    const res = await app.request('GET', '/api/v2/clouds/test%2Fname');
    assert.equal(res.status, 200);
    assert.equal(res.body.name, 'test/name');
    assert.equal(res.body.links.self, '/api/v2/clouds/test%2Fname');
    assert.equal((await app.request('GET', '/api/v2/clouds/slashed/vms')).status, 200);
  });

  it('400 naming the key and why, for query, body and path', async () => {
    const query = await app.request('GET', '/api/v2/clouds/default/vms?limit=abc');
    assertProblem(query, 400, '/api/v2/clouds/default/vms');
    assert.equal(query.body.code, 'SchemaViolation');
    assert.deepEqual(
      query.body.errors.map((e: { in: string; key: string; reason: string }) => [e.in, e.key, e.reason]),
      [['query', 'limit', 'number.base']],
    );
    const body = await app.request('POST', '/api/v2/clouds/default/vms', { name: 'x', image: 'ubuntu-24.04', size: 5, extra: true });
    assertProblem(body, 400, '/api/v2/clouds/default/vms');
    assert.deepEqual(body.body.errors.map((e: { key: string }) => e.key).sort(), ['extra', 'size']);
    assert.match(body.body.detail, /"size" must be a string/);
    const unknownQuery = await app.request('GET', '/api/v2/clouds/default/vms?colour=red');
    assert.equal(unknownQuery.body.errors[0].key, 'colour');
    const badTag = await app.request('GET', '/api/v2/clouds/default/vms?tag=novalue');
    assert.equal(badTag.body.errors[0].key, 'tag');
  });

  it('400 for malformed JSON, 413 for a body over the limit, both as problems', async () => {
    assertProblem(await app.request('POST', '/api/v2/clouds/default/vms', '{"name":'), 400, '/api/v2/clouds/default/vms');
    const big = await app.request('POST', '/api/v2/clouds/default/vms', { name: 'x'.repeat(4096), image: 'i', size: 's' });
    assertProblem(big, 413, '/api/v2/clouds/default/vms');
    assert.equal(big.body.code, 'BodyTooLarge');
  });

  it('401 without a token, with a bad one, and with v1-only spellings', async () => {
    const none = await app.request('GET', '/api/v2/clouds', undefined, { authorization: '' });
    assertProblem(none, 401, '/api/v2/clouds');
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    assertProblem(await app.request('GET', '/api/v2/clouds', undefined, { authorization: 'Bearer nope' }), 401, '/api/v2/clouds');
    const legacy = await app.request('GET', '/api/v2/clouds', undefined, { authorization: '', 'x-auth-token': app.token });
    assert.equal(legacy.status, 401, 'v2 takes the Authorization header only');
    assert.equal((await app.request('GET', '/api/v2/', undefined, { authorization: '' })).status, 200, 'the version document is public');
  });

  it('takes the token by the bearer rules: scheme in any case, access_token in the query, one token only, never a 500', async () => {
    const bare = { authorization: '' };
    assert.equal((await app.request('GET', '/api/v2/clouds', undefined, { authorization: `bearer ${app.token}` })).status, 200);
    assert.equal((await app.request('GET', `/api/v2/clouds?access_token=${encodeURIComponent(app.token)}`, undefined, bare)).status, 200);
    assert.equal((await app.request('GET', `/api/v2/clouds?limit=5&access%5Ftoken=${encodeURIComponent(app.token)}`, undefined, bare)).status, 200, 'a percent-encoded key');
    // Two tokens at once, a header of three words, a token repeated in the query (an array): refused, not answered 500.
    assertProblem(await app.request('GET', `/api/v2/clouds?access_token=${encodeURIComponent(app.token)}`), 401, '/api/v2/clouds');
    assertProblem(await app.request('GET', '/api/v2/clouds', undefined, { authorization: `Bearer ${app.token} extra` }), 401, '/api/v2/clouds');
    assertProblem(await app.request('GET', `/api/v2/clouds?access_token=${app.token}&access_token=${app.token}`, undefined, bare), 401, '/api/v2/clouds');
    assertProblem(await app.request('GET', '/api/v2/clouds', undefined, { authorization: `Basic ${app.token}` }), 401, '/api/v2/clouds');
    const numeric = await app.request('POST', '/api/v2/clouds/default/vms', { access_token: 12345, name: 'n', image: 'ubuntu-24.04', size: 'm1.small' }, bare);
    assertProblem(numeric, 401, '/api/v2/clouds/default/vms');
  });

  it('501 for an action the driver lacks, before any call to the cloud', async () => {
    const fake = app.fake('no-firewall');
    const vm = await app.request('POST', '/api/v2/clouds/no-firewall/vms?wait=true', { name: 'fw', image: 'ubuntu-24.04', size: 'm1.small' });
    assert.equal(vm.status, 201);
    const calls = { ...fake.calls };
    const open = await app.request('POST', `/api/v2/clouds/no-firewall/vms/${vm.body.id}/actions`, { action: 'open-port', port: 22 });
    assertProblem(open, 501, `/api/v2/clouds/no-firewall/vms/${vm.body.id}/actions`);
    assert.equal(open.body.code, 'CapabilityMissing');
    assertProblem(await app.request('POST', `/api/v2/clouds/no-firewall/vms/${vm.body.id}/actions`, { action: 'reboot' }), 501, `/api/v2/clouds/no-firewall/vms/${vm.body.id}/actions`);
    assertProblem(await app.request('GET', '/api/v2/clouds/no-firewall/keypairs'), 501, '/api/v2/clouds/no-firewall/keypairs');
    assert.deepEqual(fake.calls, calls, 'the cloud was not called');
    const cloud = await app.request('GET', '/api/v2/clouds/no-firewall');
    assert.ok(!cloud.body.capabilities.includes('firewall'));
  });

  it("502 with the provider's code when the cloud fails", async () => {
    const res = await app.request('GET', '/api/v2/clouds/broken/vms');
    assertProblem(res, 502, '/api/v2/clouds/broken/vms');
    assert.equal(res.body.code, 'InternalError');
  });

  it('404 for an unknown path and 405 (with Allow) for a wrong method, as problems', async () => {
    assertProblem(await app.request('GET', '/api/v2/nothing-here'), 404, '/api/v2/nothing-here');
    const wrong = await app.request('PUT', '/api/v2/clouds');
    assertProblem(wrong, 405, '/api/v2/clouds');
    assert.equal(wrong.headers.get('allow'), 'GET, HEAD');
  });
});
