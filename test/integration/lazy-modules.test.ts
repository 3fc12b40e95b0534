// What a dispatcher loads at start: the heavy packages only a configuration that needs them
// loads (docs/performance.md, "memory"). The real process (src/main.ts) is started with a
// module log, served a request, and stopped; the log must name none of them, and a second
// start that does need two of them (a YAML file, text logs) shows that the log sees them.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { exited, launchMain } from '../support/main-launch.js';
import { waitFor } from '../support/wait-for.js';

/** Loaded only when used: an EC2 cloud, PostgreSQL (store, coordination, shared fake), OpenStack or Cistern, a YAML file, text logs. */
const LAZY = ['@aws-sdk/client-ec2', 'pg', 'axios', 'yaml', 'pino-pretty'];

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function packagesIn(log: string): Set<string> {
  const out = new Set<string>();
  for (const line of log.split('\n')) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    if (match) out.add(match[1] as string);
  }
  return out;
}

async function loadedBy(config: { file: string; text: string }, env: Record<string, string>): Promise<Set<string>> {
  const dir = mkdtempSync(join(tmpdir(), 'dispatcher-lazy-'));
  dirs.push(dir);
  const log = join(dir, 'modules.log');
  const configFile = join(dir, config.file);
  writeFileSync(configFile, config.text);
  const run = launchMain(
    { DATABASE_URL: `sqlite:${join(dir, 'd.sqlite')}`, DISPATCHER_CONFIG: configFile, DISPATCHER_ADMIN_PASSWORD: 'lazy-test-password', MODULE_LOG: log, ...env },
    [process.execPath, '--import', 'tsx', '--import', './test/support/module-log.ts', 'src/main.ts'],
  );
  try {
    const listening = await waitFor('listening', () => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(run.out()), 30_000);
    const base = `http://127.0.0.1:${listening[1]}`;
    const login = await fetch(`${base}/api/v1/auth`, { method: 'POST', body: JSON.stringify({ username: 'admin', password: 'lazy-test-password' }), headers: { 'content-type': 'application/json' } });
    const { token } = (await login.json()) as { token: string };
    const nodes = await fetch(`${base}/api/v1/nodes/default`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(nodes.status, 200);
    run.child.kill('SIGTERM');
    assert.equal(await exited(run.child), 0, run.err());
  } finally {
    run.child.kill('SIGKILL');
  }
  return packagesIn(readFileSync(log, 'utf8'));
}

describe('modules loaded at start', () => {
  it('a fake cloud on SQLite with JSON logs and a JSON config loads none of the heavy packages', async () => {
    const config = { clouds: [{ name: 'default', driver: 'fake', default: true }] };
    const loaded = await loadedBy({ file: 'config.json', text: JSON.stringify(config) }, { LOG_FORMAT: 'json' });
    assert.ok(loaded.has('express') && loaded.has('kysely') && loaded.has('better-sqlite3'), `the log sees what is used: ${[...loaded].join(', ')}`);
    assert.deepEqual(LAZY.filter((name) => loaded.has(name)), []);
  });

  it('a YAML config and text logs load yaml and pino-pretty (the log sees lazy loads), and still no cloud SDK', async () => {
    const text = 'clouds:\n  - name: default\n    driver: fake\n    default: true\n';
    const loaded = await loadedBy({ file: 'config.yaml', text }, { LOG_FORMAT: 'pretty' });
    assert.ok(loaded.has('yaml') && loaded.has('pino-pretty'), `loaded: ${[...loaded].join(', ')}`);
    assert.deepEqual(['@aws-sdk/client-ec2', 'pg', 'axios'].filter((name) => loaded.has(name)), []);
  });
});
