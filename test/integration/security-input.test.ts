// Issue 14, bad input: malformed percent-escapes, a body token beside a header, non-JSON bodies,
// the Host allow-list and the headers every answer carries. Each answer is a 4xx in its API's words.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/app-harness.js';
import { rawRequest } from '../support/raw-http.js';

describe('security: bad input answers 4xx in each API’s format', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ config: { server: { host: '127.0.0.1', port: 0, allowedHosts: ['dispatcher.example', '127.0.0.1'] } } });
  });
  after(() => app?.close());

  it('answers a malformed percent-escape 400, before authentication, in v1 and v2 words', async () => {
    const v2 = await rawRequest(app.baseUrl, 'GET', '/api/v2/clouds/%ff');
    assert.equal(v2.status, 400, v2.text);
    assert.match(String(v2.headers['content-type']), /problem\+json/);
    assert.equal(v2.json().code, 'BadEscape');
    for (const path of ['/api/v1/nodes/%ff', '/api/v1/vm/status/%E0%A4%A']) {
      const v1 = await rawRequest(app.baseUrl, 'GET', path);
      assert.equal(v1.status, 400, `${path}: ${v1.text}`);
      assert.equal(v1.json().status, 'error');
      assert.equal(v1.json().status_code, 400);
      assert.equal(typeof v1.json().status_short_message, 'string');
    }
    const other = await rawRequest(app.baseUrl, 'GET', '/docs/assets/%ff');
    assert.equal(other.status, 400);
  });

  it('strips a body auth_token even when an Authorization header is present (v1)', async () => {
    const res = await app.request('GET', '/api/v1/nodes'); // sanity: header alone works
    assert.equal(res.status, 200);
    const start = await app.request('POST', '/api/v1/vm/start', { name: 'body-token', image: 'ubuntu-24.04', size: 'm1.small', auth_token: app.token });
    assert.equal(start.status, 200, JSON.stringify(start.body));
    const wrongBodyToken = await app.request('POST', '/api/v1/vm/start', { name: 'body-token-2', image: 'ubuntu-24.04', size: 'm1.small', emulate: true, auth_token: 'not-a-token' });
    assert.equal(wrongBodyToken.status, 200, 'the header wins; the body spelling is dropped');
  });

  it('refuses bodies that are not application/json with 415', async () => {
    const headers = { authorization: `Bearer ${app.token}`, 'content-type': 'text/plain' };
    const body = JSON.stringify({ name: 'csrf', image: 'ubuntu-24.04', size: 'm1.small' });
    const v1 = await rawRequest(app.baseUrl, 'POST', '/api/v1/vm/start', { headers, body });
    assert.equal(v1.status, 415, v1.text);
    assert.equal(v1.json().status_code, 415);
    const v2 = await rawRequest(app.baseUrl, 'POST', '/api/v2/clouds/default/vms', { headers, body });
    assert.equal(v2.status, 415, v2.text);
    assert.equal(v2.json().code, 'UnsupportedMediaType');
    const form = await rawRequest(app.baseUrl, 'POST', '/api/v1/auth', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=a&password=b' });
    assert.equal(form.status, 415);
    const vms = await app.request('GET', '/api/v2/clouds/default/vms');
    assert.ok(!vms.body.items.some((vm: { name: string }) => vm.name === 'csrf'), 'no VM was started');
    const charset = await rawRequest(app.baseUrl, 'POST', '/api/v1/vm/start', {
      headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ name: 'x', image: 'ubuntu-24.04', size: 'm1.small', emulate: true }),
    });
    assert.equal(charset.status, 200, charset.text);
  });

  it('refuses a Host outside server.allowedHosts (probes pass)', async () => {
    const evil = await rawRequest(app.baseUrl, 'GET', '/api/v1/', { headers: { host: 'evil.example' } });
    assert.equal(evil.status, 400);
    assert.equal(evil.json().status_code, 400);
    const good = await rawRequest(app.baseUrl, 'GET', '/api/v1/', { headers: { host: 'Dispatcher.Example:5070' } });
    assert.equal(good.status, 200);
    const probe = await rawRequest(app.baseUrl, 'GET', '/healthz', { headers: { host: '10.1.2.3:5070' } });
    assert.equal(probe.status, 200);
  });

  it('sends X-Content-Type-Options: nosniff on every answer and a CSP on /docs', async () => {
    for (const path of ['/healthz', '/api/v1/', '/api/v2/status', '/nowhere', '/docs', '/openapi/v2.json']) {
      const res = await rawRequest(app.baseUrl, 'GET', path);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', path);
    }
    const docs = await rawRequest(app.baseUrl, 'GET', '/docs');
    assert.match(String(docs.headers['content-security-policy']), /default-src 'self'/);
    assert.match(String(docs.headers['content-security-policy']), /frame-ancestors 'none'/);
  });

  it('refuses names with control, bidi or zero-width characters in v1 and v2, changing nothing', async () => {
    const bad = ['nul\u0000name', 'esc\u001b[31m', 'evil\u202Egnp.exe', 'zero\u200Bwidth', 'line\nbreak', 'bom\uFEFF'];
    for (const name of bad) {
      const v2 = await app.request('POST', '/api/v2/clouds/default/vms', { name, image: 'ubuntu-24.04', size: 'm1.small' });
      assert.equal(v2.status, 400, JSON.stringify(name));
      assert.equal(v2.body.code, 'SchemaViolation');
      const v1 = await app.request('POST', '/api/v1/vm/start', { name, image: 'ubuntu-24.04', size: 'm1.small' });
      assert.equal(v1.status, 400, JSON.stringify(name));
      assert.match(v1.body.message, /^Some key doesn't validate the schema/);
      const assign = await app.request('PUT', '/api/v1/vm/action/assign', { hostname: 'x', user: name, vm_type: 'w' });
      assert.equal(assign.status, 400, `assign to ${JSON.stringify(name)}`);
    }
    const accented = await app.request('POST', '/api/v1/vm/start', { name: 'café-ü-名前', image: 'ubuntu-24.04', size: 'm1.small', emulate: true });
    assert.equal(accented.status, 200, 'ordinary Unicode letters are fine');
  });

  it('refuses usernames outside the pattern and case-insensitive duplicates', async () => {
    for (const username of ['Admin', 'ADMIN']) {
      const res = await app.request('POST', '/api/v2/admin/users', { username, password: 'long-enough-password' });
      assert.equal(res.status, 409, username);
    }
    for (const username of ['zero\u200Bwidth', 'new\nline', '-dash', 'sp ace', '__proto__'.replace(/_/g, '\u202E')]) {
      const res = await app.request('POST', '/api/v2/admin/users', { username, password: 'long-enough-password' });
      assert.equal(res.status, 400, JSON.stringify(username));
    }
    assert.equal((await app.request('POST', '/api/v2/admin/users', { username: 'ok.user@example', password: 'long-enough-password' })).status, 201);
    assert.equal((await app.request('POST', '/api/v2/admin/users', { username: 'OK.User@example', password: 'long-enough-password' })).status, 409);
  });

  it('refuses cloud aliases ., .., __proto__ and ones with invisible characters', async () => {
    for (const alias of ['.', '..', '__proto__', 'constructor', 'east\u200B', 'a b']) {
      const res = await app.request('POST', '/api/v2/admin/clouds/default/aliases', { alias });
      assert.equal(res.status, 400, JSON.stringify(alias));
    }
    assert.equal((await app.request('POST', '/api/v2/admin/clouds/default/aliases', { alias: 'west-1' })).status, 201);
  });

  it('refuses a __proto__ key like any unknown key, at any depth', async () => {
    const v1 = await app.request('POST', '/api/v1/vm/start', '{"name":"p","image":"ubuntu-24.04","size":"m1.small","emulate":true,"__proto__":{"admin":true}}');
    assert.equal(v1.status, 400);
    assert.match(v1.body.message, /__proto__/);
    const nested = await app.request('POST', '/api/v2/clouds/default/vms', '{"name":"p","image":"ubuntu-24.04","size":"m1.small","metadata":{"__proto__":"x"}}');
    assert.equal(nested.status, 400);
    assert.equal(nested.body.code, 'SchemaViolation');
  });
});
