// The real process: start with no configuration (two fake clouds), the one-time admin password,
// a bad config refused naming the key, and SIGTERM draining and exiting cleanly.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { exited, launchMain, type Launched } from '../support/main-launch.js';
import { waitFor } from '../support/wait-for.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function launch(env: Record<string, string>): Launched {
  const dir = mkdtempSync(join(tmpdir(), 'dispatcher-main-'));
  dirs.push(dir);
  return launchMain({ DATABASE_URL: `sqlite:${join(dir, 'd.sqlite')}`, ...env });
}

describe('the dispatcher process', () => {
  it('starts with no configuration, writes a generated admin password to a 0600 file (printing its path only), serves, and drains on SIGTERM', async () => {
    const run = launch({});
    try {
      const listening = await waitFor('listening', () => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(run.out()), 20_000);
      const base = `http://127.0.0.1:${listening[1]}`;
      const file = /its password is in (\S+) \(mode 0600\)/.exec(run.err())?.[1];
      assert.ok(file, 'the password file is named on stderr');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const password = readFileSync(file, 'utf8').trim();
      assert.ok(password.length >= 20);
      assert.ok(!run.err().includes(password), 'the password is not printed');
      assert.ok(!run.out().includes(password), 'and never through the log');
      const login = await fetch(`${base}/api/v1/auth`, { method: 'POST', body: JSON.stringify({ username: 'admin', password }), headers: { 'content-type': 'application/json' } });
      const { token } = (await login.json()) as { token: string };
      const clouds = (await (await fetch(`${base}/api/v1/cloud?auth_token=${token}`)).json()) as { served_cloud: { name: string }[] };
      assert.deepEqual(clouds.served_cloud.map((c) => c.name), ['default', 'fake-east']);
      assert.ok(!run.out().includes(token), 'tokens are not logged');
      assert.ok(!run.out().includes(password));
      run.child.kill('SIGTERM');
      assert.equal(await exited(run.child), 0);
      assert.match(run.out(), /"msg":"stopped"/);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('refuses a bad configuration at start, naming the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dispatcher-badconf-'));
    dirs.push(dir);
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'clouds:\n  - name: a\n    driver: fake\n    options:\n      latencyMs: fast\n');
    const run = launch({ DISPATCHER_CONFIG: file });
    assert.equal(await exited(run.child), 2);
    assert.match(run.err(), /invalid configuration: clouds\[0\]\.options\.latencyMs: must be a number/);
  });
});

describe('the dispatcher process on a taken port', () => {
  it('says it cannot listen and exits 1, without claiming to listen', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = launch({ DISPATCHER_PORT: String(port), DISPATCHER_ADMIN_PASSWORD: 'a-password-here' });
      assert.equal(await exited(run.child), 1);
      assert.match(run.out(), /cannot listen/);
      assert.doesNotMatch(run.out(), /listening on/);
    } finally {
      blocker.close();
    }
  });
});

describe('start-up housekeeping', () => {
  it('deletes expired API tokens when the dispatcher starts on an existing store', async () => {
    const { startTestApp } = await import('../support/app-harness.js');
    const { hashToken } = await import('../../src/services/auth-service.js');
    const dir = mkdtempSync(join(tmpdir(), 'dispatcher-purge-'));
    dirs.push(dir);
    const databaseUrl = `sqlite:${join(dir, 'dispatcher.sqlite')}`;
    const first = await startTestApp({ databaseUrl });
    try {
      const { users } = first.dispatcher.services;
      const admin = await users.findByName('admin');
      await users.addToken(admin!.id, hashToken('stale'), new Date(Date.now() - 1000));
    } finally {
      await first.close();
    }
    const again = await startTestApp({ databaseUrl });
    try {
      assert.equal(await again.dispatcher.services.users.purgeExpiredTokens(), 0, 'the start already deleted it');
    } finally {
      await again.close();
    }
  });
});
