// The real `dispatcher` binary: help and exit codes, login with the password on stdin and the
// profile file it writes, and the cause of each kind of failure.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN, startTestApp, type TestApp } from '../support/app-harness.js';
import { buildOnce, CliHome, json } from '../support/cli-runner.js';

describe('dispatcher CLI: help, login, errors', () => {
  let app: TestApp;
  let home: CliHome;
  before(async () => {
    buildOnce();
    app = await startTestApp();
    home = new CliHome({ DISPATCHER_URL: app.baseUrl });
  });
  after(async () => {
    await app?.close();
    home?.remove();
  });

  it('prints help on stdout with exit 0: no arguments, --help, help <command>, <command> --help, a group', async () => {
    for (const args of [[], ['--help'], ['-h'], ['help']]) {
      const run = await home.run(args);
      assert.equal(run.code, 0, args.join(' '));
      assert.match(run.stdout, /^usage: dispatcher <command>/);
      assert.match(run.stdout, /vms create <name>/);
      assert.match(run.stdout, /exit codes:/);
      assert.equal(run.stderr, '');
    }
    const create = await home.run(['vms', 'create', '--help']);
    assert.equal(create.code, 0);
    assert.match(create.stdout, /usage: dispatcher vms create <name>/);
    assert.match(create.stdout, /-i, --image IMAGE/);
    assert.deepEqual(await home.run(['help', 'vms', 'create']), create);
    const group = await home.run(['admin', 'users']);
    assert.equal(group.code, 0);
    assert.match(group.stdout, /admin users create <username>/);
    const version = await home.run(['--version']);
    assert.equal(version.code, 0);
    assert.equal(version.stdout.trim(), JSON.parse(readFileSync('package.json', 'utf8')).version);
  });

  it('answers usage mistakes with exit 2 on stderr, naming the mistake', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['bogus'], /unknown command "bogus"/],
      [['vms', 'create'], /vms create takes <name>; got none/],
      [['vms', 'create', 'w1'], /needs --image and --size/],
      [['clouds', 'list', '--url'], /--url <value>' argument missing/],
      [['clouds', 'list', '--bogus'], /Unknown option '--bogus'/],
      [['clouds', 'list', '-o', 'xml'], /-o xml: expected one of json, yaml, table, wide/],
      [['clouds', 'list', '--url', 'not a url'], /not a URL/],
      [['completion', 'fish'], /completion needs a shell/],
    ];
    for (const [args, message] of cases) {
      const run = await home.run(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    }
  });

  it('logs in with the password on stdin, keeps URL and token in a 0600 profile, and logs out', async () => {
    const login = await home.run(['login', ADMIN.username, '-o', 'json'], { input: `${ADMIN.password}\n` });
    assert.equal(login.code, 0, login.stderr);
    const answer = json(login);
    assert.equal(answer.username, ADMIN.username);
    assert.equal(answer.url, app.baseUrl);
    const file = join(home.configDir, 'profiles.json');
    assert.equal(answer.file, file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(home.configDir).mode & 0o777, 0o700);
    const profile = JSON.parse(readFileSync(file, 'utf8')).profiles.default;
    assert.equal(profile.url, app.baseUrl);
    assert.ok(profile.token.length > 20);
    assert.ok(!login.stdout.includes(profile.token) && !login.stderr.includes(profile.token), 'the token is not printed');
    assert.ok(!login.stderr.includes(ADMIN.password));

    // The profile's token is used without DISPATCHER_TOKEN; a named profile stays apart.
    assert.equal((await home.run(['clouds', 'list'])).code, 0);
    assert.equal((await home.run(['clouds', 'list', '--profile', 'other'])).code, 3);
    // The environment wins over the profile.
    const envToken = await home.run(['clouds', 'list'], { env: { DISPATCHER_TOKEN: 'not-a-token' } });
    assert.equal(envToken.code, 3);

    const logout = await home.run(['logout']);
    assert.equal(logout.code, 0, logout.stderr);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).profiles.default.token, undefined);
    const revoked = await app.request('GET', '/api/v2/clouds', undefined, { authorization: `Bearer ${profile.token}` });
    assert.equal(revoked.status, 401, 'logout revoked the token at the dispatcher');
  });

  it('refuses a wrong password with exit 3', async () => {
    const run = await home.run(['login', ADMIN.username], { input: 'wrong-password\n' });
    assert.equal(run.code, 3);
    assert.match(run.stderr, /login to .* failed: wrong user name or password/);
  });

  it('names the cause of each failure, with its exit code', async () => {
    const token = { DISPATCHER_TOKEN: app.token };
    const unauthenticated = await home.run(['vms', 'list']);
    assert.equal(unauthenticated.code, 3);
    assert.match(unauthenticated.stderr, /not authenticated/);
    assert.match(unauthenticated.stderr, /run "dispatcher login"/);

    const missing = await home.run(['vms', 'show', 'no-such-vm'], { env: token });
    assert.equal(missing.code, 4, missing.stderr);
    assert.match(missing.stderr, /404/);

    const closed = await closedPort();
    const refused = await home.run(['clouds', 'list'], { env: { ...token, DISPATCHER_URL: `http://127.0.0.1:${closed}` } });
    assert.equal(refused.code, 7);
    assert.match(refused.stderr, /connection refused/);
    assert.match(refused.stderr, /dispatcher serve/);

    const dns = await home.run(['clouds', 'list'], { env: { ...token, DISPATCHER_URL: 'http://no-such-host.invalid:5070' } });
    assert.equal(dns.code, 7);
    assert.match(dns.stderr, /cannot resolve no-such-host\.invalid: DNS lookup failed/);

    const tls = await home.run(['clouds', 'list'], { env: { ...token, DISPATCHER_URL: app.baseUrl.replace('http:', 'https:') } });
    assert.equal(tls.code, 7);
    assert.match(tls.stderr, /TLS with 127\.0\.0\.1:\d+ failed/);

    const html = await htmlServer();
    try {
      const page = await home.run(['clouds', 'list'], { env: { ...token, DISPATCHER_URL: html.url } });
      assert.equal(page.code, 7);
      assert.match(page.stderr, /answered HTTP 200 with an HTML page instead of JSON/);
    } finally {
      html.server.close();
    }

    assert.equal((await app.request('PATCH', '/api/v2/admin/clouds/default', { allocation: 0 })).status, 200);
    const full = await home.run(['vms', 'create', 'w-full', '--image', 'ubuntu-24.04', '--size', 'm1.small'], { env: token });
    assert.equal(full.code, 5, full.stderr);
    assert.match(full.stderr, /409/);
    await app.request('PATCH', '/api/v2/admin/clouds/default', { allocation: null });

    assert.equal((await app.request('POST', '/api/v2/admin/drain')).status, 200);
    const draining = await home.run(['vms', 'create', 'w-drain', '--image', 'ubuntu-24.04', '--size', 'm1.small'], { env: token });
    assert.equal(draining.code, 6, draining.stderr);
    assert.match(draining.stderr, /503/);
    await app.request('POST', '/api/v2/admin/undrain');
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function htmlServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<html><body>Sign in to the corporate proxy</body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
