// Issue 14, slow clients: over a real socket, a client that never finishes its headers, or
// trickles a body, is cut off by server.headersTimeoutMs / requestTimeoutMs (Node's default let
// it hold an unauthenticated connection for 300 s); connections past server.maxConnections are refused.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { FAST_FAKE, startTestApp, type TestApp } from '../support/app-harness.js';

/** Opens a socket, writes `data`, and resolves with what the server sent once it closes the connection. */
function slowClient(baseUrl: string, data: string): { socket: Socket; closed: Promise<string> } {
  const url = new URL(baseUrl);
  const socket = connect(Number(url.port), url.hostname);
  socket.write(data);
  let received = '';
  socket.on('data', (chunk) => (received += chunk));
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  socket.on('error', () => {});
  return { socket, closed };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: still open after ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

describe('security: timeouts and connection caps', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      config: { server: { host: '127.0.0.1', port: 0, headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 } },
      clouds: [
        { name: 'default', driver: 'fake', default: true, options: { ...FAST_FAKE } },
        { name: 'slow', driver: 'fake', options: { ...FAST_FAKE, latencyMs: 3_000 } },
      ],
    });
  });
  after(() => app?.close());

  it('closes a connection whose headers never end (slowloris)', async () => {
    const client = slowClient(app.baseUrl, 'POST /api/v1/auth HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n');
    const answer = await within(client.closed, 15_000, 'headers never sent');
    assert.match(answer, /^HTTP\/1\.1 408/);
  });

  it('closes a connection whose body trickles past requestTimeoutMs', async () => {
    const head = 'POST /api/v1/auth HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"username":';
    const client = slowClient(app.baseUrl, head);
    const drip = setInterval(() => client.socket.writable && client.socket.write(' '), 200);
    try {
      const answer = await within(client.closed, 15_000, 'body trickled');
      assert.match(answer, /^HTTP\/1\.1 408/);
    } finally {
      clearInterval(drip);
    }
  });

  it('does not cut a slow answer: the limits bound receiving the request, not the work', async () => {
    const res = await app.request('GET', '/api/v1/nodes/slow');
    assert.equal(res.status, 200, 'the slow cloud took longer than requestTimeoutMs to list');
  });

  it('refuses connections past server.maxConnections', async () => {
    const capped = await startTestApp({ config: { server: { host: '127.0.0.1', port: 0, maxConnections: 2 } } });
    const held = [slowClient(capped.baseUrl, 'GET /api/v1/ HTTP/1.1\r\n'), slowClient(capped.baseUrl, 'GET /api/v1/ HTTP/1.1\r\n')];
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const extra = slowClient(capped.baseUrl, 'GET /api/v1/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      const answer = await within(extra.closed, 15_000, 'the connection over the cap');
      assert.equal(answer, '', 'dropped without an answer');
    } finally {
      held.forEach((c) => c.socket.destroy());
      await capped.close();
    }
  });
});
