import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../src/cli/cli-main.js';
import { ADMIN, startTestApp, type TestApp } from '../support/app-harness.js';

describe('dispatcher CLI', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app?.close());

  async function cli(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['--url', app.baseUrl, ...argv], { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('logs in, starts, assigns, releases through the API', async () => {
    const login = await cli('login', ADMIN.username, ADMIN.password);
    assert.equal(login.code, 0);
    const token = login.out.trim();
    const started = await cli('--token', token, 'start', 'cli-1', 'ubuntu-24.04', 'm1.small', 'east');
    assert.equal(started.code, 0, started.err);
    assert.equal(JSON.parse(started.out).nodes.name, 'cli-1');
    assert.equal((await cli('--token', token, 'assign', 'cli-1', 'alice', 'w', 'east')).code, 0);
    const status = JSON.parse((await cli('--token', token, 'status', 'east')).out);
    assert.equal(status.nodes[0].user, 'alice');
    const released = await cli('--token', token, 'release', 'cli-1', 'east');
    assert.match(JSON.parse(released.out).result, /released and deleted/);
  });

  it('reports API errors and usage mistakes with a non-zero exit', async () => {
    const denied = await cli('nodes');
    assert.equal(denied.code, 1);
    assert.match(denied.err, /error 401/);
    assert.equal((await cli('start', 'only-a-name')).code, 2);
    assert.equal((await cli('bogus')).code, 2);
  });
});
