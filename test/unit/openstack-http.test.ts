// The axios HttpClient: keep-alive, no redirects followed, JSON in and out, and transport errors
// that carry no token or password.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { createAxiosHttpClient } from '../../src/drivers/openstack/openstack-http.js';

describe('openstack HttpClient over axios', () => {
  let server: Server;
  let url: string;
  let connections = 0;
  const client = createAxiosHttpClient({ timeoutMs: 2000 });

  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/moved') return res.writeHead(302, { Location: 'http://elsewhere.invalid/' }).end();
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json', 'X-Echo': 'yes' }).end(JSON.stringify({ got: body ? JSON.parse(body) : null })));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    client.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends JSON, parses JSON, lower-cases headers and keeps one connection alive', async () => {
    const first = await client.send({ method: 'POST', url: `${url}/a`, body: { a: 1 }, headers: { 'Content-Type': 'application/json' } });
    const second = await client.send({ method: 'GET', url: `${url}/b` });
    assert.deepEqual(first.body, { got: { a: 1 } });
    assert.equal(first.headers['x-echo'], 'yes');
    assert.deepEqual(second.body, { got: null });
    assert.equal(connections, 1);
  });

  it('returns a redirect as it is instead of following it with the token', async () => {
    const answer = await client.send({ method: 'GET', url: `${url}/moved`, headers: { 'X-Auth-Token': 'secret-token' } });
    assert.equal(answer.status, 302);
  });

  it('rejects a refused connection with Node’s code and nothing of the request', async () => {
    const dead = createAxiosHttpClient({ timeoutMs: 2000 });
    const port = (server.address() as AddressInfo).port;
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    assert.notEqual(deadPort, port);
    await assert.rejects(
      dead.send({ method: 'POST', url: `http://127.0.0.1:${deadPort}/v3/auth/tokens`, headers: { 'X-Auth-Token': 'secret-token' }, body: { password: 'hunter2' } }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ECONNREFUSED');
        // What a logger could print of it, nested objects included.
        const everything = inspect(err, { depth: 8, showHidden: true });
        assert.ok(!everything.includes('secret-token') && !everything.includes('hunter2'), everything);
        return true;
      },
    );
    dead.close();
  });
});
