// v1 contract rows: root, auth (all token spellings), served clouds, routing errors, body limits.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashToken } from '../../src/services/auth-service.js';
import { ADMIN, startTestApp, type TestApp } from '../support/app-harness.js';

const ENVELOPE_KEYS = ['message', 'status', 'status_code', 'status_long_message', 'status_short_message'];

function assertEnvelope(response: { status: number; body: any }, status: number, message?: string | RegExp): void {
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.deepEqual(Object.keys(response.body).sort(), ENVELOPE_KEYS);
  assert.equal(response.body.status, 'error');
  assert.equal(response.body.status_code, status);
  if (typeof message === 'string') assert.equal(response.body.message, message);
  else if (message) assert.match(response.body.message, message);
}

describe('API v1 basics', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ config: { auth: { rateLimit: { windowMs: 60_000, max: 10 } } } });
  });
  after(() => app?.close());

  const anonymous = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    app.request(method, path, body, { authorization: '', ...headers });

  it('answers GET and POST / without a token, and 501 for other methods', async () => {
    assert.deepEqual((await anonymous('GET', '/api/v1/')).body, { status: 'ok' });
    assert.deepEqual((await anonymous('POST', '/api/v1/', {})).body, { status: 'ok' });
    assertEnvelope(await anonymous('DELETE', '/api/v1/'), 501, 'Not implemented');
  });

  it('exchanges a username and password for a token, and refuses a wrong one with 403', async () => {
    const ok = await anonymous('POST', '/api/v1/auth', ADMIN);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.status, 'ok');
    assert.equal(ok.body.status_code, 200);
    assert.match(ok.body.token, /^[A-Za-z0-9_-]{40,}$/);
    const wrong = await anonymous('POST', '/api/v1/auth', { username: ADMIN.username, password: 'nope' });
    assertEnvelope(wrong, 403, 'Forbidden');
    assert.equal(wrong.body.status_short_message, 'Forbidden');
    assert.equal(wrong.body.status_long_message, 'Request forbidden -- authorization will not help');
    assertEnvelope(await anonymous('POST', '/api/v1/auth', { username: 'ghost', password: 'whatever' }), 403, 'Forbidden');
    assertEnvelope(await anonymous('POST', '/api/v1/auth', { username: 'x' }), 400, /^Some key doesn't validate the schema - "password" is required/);
    assertEnvelope(await anonymous('GET', '/api/v1/auth'), 501, 'Not implemented');
  });

  it('refuses a disabled user with 403', async () => {
    const user = await app.dispatcher.services.auth.createUser('carol', 'carol-password', 'user');
    await app.dispatcher.services.users.update(user.id, { active: false });
    assertEnvelope(await anonymous('POST', '/api/v1/auth', { username: 'carol', password: 'carol-password' }), 403, 'Forbidden');
  });

  it('accepts the token as Bearer, X-Auth-Token, auth_token in the query and in the JSON body', async () => {
    const token = app.token;
    assert.equal((await anonymous('GET', '/api/v1/cloud', undefined, { authorization: `Bearer ${token}` })).status, 200);
    assert.equal((await anonymous('GET', '/api/v1/cloud', undefined, { 'x-auth-token': token })).status, 200);
    assert.equal((await anonymous('GET', `/api/v1/cloud?auth_token=${encodeURIComponent(token)}`)).status, 200);
    const viaBody = await anonymous('PUT', '/api/v1/vm/action/assign', { auth_token: token, hostname: 'h', user: 'u', vm_type: 't', emulate: true });
    assert.equal(viaBody.status, 200, JSON.stringify(viaBody.body));
  });

  it('answers 401 without a token, with a wrong one, with an expired one and with a revoked one', async () => {
    assertEnvelope(await anonymous('GET', '/api/v1/nodes'), 401);
    assertEnvelope(await anonymous('GET', '/api/v1/nodes', undefined, { authorization: 'Bearer not-a-token' }), 401);
    const { users } = app.dispatcher.services;
    const admin = await users.findByName(ADMIN.username);
    await users.addToken(admin!.id, hashToken('expired-token'), new Date(Date.now() - 1000));
    assertEnvelope(await anonymous('GET', '/api/v1/nodes', undefined, { 'x-auth-token': 'expired-token' }), 401);
    const fresh = (await anonymous('POST', '/api/v1/auth', ADMIN)).body.token;
    await app.dispatcher.services.auth.revoke(fresh);
    assertEnvelope(await anonymous('GET', '/api/v1/nodes', undefined, { authorization: `Bearer ${fresh}` }), 401);
  });

  it('lists the served clouds with driver type and API host', async () => {
    const response = await app.request('GET', '/api/v1/cloud');
    assert.deepEqual(response.body, {
      status: 'ok',
      served_cloud: [
        { name: 'default', type: 'fake', host: 'default.fake.invalid' },
        { name: 'fake-east', type: 'fake', host: 'fake-east.fake.invalid' },
      ],
    });
  });

  it('answers an unknown action with 400, an unknown path with 404, an unsupported method with 501', async () => {
    assertEnvelope(await app.request('GET', '/api/v1/volumes'), 400, 'Unrecognized action found');
    assertEnvelope(await app.request('GET', '/api/v1/volumes/default'), 400, 'Unrecognized action found');
    assertEnvelope(await app.request('GET', '/api/v1/a/b/c/d'), 404, 'Page not found');
    assertEnvelope(await app.request('POST', '/api/v1/nodes', {}), 501, 'Not implemented');
    assertEnvelope(await app.request('DELETE', '/api/v1/vm/start'), 501, 'Not implemented');
    assertEnvelope(await app.request('GET', '/api/v1/vm/start'), 501, 'Not implemented');
    assertEnvelope(await app.request('PUT', '/api/v1/vm/action/hibernate', {}), 501, 'Not implemented');
    assertEnvelope(await app.request('GET', '/api/v1/vm/action/assign'), 501, 'Not implemented');
    // Every path with the optional cloud segment answers an unsupported method the same with and
    // without it (/vm/status/<cloud> answered 404 before v1 was declared like v2).
    assertEnvelope(await app.request('POST', '/api/v1/vm/status', {}), 501, 'Not implemented');
    assertEnvelope(await app.request('POST', '/api/v1/vm/status/default', {}), 501, 'Not implemented');
    assertEnvelope(await app.request('DELETE', '/api/v1/nodes/default'), 501, 'Not implemented');
    // Another method on a path needs a token first, like the path's own routes; on public paths it does not.
    assertEnvelope(await app.request('DELETE', '/api/v1/cloud', undefined, { authorization: '' }), 401);
    assertEnvelope(await app.request('DELETE', '/api/v1/auth', undefined, { authorization: '' }), 501, 'Not implemented');
  });

  it('refuses malformed JSON and bodies over the limit in the envelope', async () => {
    assertEnvelope(await app.request('POST', '/api/v1/vm/start', '{"name": '), 400, 'Malformed JSON stream');
    const huge = JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10), image: 'i', size: 's' });
    const response = await app.request('POST', '/api/v1/vm/start', huge);
    assertEnvelope(response, 413);
  });

  it('rate-limits /auth per client with 429 and Retry-After', async () => {
    let last;
    for (let i = 0; i < 12; i++) last = await anonymous('POST', '/api/v1/auth', { username: 'ghost', password: 'x' });
    assertEnvelope(last!, 429);
    assert.ok(Number(last!.headers.get('retry-after')) > 0);
  });

  it('serves liveness and readiness without a token, and a request id on every answer', async () => {
    const health = await anonymous('GET', '/healthz');
    assert.equal(health.status, 200);
    const ready = await anonymous('GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.checks.store.ok, true);
    assert.equal(ready.body.checks.tracker.kind, 'builtin');
    assert.match(health.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const echoed = await anonymous('GET', '/healthz', undefined, { 'x-request-id': 'trace-123' });
    assert.equal(echoed.headers.get('x-request-id'), 'trace-123');
  });

  it('mounts /api/v2 with its version document', async () => {
    const response = await anonymous('GET', '/api/v2/');
    assert.equal(response.status, 200);
    assert.equal(response.body.version, 'v2');
  });
});
