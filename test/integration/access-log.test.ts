// The real process's log: one JSON line per request with the full path and route template,
// levels by status (probes at debug), an upstream fault's cause in `err` that survives jq, and
// Node's process warnings (the AWS SDK's Node-version notice) as JSON lines, not stray text.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { waitFor } from '../support/wait-for.js';

const PASSWORD = 'log-test-admin-password';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the access and error log of the process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dispatcher-log-'));
  let child: ChildProcess | undefined;
  after(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes one line per request with the full path, the cause of a 5xx in err, and warnings as JSON', async () => {
    const config = join(dir, 'config.json');
    const ec2Endpoint = `http://127.0.0.1:${await closedPort()}`;
    writeFileSync(
      config,
      JSON.stringify({
        clouds: [
          { name: 'default', driver: 'fake', default: true, options: { latencyMs: 0 } },
          { name: 'broken', driver: 'fake', options: { latencyMs: 0, faults: { errorRate: 1 } } },
          { name: 'aws', driver: 'ec2', callTimeoutMs: 5000, options: { region: 'eu-west-1', endpoint: ec2Endpoint, accessKeyId: 'AKIDTEST', secretAccessKey: 'secret-key-never-logged', maxAttempts: 1 } },
        ],
      }),
    );
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        PATH: process.env.PATH,
        DISPATCHER_PORT: '0',
        DATABASE_URL: `sqlite:${join(dir, 'd.sqlite')}`,
        DISPATCHER_CONFIG: config,
        DISPATCHER_ADMIN_PASSWORD: PASSWORD,
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk) => (out += chunk));
    child.stderr?.on('data', (chunk) => (err += chunk));
    const base = `http://127.0.0.1:${(await waitFor('listening', () => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out), 20_000))[1]}`;

    const token = ((await (await fetch(`${base}/api/v2/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) })).json()) as { token: string }).token;
    const get = (path: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, 'x-request-id': `req-${path.replace(/\W+/g, '-')}` } });
    assert.equal((await get('/healthz')).status, 200);
    assert.equal((await get('/api/v2/clouds')).status, 200);
    assert.equal((await get('/api/v1/cloud')).status, 200);
    assert.equal((await get('/api/v2/clouds/default/vms/nope?x=1')).status, 404);
    assert.equal((await get('/api/v2/clouds/broken/images')).status, 502);
    assert.ok((await get('/api/v2/clouds/aws/images')).status >= 500);
    await waitFor('the last access line', () => out.includes('"path":"/api/v2/clouds/aws/images"'));

    const lines = out.trim().split('\n');
    const entries = lines.map((line) => JSON.parse(line) as Record<string, any>);
    for (const line of lines) assert.equal(line.match(/"msg":/g)?.length, 1, `one msg per line: ${line}`);
    const access = (path: string) => entries.filter((e) => e.msg === 'request' && e.path === path);

    assert.equal(access('/api/v2/clouds').length, 1);
    assert.equal(access('/api/v1/cloud').length, 1, 'v1 and v2 are told apart by the full path');
    const ok = access('/api/v2/clouds')[0];
    assert.equal(ok.route, '/api/v2/clouds');
    assert.equal(ok.status, 200);
    assert.equal(ok.level, 30);
    assert.equal(ok.reqId, 'req--api-v2-clouds');
    assert.equal(ok.client, '127.0.0.1');
    assert.equal(ok.user, 'admin');
    assert.equal(typeof ok.ms, 'number');
    const notFound = access('/api/v2/clouds/default/vms/nope')[0];
    assert.equal(notFound.route, '/api/v2/clouds/:cloud/vms/:id');
    assert.equal(notFound.level, 30, '4xx at info');
    const failed = access('/api/v2/clouds/broken/images')[0];
    assert.equal(failed.level, 50, '5xx at error');
    assert.equal(access('/healthz').length, 0, 'probes log at debug');

    // The fault's own text, through jq.
    const jq = spawnSync('jq', ['-r', 'select(.msg == "upstream fault" and .reqId == "req--api-v2-clouds-broken-images") | .err.message'], { input: out, encoding: 'utf8' });
    assert.equal(jq.status, 0, jq.stderr);
    assert.match(jq.stdout, /^fake cloud: injected internal error$/m);
    assert.ok(!out.includes('secret-key-never-logged'));

    if (Number(process.versions.node.split('.')[0]) < 22) {
      const warning = entries.find((e) => typeof e.msg === 'string' && e.msg.startsWith('process warning: NodeVersionSupportWarning'));
      assert.ok(warning, 'the AWS SDK notice arrives as a JSON log line');
      assert.equal(warning.level, 40);
      assert.ok(!err.includes('NodeVersionSupportWarning'), 'and not as text on stderr');
    }
    child.kill('SIGTERM');
  });

  it('writes pino-pretty text with LOG_FORMAT=pretty', async () => {
    const pretty = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env.PATH, DISPATCHER_PORT: '0', DATABASE_URL: `sqlite:${join(dir, 'pretty.sqlite')}`, DISPATCHER_ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      pretty.stdout?.on('data', (chunk) => (out += chunk));
      await waitFor('listening', () => out.includes('cloud-dispatcher listening on'), 20_000);
      const line = out.split('\n').find((l) => l.includes('cloud-dispatcher listening on')) as string;
      assert.match(line, /INFO/);
      assert.ok(!line.trimStart().startsWith('{'), `not JSON: ${line}`);
    } finally {
      pretty.kill('SIGKILL');
    }
  });
});
