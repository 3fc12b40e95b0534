// Issue 14, login throttling that holds: per-username and per-client counters in the store,
// shared by v1 /auth and v2 /auth/tokens and by every instance over one database; X-Forwarded-For
// believed only from configured proxies (default: none).
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/app-harness.js';

const LIMIT = { auth: { rateLimit: { windowMs: 60_000, max: 5 } } };

function v1Login(app: TestApp, username: string, password: string, headers: Record<string, string> = {}) {
  return app.request('POST', '/api/v1/auth', { username, password }, { authorization: '', ...headers });
}
function v2Login(app: TestApp, username: string, password: string, headers: Record<string, string> = {}) {
  return app.request('POST', '/api/v2/auth/tokens', { username, password }, { authorization: '', ...headers });
}
const spoofed = (i: number) => ({ 'x-forwarded-for': `203.0.113.${i}` });

describe('security: login throttling', () => {
  it('ignores a spoofed X-Forwarded-For by default: every guess from one socket counts against one client', async () => {
    const app = await startTestApp({ config: LIMIT });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await v1Login(app, `victim${i}`, 'guess', spoofed(i))).status);
      assert.deepEqual(statuses, [403, 403, 403, 403, 403, 429, 429, 429]);
      const late = await v1Login(app, 'admin', 'admin-password-for-tests', spoofed(99));
      assert.equal(late.status, 429, 'this client is throttled whatever it claims to be');
      assert.ok(Number(late.headers.get('retry-after')) > 0);
    } finally {
      await app.close();
    }
  });

  it('counts v1 and v2 attempts together', async () => {
    const app = await startTestApp({ config: LIMIT });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await v1Login(app, 'bob', 'guess')).status, 403);
      for (let i = 0; i < 2; i++) assert.equal((await v2Login(app, 'bob', 'guess')).status, 401);
      const sixth = await v2Login(app, 'bob', 'guess');
      assert.equal(sixth.status, 429);
      assert.equal(sixth.body.code, 'RateLimited');
      assert.equal((await v1Login(app, 'bob', 'guess')).status, 429);
    } finally {
      await app.close();
    }
  });

  it('behind a trusted proxy, keys clients by the forwarded address and still holds one username to the limit', async () => {
    const app = await startTestApp({ config: { ...LIMIT, server: { host: '127.0.0.1', port: 0, trustProxy: ['loopback'] } } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await v1Login(app, 'Admin', `guess-${i}`, spoofed(i))).status);
      assert.deepEqual(statuses, [403, 403, 403, 403, 403, 429, 429], 'fresh addresses do not reset the username counter');
      const sameUserOtherCase = await v2Login(app, 'ADMIN', 'guess', spoofed(50));
      assert.equal(sameUserOtherCase.status, 429, 'the username counter ignores case');
      const otherUser = await v1Login(app, 'carol', 'guess', spoofed(51));
      assert.equal(otherUser.status, 403, 'another client and username are not throttled');
    } finally {
      await app.close();
    }
  });

  it('shares the counters between two instances over one database', async () => {
    const a = await startTestApp({ config: LIMIT });
    const b = await startTestApp({ config: LIMIT, databaseUrl: a.databaseUrl });
    try {
      for (let i = 0; i < 5; i++) assert.equal((await v1Login(a, 'dave', 'guess')).status, 403);
      assert.equal((await v2Login(b, 'dave', 'guess')).status, 429);
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('does not count successful logins, and logs failed ones with the client address', async () => {
    const sink = new PassThrough();
    let log = '';
    sink.on('data', (chunk) => (log += chunk));
    const app = await startTestApp({ config: LIMIT, logSink: sink });
    try {
      for (let i = 0; i < 8; i++) assert.equal((await v2Login(app, 'admin', 'admin-password-for-tests')).status, 201);
      assert.equal((await v1Login(app, 'erin', 'wrong-password')).status, 403);
      const line = log.split('\n').find((l) => l.includes('"failed login"'));
      assert.ok(line, 'a failed login is logged');
      assert.match(line, /"client":"(::ffff:)?127\.0\.0\.1"/);
      assert.match(line, /"username":"erin"/);
      assert.ok(!log.includes('wrong-password'), 'never the password');
    } finally {
      await app.close();
    }
  });
});
