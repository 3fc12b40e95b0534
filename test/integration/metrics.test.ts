// GET /metrics: who may scrape, and after a known sequence of calls the counters and gauges it
// shows, in a text that a Prometheus parser reads.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import parsePrometheus from 'parse-prometheus-text-format';
import { FAST_FAKE, startTestApp, type TestApp } from '../support/app-harness.js';

const SCRAPE_TOKEN = 'scrape-token-for-the-metrics-test';

/** `name{labels} value` lines of the exposition, labels as an object. */
function samples(text: string, name: string): Array<{ labels: Record<string, string>; value: number }> {
  const out: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    out.push({ labels, value: Number(match[3]) });
  }
  return out;
}

function value(text: string, name: string, labels: Record<string, string>): number | undefined {
  return samples(text, name).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('GET /metrics', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      config: { metrics: { token: SCRAPE_TOKEN }, reconciler: { intervalMs: 60_000, startupPollMs: 50, settingsSyncMs: 60_000, bootTimeoutMs: 60_000 } },
      clouds: [
        { name: 'default', driver: 'fake', default: true, allocation: 10, options: { ...FAST_FAKE } },
        { name: 'broken', driver: 'fake', options: { ...FAST_FAKE, faults: { errorRate: 1 } } },
      ],
    });
  });
  after(() => app?.close());

  const scrape = (token?: string) => fetch(`${app.baseUrl}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('answers the scrape token and admins, nobody else', async () => {
    assert.equal((await scrape()).status, 401);
    assert.equal((await scrape('not-the-token')).status, 401);
    assert.equal((await app.request('POST', '/api/v2/admin/users', { username: 'carol', password: 'carol-password', role: 'user' })).status, 201);
    const login = await app.request('POST', '/api/v2/auth/tokens', { username: 'carol', password: 'carol-password' }, { authorization: '' });
    assert.equal((await scrape(login.body.token)).status, 401, 'a non-admin API token is refused');
    const byToken = await scrape(SCRAPE_TOKEN);
    assert.equal(byToken.status, 200);
    assert.match(byToken.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal((await scrape(app.token)).status, 200);
    const config = await app.request('GET', '/api/v2/status/config');
    assert.equal(config.body.metrics.token, '[redacted]', 'status never shows the scrape token');
  });

  it('shows the expected counters and gauges after a known sequence, and parses', async () => {
    app.dispatcher.startBackground();
    const created = await app.request('POST', '/api/v2/clouds/default/vms?wait=true', { name: 'm-1', image: 'ubuntu-24.04', size: 'm1.small' });
    assert.equal(created.status, 201);
    assert.equal((await app.request('GET', '/api/v2/clouds/default/vms/no-such-vm')).status, 404);
    assert.equal((await app.request('GET', '/api/v2/clouds/broken/images')).status, 502);
    assert.equal((await app.request('GET', '/no/such/route')).status, 404);
    assert.equal((await app.request('GET', '/api/v1/cloud')).status, 200);
    assert.equal((await app.request('POST', '/api/v2/admin/reconcile')).status, 200);

    const text = await (await scrape(SCRAPE_TOKEN)).text();
    const families = parsePrometheus(text) as Array<{ name: string; type: string }>;
    const types = Object.fromEntries(families.map((f) => [f.name, f.type]));
    assert.equal(types.dispatcher_http_request_duration_seconds, 'HISTOGRAM');
    assert.equal(types.dispatcher_cloud_call_duration_seconds, 'HISTOGRAM');
    for (const gauge of ['dispatcher_operations', 'dispatcher_vms', 'dispatcher_tracked_vms', 'dispatcher_allocation_used', 'dispatcher_allocation_limit', 'dispatcher_reconciler_findings', 'dispatcher_worker_heartbeat_age_seconds']) {
      assert.equal(types[gauge], 'GAUGE', gauge);
    }
    assert.ok(types.process_cpu_user_seconds_total && types.nodejs_heap_size_used_bytes, 'process metrics');
    // The Grafana dashboard is built on these names: each one it queries exists.
    const dashboard = readFileSync('docs/grafana-dashboard.json', 'utf8');
    const queried = new Set([...dashboard.matchAll(/\b((?:dispatcher|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1].replace(/_(bucket|count|sum)$/, '')));
    assert.deepEqual([...queried].filter((name) => !types[name]), [], 'dashboard metrics the scrape does not have');
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    if (!promtool.error) assert.equal(promtool.status, 0, `promtool: ${promtool.stdout}${promtool.stderr}`);

    const http = 'dispatcher_http_request_duration_seconds_count';
    assert.equal(value(text, http, { method: 'POST', route: '/api/v2/clouds/:cloud/vms', status: '201' }), 1);
    assert.equal(value(text, http, { method: 'GET', route: '/api/v2/clouds/:cloud/vms/:id', status: '404' }), 1);
    assert.equal(value(text, http, { method: 'GET', route: '/api/v2/clouds/:cloud/images', status: '502' }), 1);
    assert.equal(value(text, http, { method: 'GET', route: 'unmatched', status: '404' }), 1);
    assert.equal(value(text, http, { method: 'GET', route: '/api/v1/cloud', status: '200' }), 1);

    const calls = 'dispatcher_cloud_call_duration_seconds_count';
    assert.equal(value(text, calls, { cloud: 'default', driver: 'fake', call: 'createVm', outcome: 'ok' }), 1);
    const failed = samples(text, calls).filter((s) => s.labels.cloud === 'broken' && s.labels.call === 'listImages');
    assert.equal(failed.length, 1);
    assert.notEqual(failed[0].labels.outcome, 'ok');
    assert.equal(failed[0].value, 1);

    assert.equal(value(text, 'dispatcher_operations', { kind: 'vm.start', state: 'succeeded' }), 1);
    assert.equal(value(text, 'dispatcher_tracked_vms', { cloud: 'default', status: 'FREE' }), 1);
    assert.equal(value(text, 'dispatcher_allocation_used', { cloud: 'default' }), 1);
    assert.equal(value(text, 'dispatcher_allocation_limit', { cloud: 'default' }), 10);
    assert.equal(value(text, 'dispatcher_allocation_limit', { cloud: 'broken' }), undefined, 'no limit, no sample');
    const listed = samples(text, 'dispatcher_vms').filter((s) => s.labels.cloud === 'default');
    assert.equal(listed.reduce((sum, s) => sum + s.value, 0), 1, 'the reconcile pass listed the one VM');
    assert.equal(value(text, 'dispatcher_reconciler_findings', { kind: 'missing' }), 0);
    assert.equal(value(text, 'dispatcher_reconciler_findings', { kind: 'list_failed' }), 1, 'the broken cloud could not be listed');
    const beats = samples(text, 'dispatcher_worker_heartbeat_age_seconds').map((s) => s.labels.worker);
    assert.ok(beats.includes('reconciler') && beats.includes('startup-poller'), beats.join());
  });
});
