// Status over HTTP: version and uptime, per-cloud figures, the effective config with secrets
// redacted, operations by state, heart-beats (no worker runs unless started).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { assign, bearer, startVm, userToken } from '../support/admin-fixtures.js';
import { ADMIN, FAST_FAKE, startTestApp, type TestApp } from '../support/app-harness.js';
import { waitFor } from '../support/wait-for.js';

const SECRET = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';

type Beat = { worker: string; rounds: number; late: boolean; running: boolean; secondsSinceLastBeat: number };

describe('status', () => {
  let app: TestApp;
  let userAuth: Record<string, string>;

  before(async () => {
    app = await startTestApp({
      clouds: [
        { name: 'default', driver: 'fake', default: true, allocation: 10, options: FAST_FAKE },
        { name: 'fake-east', driver: 'fake', aliases: ['east'], options: { ...FAST_FAKE, seed: 2 } },
        {
          name: 'aws',
          driver: 'ec2',
          callTimeoutMs: 2_000,
          // Nothing listens there: the pass reports the cloud's failure beside the others' figures.
          options: { region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET, maxAttempts: 1 },
        },
      ],
      config: { reconciler: { intervalMs: 40, startupPollMs: 40, settingsSyncMs: 40 }, retention: { intervalMs: 40 } },
    });
    userAuth = bearer(await userToken(app, 'viewer'));
  });
  after(() => app?.close());

  it('answers version, uptime and the clouds to any authenticated user', async () => {
    const summary = (await app.request('GET', '/api/v2/status', undefined, userAuth)).body;
    const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    assert.equal(summary.version, version);
    assert.ok(summary.uptimeSeconds >= 0);
    assert.ok(Date.parse(summary.startedAt) <= Date.now());
    assert.deepEqual([summary.draining, summary.tracker, summary.defaultCloud], [false, 'builtin', 'default']);
    assert.deepEqual(summary.clouds, ['default', 'fake-east', 'aws']);
    assert.equal((await app.request('GET', '/api/v2/status', undefined, { authorization: '' })).status, 401);
  });

  it('shows per cloud: driver, enabled, allocation used/total, tracked VMs by status, retiring, and VMs by state', async () => {
    const [a, b] = [await startVm(app, 's-a'), await startVm(app, 's-b')];
    await startVm(app, 's-c');
    await assign(app, a.name, 'alice');
    await assign(app, b.name, 'bob');
    await app.request('POST', `/api/v2/admin/clouds/default/vms/${b.id}/actions`, { action: 'retire' });
    await app.request('PATCH', '/api/v2/admin/clouds/fake-east', { enabled: false });

    const clouds = (await app.request('GET', '/api/v2/status/clouds', undefined, userAuth)).body.items;
    const byName = Object.fromEntries(clouds.map((c: { name: string }) => [c.name, c]));
    const mine = byName.default;
    assert.deepEqual([mine.driver, mine.displayName, mine.enabled, mine.default], ['fake', 'Fake', true, true]);
    assert.deepEqual(mine.allocation, { used: 3, total: 10 });
    assert.deepEqual(mine.tracked, { free: 1, assigned: 2, faulty: 0, released: 0, retiring: 1 });
    assert.equal(mine.vms, null, 'no pass yet');
    assert.deepEqual([byName['fake-east'].enabled, byName['fake-east'].aliases], [false, ['east']]);
    assert.deepEqual(byName.aws.allocation, { used: 0, total: null });

    // A live listing names every VM of the cloud: admins only (#14).
    assert.equal((await app.request('GET', '/api/v2/status/clouds/default?live=true', undefined, userAuth)).status, 403);
    const live = (await app.request('GET', '/api/v2/status/clouds/default?live=true')).body;
    assert.equal(live.vms.source, 'live');
    assert.equal(live.vms.total, 3);
    assert.equal(Object.values(live.vms.byState as Record<string, number>).reduce((x, y) => x + y, 0), 3);

    const pass = (await app.request('POST', '/api/v2/admin/reconcile')).body;
    const aws = pass.clouds.find((c: { cloud: string }) => c.cloud === 'aws');
    assert.equal(aws.listed, null);
    assert.ok(aws.error, 'the unreachable cloud is reported, not fatal');
    const after = (await app.request('GET', '/api/v2/status/clouds/default', undefined, userAuth)).body;
    assert.deepEqual([after.vms.source, after.vms.total], ['reconciler', 3]);
  });

  it('shows admins the effective config with every secret redacted (users get 403)', async () => {
    assert.equal((await app.request('GET', '/api/v2/status/config', undefined, userAuth)).status, 403);
    const config = (await app.request('GET', '/api/v2/status/config')).body;
    const text = JSON.stringify(config);
    assert.equal(text.includes(SECRET), false);
    assert.equal(text.includes('AKIDEXAMPLE'), false);
    assert.equal(text.includes(ADMIN.password), false);
    const aws = config.clouds.find((c: { name: string }) => c.name === 'aws');
    assert.deepEqual([aws.options.secretAccessKey, aws.options.accessKeyId, aws.options.region], ['[redacted]', '[redacted]', 'eu-west-1']);
    assert.equal(config.auth.adminPassword, '[redacted]');
    assert.match(config.database.url, /^sqlite:/);
    const east = config.clouds.find((c: { name: string }) => c.name === 'fake-east');
    assert.equal(east.enabled, false, 'operator settings are part of what is in effect');
  });

  it('counts operations by state', async () => {
    const counts = (await app.request('GET', '/api/v2/status/operations', undefined, userAuth)).body;
    assert.deepEqual(Object.keys(counts).sort(), ['failed', 'interrupted', 'queued', 'running', 'succeeded']);
    assert.ok(counts.succeeded >= 3, JSON.stringify(counts));
  });

  it('lists no worker until the background starts, then each with its last beat', async () => {
    assert.deepEqual((await app.request('GET', '/api/v2/status/heartbeats', undefined, userAuth)).body.items, []);
    app.dispatcher.startBackground();
    const beats = await waitFor('every worker to beat twice', async () => {
      const items = (await app.request('GET', '/api/v2/status/heartbeats', undefined, userAuth)).body.items as Beat[];
      return items.length === 4 && items.every((b) => b.rounds >= 2) ? items : undefined;
    });
    assert.deepEqual(beats.map((b) => b.worker).sort(), ['reconciler', 'retention', 'settings-sync', 'startup-poller']);
    for (const beat of beats) {
      assert.deepEqual([beat.late, beat.running], [false, true]);
      assert.ok(beat.secondsSinceLastBeat < 5);
    }
  });
});
