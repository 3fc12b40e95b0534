// Admin over HTTP, the process: log level, drain, reload of the config file, the audit log, and
// 403 for every admin route when the caller is not an admin.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { adminRoutes } from '../../src/api/v2/admin/admin-routes.js';
import { assertProblem, bearer, startVm, userToken } from '../support/admin-fixtures.js';
import { FAST_FAKE, startTestApp, type TestApp } from '../support/app-harness.js';
import { concretePath } from '../support/route-probe.js';
import { waitFor } from '../support/wait-for.js';

describe('admin: log level, drain, audit, roles', () => {
  let app: TestApp;
  const lines: string[] = [];

  before(async () => {
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    app = await startTestApp({ logSink: sink });
  });
  after(() => app?.close());

  const requestLines = () => lines.filter((l) => JSON.parse(l).msg === 'request').length;

  it('changes the log level live: info lines stop at warn and come back at info', async () => {
    assert.equal((await app.request('GET', '/api/v2/admin/log-level')).body.level, 'debug');
    const set = await app.request('PUT', '/api/v2/admin/log-level', { level: 'warn' });
    // The level is this process's alone, and the answer says so.
    assert.deepEqual(set.body, { level: 'warn', previous: 'debug', scope: 'process', instanceId: app.dispatcher.services.scaleOut.instanceId });
    const before = requestLines();
    await app.request('GET', '/api/v1/nodes');
    await app.request('GET', '/api/v1/nodes');
    assert.equal(requestLines(), before, 'no access-log line at warn');
    await app.request('PUT', '/api/v2/admin/log-level', { level: 'info' });
    await app.request('GET', '/api/v1/nodes');
    await waitFor('an access-log line again', () => requestLines() > before);
    assertProblem(await app.request('PUT', '/api/v2/admin/log-level', { level: 'loud' }), 400, 'SchemaViolation');
  });

  it('drains: new starts refused with 503 in v1 and v2, /readyz not ready, everything else works; undrain restores', async () => {
    const vm = await startVm(app, 'before-drain');
    const drained = await app.request('POST', '/api/v2/admin/drain');
    assert.deepEqual(drained.body, { draining: true, scope: 'process', instanceId: app.dispatcher.services.scaleOut.instanceId });
    const ready = await fetch(`${app.baseUrl}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { draining: boolean }).draining, true);
    const createsBefore = app.fake().calls.createVm ?? 0;

    const v1 = await app.request('POST', '/api/v1/vm/start', { name: 'refused', image: 'img-ubuntu-24', size: 'small' });
    assert.equal(v1.status, 503);
    assert.match(v1.body.message, /draining/);
    const v2 = await app.request('POST', '/api/v2/clouds/default/vms', { name: 'refused', image: 'ubuntu-24.04', size: 'm1.small' });
    assertProblem(v2, 503, 'Draining');
    assert.equal(app.fake().calls.createVm ?? 0, createsBefore, 'the cloud was not called');

    assert.equal((await app.request('GET', '/api/v1/nodes')).status, 200);
    assert.equal((await app.request('PUT', '/api/v1/vm/action/assign', { hostname: vm.name, user: 'u', vm_type: 'w' })).status, 200);
    assert.equal((await app.request('PUT', '/api/v1/vm/action/release', { hostname: vm.name })).status, 200);

    assert.deepEqual((await app.request('POST', '/api/v2/admin/undrain')).body, { draining: false, scope: 'process', instanceId: app.dispatcher.services.scaleOut.instanceId });
    assert.equal((await fetch(`${app.baseUrl}/readyz`)).status, 200);
    await startVm(app, 'after-drain');
  });

  it('answers 403 problem for every admin route to a non-admin, 401 without a token; status is open to any user', async () => {
    const token = await userToken(app, 'plain-user');
    for (const route of adminRoutes) {
      const path = concretePath('/api/v2', route.path, { cloud: 'default' });
      const res = await app.request(route.method.toUpperCase(), path, route.method === 'get' || route.method === 'delete' ? undefined : {}, bearer(token));
      assertProblem(res, 403, 'Forbidden');
    }
    assertProblem(await app.request('GET', '/api/v2/admin/clouds', undefined, { authorization: '' }), 401);
    const status = await app.request('GET', '/api/v2/status', undefined, bearer(token));
    assert.equal(status.status, 200);
    assert.equal(status.body.version.length > 0, true);
  });

  it('writes every admin change to the audit log (refusals too), newest first, in pages', async () => {
    await app.request('POST', '/api/v2/admin/clouds/default/aliases', { alias: 'fake-east' }); // refused: a name
    const first = await app.request('GET', '/api/v2/admin/audit?limit=2');
    assert.equal(first.status, 200);
    assert.equal(first.body.items.length, 2);
    const [latest, previous] = first.body.items;
    assert.equal(latest.action, 'alias.add');
    assert.equal(latest.result, 'error');
    assert.equal(latest.status, 409);
    assert.equal(latest.actor, 'admin');
    assert.ok(Date.parse(latest.at) >= Date.parse(previous.at));
    assert.equal(previous.action, 'user.create');
    assert.equal(JSON.stringify(previous.params).includes('password'), false, 'never a password in the log');
    const seen = [...first.body.items];
    let next: string | null = first.body.next;
    while (next) {
      const page = await app.request('GET', `/api/v2/admin/audit?limit=2&next=${encodeURIComponent(next)}`);
      seen.push(...page.body.items);
      next = page.body.next;
    }
    const actions = seen.map((e) => e.action);
    for (const action of ['log-level.set', 'drain', 'undrain', 'user.create', 'alias.add']) assert.ok(actions.includes(action), action);
    assert.deepEqual(
      seen.map((e) => e.id),
      [...seen.map((e) => e.id)].sort((a, b) => b - a),
      'ids strictly newest first across pages',
    );
    assert.equal((await app.request('GET', '/api/v2/admin/audit?action=drain')).body.items.length, 1);
    assertProblem(await app.request('GET', `/api/v2/admin/audit?action=drain&next=${encodeURIComponent(first.body.next)}`), 400, 'InvalidCursor');
  });
});

describe('admin: reload of the config file', () => {
  let dir: string;
  let file: string;
  let app: TestApp;

  const write = (clouds: Record<string, unknown>[], extra: Record<string, unknown> = {}) => writeFileSync(file, stringify({ clouds, ...extra }));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dispatcher-reload-'));
    file = join(dir, 'dispatcher.yaml');
    write([
      { name: 'default', driver: 'fake', default: true, options: FAST_FAKE },
      { name: 'slow', driver: 'fake', options: { ...FAST_FAKE, latencyMs: 300 } },
      { name: 'gone', driver: 'fake', options: FAST_FAKE },
    ]);
    app = await startTestApp({ configFile: file });
  });
  after(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds, removes and changes clouds without a restart; a call in flight finishes on the old connection', async () => {
    const oldSlow = app.dispatcher.services.pool.resolve('slow');
    const inFlight = app.request('GET', '/api/v1/images/slow');
    await waitFor('the slow call in flight', () => oldSlow.load.inFlight === 1);
    write(
      [
        { name: 'default', driver: 'fake', default: true, options: FAST_FAKE },
        { name: 'slow', driver: 'fake', options: { ...FAST_FAKE, latencyMs: 0 } },
        { name: 'added', driver: 'fake', aliases: ['new-one'], options: FAST_FAKE },
      ],
      { server: { bodyLimitBytes: 4096 } },
    );
    const reload = await app.request('POST', '/api/v2/admin/reload');
    assert.equal(reload.status, 200, JSON.stringify(reload.body));
    assert.deepEqual(reload.body.clouds, { added: ['added'], removed: ['gone'], changed: [], reconnected: ['slow'], unchanged: ['default'] });
    assert.deepEqual(reload.body.restartRequired, ['server']);

    const images = await inFlight;
    assert.equal(images.status, 200, 'the call in flight was not cut');
    assert.ok(images.body.images.length > 0);
    await waitFor('the replaced connection to close', () => oldSlow.closing && oldSlow.load.inFlight === 0 && app.dispatcher.services.pool.retiring === 0);

    assert.deepEqual(
      (await app.request('GET', '/api/v1/cloud')).body.served_cloud.map((c: { name: string }) => c.name),
      ['default', 'slow', 'added'],
    );
    assert.equal((await app.request('GET', '/api/v1/nodes/new-one')).status, 200, 'the new alias resolves');
    assert.equal((await app.request('GET', '/api/v1/nodes/gone')).status, 404);
    const started = Date.now();
    assert.equal((await app.request('GET', '/api/v1/images/slow')).status, 200);
    assert.ok(Date.now() - started < 250, 'the new options are in effect');
  });

  it('refuses a bad file whole, naming the key, and keeps the running configuration', async () => {
    write([
      { name: 'default', driver: 'fake', default: true, options: FAST_FAKE },
      { name: 'broken', driver: 'no-such-driver' },
    ]);
    const refused = await app.request('POST', '/api/v2/admin/reload');
    assertProblem(refused, 422, 'InvalidConfig');
    assert.match(refused.body.detail, /clouds\[1\]\.driver/);
    assert.equal((await app.request('GET', '/api/v1/nodes/added')).status, 200, 'still the previous clouds');
    assert.equal((await app.request('GET', '/api/v1/nodes/broken')).status, 404);
    const config = await app.request('GET', '/api/v2/status/config');
    assert.deepEqual(
      config.body.clouds.map((c: { name: string }) => c.name),
      ['default', 'slow', 'added'],
    );

    writeFileSync(file, 'clouds: [unclosed');
    assertProblem(await app.request('POST', '/api/v2/admin/reload'), 422, 'InvalidConfig');
  });

  it('follows a log level changed in the file', async () => {
    write([{ name: 'default', driver: 'fake', default: true, options: FAST_FAKE }], { log: { level: 'error' } });
    const reload = await app.request('POST', '/api/v2/admin/reload');
    assert.deepEqual(reload.body.logLevel, { from: 'silent', to: 'error' });
    assert.equal((await app.request('GET', '/api/v2/admin/log-level')).body.level, 'error');
  });
});
