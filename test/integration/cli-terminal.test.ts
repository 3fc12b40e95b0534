// The binary on a terminal and under Ctrl-C: the login prompt does not echo the password, and
// SIGINT while waiting stops the waiting (exit 130) while the operation goes on.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ADMIN, FAST_FAKE, startTestApp, type TestApp } from '../support/app-harness.js';
import { BIN, buildOnce, CliHome } from '../support/cli-runner.js';
import { waitFor } from '../support/wait-for.js';

describe('dispatcher CLI on a terminal', () => {
  let app: TestApp;
  let home: CliHome;
  before(async () => {
    buildOnce();
    app = await startTestApp({
      clouds: [
        { name: 'default', driver: 'fake', default: true, options: { ...FAST_FAKE } },
        // Every call takes 1.5 s: a start is still running when the test interrupts the wait.
        { name: 'slow', driver: 'fake', options: { ...FAST_FAKE, latencyMs: 1500 } },
      ],
    });
    home = new CliHome({ DISPATCHER_URL: app.baseUrl });
  });
  after(async () => {
    await app?.close();
    home?.remove();
  });

  it('prompts for the password without echoing it', async () => {
    const command = [process.execPath, BIN, 'login', ADMIN.username].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { env: home.env(), stdio: ['pipe', 'pipe', 'pipe'] });
    let shown = '';
    child.stdout.on('data', (chunk) => (shown += chunk));
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    await waitFor('the password prompt', () => shown.includes(`Password for ${ADMIN.username}: `), 15_000);
    child.stdin.write(`${ADMIN.password}\r`);
    assert.equal(await closed, 0, shown);
    assert.ok(!shown.includes(ADMIN.password), `the password was echoed: ${shown}`);
    assert.match(shown, /logged in to http:\/\/127\.0\.0\.1:\d+ as admin \(admin\)/);
  });

  it('stops waiting on Ctrl-C with exit 130; the operation goes on', async () => {
    const child = spawn(process.execPath, [BIN, 'vms', 'create', 'slow-1', '--cloud', 'slow', '--image', 'ubuntu-24.04', '--size', 'm1.small', '--wait'], {
      env: home.env({ DISPATCHER_TOKEN: app.token }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    const first = await waitFor('the first progress line', () => /operation ([0-9a-f-]{36}) vm\.start/.exec(stderr), 15_000);
    child.kill('SIGINT');
    assert.equal(await closed, 130, stderr);
    assert.match(stderr, new RegExp(`stopped waiting; operation ${first[1]} goes on`));
    assert.match(stderr, new RegExp(`dispatcher operations watch ${first[1]}`));
    const done = await waitFor('the operation to succeed', async () => {
      const op = await app.request('GET', `/api/v2/operations/${first[1]}`);
      return op.body.state === 'succeeded' ? op.body : undefined;
    }, 20_000, 100);
    assert.equal(done.result.name, 'slow-1');
  });
});
