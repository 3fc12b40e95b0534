// The request context on its own: the access line (keys, route template through nested routers,
// level by status), the level the root logger has now (changed at run time), and req.log bound to
// the request id.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { requestContext, type RequestRecord } from '../../src/api/http/request-context.js';
import { createLogger } from '../../src/log/log-factory.js';

describe('request context', () => {
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (chunk) => (text += chunk));
  const logger = createLogger('info', { secretOptions: [], destination: sink });
  const records: RequestRecord[] = [];
  let server: ReturnType<ReturnType<typeof express>['listen']>;
  let base = '';

  before(async () => {
    const app = express();
    app.use(requestContext(logger, (record) => records.push(record)));
    const inner = express.Router();
    inner.get('/things/:id', (req, res) => {
      req.log.warn({ token: 'never-logged' }, 'inside');
      res.status(Number(req.query.status ?? 200)).json({ id: req.params.id });
    });
    app.use('/api', inner);
    app.get('/healthz', (_req, res) => res.json({ ok: true }));
    await new Promise<void>((resolve) => (server = app.listen(0, '127.0.0.1', () => resolve())));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server?.close());

  const lines = () => text.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

  it('writes one access line per request, with the route template of a nested router, and req.log bound to the id', async () => {
    text = '';
    const res = await fetch(`${base}/api/things/7?status=503&auth_token=secret`, { headers: { 'x-request-id': 'rid-1' } });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('x-request-id'), 'rid-1');
    await settle();
    const [inside, access] = lines();
    assert.deepEqual({ msg: inside.msg, reqId: inside.reqId, token: inside.token }, { msg: 'inside', reqId: 'rid-1', token: '[redacted]' });
    assert.deepEqual(Object.keys(access), ['level', 'time', 'service', 'reqId', 'method', 'path', 'route', 'status', 'ms', 'client', 'msg']);
    assert.deepEqual(
      { level: access.level, reqId: access.reqId, method: access.method, path: access.path, route: access.route, status: access.status, client: access.client, msg: access.msg },
      { level: 50, reqId: 'rid-1', method: 'GET', path: '/api/things/7', route: '/api/things/:id', status: 503, client: '127.0.0.1', msg: 'request' },
    );
    assert.deepEqual({ ...records.at(-1), seconds: 0 }, { method: 'GET', route: '/api/things/:id', status: 503, seconds: 0 });
  });

  it('follows the root logger level changed at run time', async () => {
    text = '';
    logger.level = 'warn';
    await fetch(`${base}/api/things/1`);
    await settle();
    assert.deepEqual(lines().map((l) => l.msg), ['inside'], 'no access line at info when the level is warn');
    logger.level = 'debug';
    text = '';
    await fetch(`${base}/healthz`);
    await settle();
    const [probe] = lines();
    assert.equal(probe.level, 20, 'probes at debug, written once the level is debug');
    assert.equal(probe.route, '/healthz');
    logger.level = 'info';
  });
});
