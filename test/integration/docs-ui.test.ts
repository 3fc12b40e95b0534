// The docs UI's initializer and answers: no call to the online validator, the token kept across
// reloads, compressed spec and assets, and the `wait` parameter not pre-filled with true.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/app-harness.js';

/** A raw GET (fetch would decompress and hide Content-Encoding). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; bytes: number }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes }));
    })
      .on('error', reject)
      .end();
  });
}

describe('docs UI', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app?.close());

  it('never calls the online validator and persists the authorization', async () => {
    const init = await (await fetch(`${app.baseUrl}/docs/swagger-init.js`)).text();
    assert.match(init, /validatorUrl: null/);
    assert.match(init, /persistAuthorization: true/);
  });

  it('answers the spec and the bundle gzip-compressed when asked', async () => {
    for (const path of ['/openapi/v2.json', '/docs/assets/swagger-ui-bundle.js']) {
      const plain = await rawGet(`${app.baseUrl}${path}`, {});
      const gzip = await rawGet(`${app.baseUrl}${path}`, { 'accept-encoding': 'gzip' });
      assert.equal(gzip.status, 200);
      assert.equal(gzip.headers['content-encoding'], 'gzip', path);
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.ok(gzip.bytes < plain.bytes / 2, `${path}: ${gzip.bytes} of ${plain.bytes} bytes`);
    }
  });

  it('does not pre-fill wait=true, and names every example distinctly', async () => {
    const spec = await (await fetch(`${app.baseUrl}/openapi/v2.json`)).json();
    const create = spec.paths['/clouds/{cloud}/vms'].post;
    const wait = create.parameters.find((p: { name: string }) => p.name === 'wait');
    assert.equal(wait.example, undefined);
    assert.equal(wait.schema.default, false);
    const examples = create.requestBody.content['application/json'].examples as Record<string, { value: { name: string } }>;
    const names = Object.values(examples).map((e) => e.value.name);
    assert.equal(new Set(names).size, names.length, `distinct VM names: ${names.join(', ')}`);
  });
});
