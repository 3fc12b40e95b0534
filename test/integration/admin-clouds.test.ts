// Admin over HTTP, per cloud: enable/disable, allocation, aliases, and every setting surviving a
// restart on the same SQLite file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertProblem, assign, startVm } from '../support/admin-fixtures.js';
import { startTestApp, type TestApp } from '../support/app-harness.js';

describe('admin: cloud settings', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp();
  });
  after(() => app?.close());

  it('a disabled cloud refuses starts and assignments with 503 naming it (v1 and v2), but still lists, stops and releases', async () => {
    const kept = await startVm(app, 'east-kept', { cloud: 'fake-east' });
    const released = await startVm(app, 'east-released', { cloud: 'fake-east' });
    assert.equal((await assign(app, released.name, 'alice', 'east')).status, 200);

    const patched = await app.request('PATCH', '/api/v2/admin/clouds/east', { enabled: false });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.name, 'fake-east');
    assert.equal(patched.body.enabled, false);
    assert.deepEqual(patched.body.overrides, { enabled: false });
    const listed = await app.request('GET', '/api/v2/clouds');
    assert.equal(listed.body.items.find((c: { name: string }) => c.name === 'fake-east').enabled, false, 'v2 lists the cloud as the operator left it');
    assert.equal((await app.request('GET', '/api/v2/clouds/fake-east')).body.enabled, false);
    const creates = app.fake('fake-east').calls.createVm ?? 0;

    const v1Start = await app.request('POST', '/api/v1/vm/start/east', { name: 'nope', image: 'img-ubuntu-24', size: 'small' });
    assert.equal(v1Start.status, 503);
    assert.match(v1Start.body.message, /cloud fake-east is disabled/);
    const v2Start = await app.request('POST', '/api/v2/clouds/fake-east/vms', { name: 'nope', image: 'ubuntu-24.04', size: 'm1.small' });
    assertProblem(v2Start, 503, 'CloudDisabled');
    assert.match(v2Start.body.detail, /fake-east/);
    const v1Assign = await assign(app, kept.name, 'bob', 'fake-east');
    assert.equal(v1Assign.status, 503);
    assert.match(v1Assign.body.message, /fake-east/);
    const v2Assign = await app.request('POST', '/api/v2/assignments', { cloud: 'fake-east', hostname: kept.name, user: 'bob', vmType: 'w' });
    assertProblem(v2Assign, 503, 'CloudDisabled');
    assert.equal(app.fake('fake-east').calls.createVm ?? 0, creates, 'the cloud was not called');

    assert.equal((await app.request('GET', '/api/v1/nodes/fake-east')).status, 200);
    assert.equal((await app.request('GET', '/api/v1/vm/status/fake-east')).status, 200);
    assert.equal((await app.request('PUT', '/api/v1/vm/action/release/fake-east', { hostname: released.name })).status, 200);
    assert.equal((await app.request('PUT', '/api/v1/vm/stop/fake-east', { node: kept.id })).status, 200);

    const back = await app.request('PATCH', '/api/v2/admin/clouds/fake-east', { enabled: null });
    assert.equal(back.body.enabled, true, 'null hands it back to the config');
    assert.deepEqual(back.body.overrides, {});
    await startVm(app, 'east-again', { cloud: 'fake-east' });
  });

  it('refuses a start beyond the allocation with 409 quota before calling the cloud; counts what the tracker holds', async () => {
    const cloud = 'default';
    const held = (await app.request('GET', `/api/v2/admin/clouds/${cloud}`)).body.used as number;
    const set = await app.request('PATCH', `/api/v2/admin/clouds/${cloud}`, { allocation: held + 2 });
    assert.equal(set.body.allocation, held + 2);
    await startVm(app, 'alloc-1');
    await startVm(app, 'alloc-2');
    const creates = app.fake().calls.createVm ?? 0;
    const v1 = await app.request('POST', '/api/v1/vm/start', { name: 'alloc-3', image: 'img-ubuntu-24', size: 'small' });
    assert.equal(v1.status, 409);
    assert.match(v1.body.message, /allocation of \d+ VMs reached/);
    const v2 = await app.request('POST', '/api/v2/clouds/default/vms', { name: 'alloc-3', image: 'ubuntu-24.04', size: 'm1.small' });
    assertProblem(v2, 409, 'AllocationReached');
    assert.equal(app.fake().calls.createVm ?? 0, creates, 'refused before the cloud was called');
    const view = (await app.request('GET', `/api/v2/admin/clouds/${cloud}`)).body;
    assert.deepEqual([view.used, view.allocation], [held + 2, held + 2]);
    const status = (await app.request('GET', `/api/v2/status/clouds/${cloud}`)).body;
    assert.deepEqual(status.allocation, { used: held + 2, total: held + 2 });

    assert.equal((await app.request('PATCH', `/api/v2/admin/clouds/${cloud}`, { allocation: 'unlimited' })).body.allocation, null);
    await startVm(app, 'alloc-3');
    assert.equal((await app.request('PATCH', `/api/v2/admin/clouds/${cloud}`, { allocation: null })).body.allocation, null);
    assertProblem(await app.request('PATCH', `/api/v2/admin/clouds/${cloud}`, { allocation: -1 }), 400);
    assertProblem(await app.request('PATCH', '/api/v2/admin/clouds/no-such-cloud', { enabled: true }), 404);
  });

  it('admits exactly the allocation when starts race', async () => {
    const held = (await app.request('GET', '/api/v2/admin/clouds/default')).body.used as number;
    await app.request('PATCH', '/api/v2/admin/clouds/default', { allocation: held + 3 });
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => app.request('POST', '/api/v1/vm/start', { name: `race-${i}`, image: 'img-ubuntu-24', size: 'small' })),
    );
    assert.deepEqual(
      answers.map((a) => a.status).sort(),
      [200, 200, 200, 409, 409, 409, 409, 409],
    );
    await app.request('PATCH', '/api/v2/admin/clouds/default', { allocation: null });
  });

  it('adds and removes aliases, which resolve everywhere a cloud name does; clashes are 409', async () => {
    const added = await app.request('POST', '/api/v2/admin/clouds/default/aliases', { alias: 'home' });
    assert.equal(added.status, 201);
    assert.deepEqual(added.body, { alias: 'home', cloud: 'default', origin: 'operator' });
    assert.equal((await app.request('GET', '/api/v1/nodes/home')).status, 200);
    assert.equal((await app.request('GET', '/api/v2/clouds/home')).body.name, 'default');
    await startVm(app, 'via-alias', { cloud: 'home' });

    const slashed = await app.request('POST', '/api/v2/admin/clouds/fake-east/aliases', { alias: 'test/name' });
    assert.equal(slashed.status, 201);
    assert.equal((await app.request('GET', '/api/v2/clouds/test%2Fname')).body.name, 'fake-east', 'percent-encoded names work');
    assert.equal((await app.request('DELETE', '/api/v2/admin/aliases/test%2Fname')).status, 204);

    assertProblem(await app.request('POST', '/api/v2/admin/clouds/default/aliases', { alias: 'east' }), 409, 'NameTaken');
    assertProblem(await app.request('POST', '/api/v2/admin/clouds/default/aliases', { alias: 'fake-east' }), 409, 'NameTaken');
    assertProblem(await app.request('POST', '/api/v2/admin/clouds/fake-east/aliases', { alias: 'home' }), 409, 'NameTaken');
    assertProblem(await app.request('POST', '/api/v2/admin/clouds/default/aliases', { alias: 'has space' }), 400);

    assert.equal((await app.request('DELETE', '/api/v2/admin/aliases/east')).status, 204, 'a config alias can be removed');
    assert.equal((await app.request('GET', '/api/v1/nodes/east')).status, 404);
    const list = (await app.request('GET', '/api/v2/admin/aliases')).body.items;
    assert.deepEqual(list, [{ alias: 'home', cloud: 'default', origin: 'operator' }]);
    assertProblem(await app.request('DELETE', '/api/v2/admin/aliases/default'), 409, 'NotAnAlias');
    assertProblem(await app.request('DELETE', '/api/v2/admin/aliases/nothing'), 404);

    const back = await app.request('POST', '/api/v2/admin/clouds/fake-east/aliases', { alias: 'east' });
    assert.deepEqual(back.body, { alias: 'east', cloud: 'fake-east', origin: 'config' });
    assert.equal((await app.request('GET', '/api/v1/nodes/east')).status, 200);
  });
});

describe('admin: settings survive a restart on the same database', () => {
  it('keeps enabled, allocation, aliases, user limits, retiring flags and the audit log', async () => {
    // Our own file: an app that made its database deletes it on close.
    const dir = mkdtempSync(join(tmpdir(), 'dispatcher-restart-'));
    const databaseUrl = `sqlite:${join(dir, 'dispatcher.sqlite')}`;
    let first: TestApp | undefined = await startTestApp({ databaseUrl });
    let second: TestApp | undefined;
    try {
      await first.request('PATCH', '/api/v2/admin/clouds/fake-east', { enabled: false });
      await first.request('PATCH', '/api/v2/admin/clouds/default', { allocation: 7 });
      await first.request('POST', '/api/v2/admin/clouds/default/aliases', { alias: 'home' });
      await first.request('DELETE', '/api/v2/admin/aliases/east');
      await first.request('PUT', '/api/v2/admin/user-limits/alice', { maxAssigned: 1 });
      const vm = await startVm(first, 'survivor');
      await assign(first, vm.name, 'alice');
      const retired = await first.request('POST', `/api/v2/admin/clouds/default/vms/${vm.id}/actions`, { action: 'retire' });
      assert.equal(retired.body.result, 'retiring');
      await first.close();
      first = undefined;

      second = await startTestApp({ databaseUrl });
      const clouds = (await second.request('GET', '/api/v2/admin/clouds')).body.items as Array<{ name: string; enabled: boolean; allocation: number | null; aliases: string[] }>;
      const byName = Object.fromEntries(clouds.map((c) => [c.name, c]));
      assert.equal(byName['fake-east'].enabled, false);
      assert.equal(byName.default.allocation, 7);
      assert.deepEqual(byName.default.aliases, ['home']);
      assert.deepEqual(byName['fake-east'].aliases, []);
      assert.equal((await second.request('GET', '/api/v1/nodes/home')).status, 200);
      assert.equal((await second.request('GET', '/api/v1/nodes/east')).status, 404);
      assert.equal((await second.request('POST', '/api/v1/vm/start/fake-east', { name: 'x', image: 'img-ubuntu-24', size: 'small' })).status, 503);
      const limits = (await second.request('GET', '/api/v2/admin/user-limits')).body.items;
      assert.deepEqual(
        limits.map((l: { user: string; maxAssigned: number; held: number }) => [l.user, l.maxAssigned, l.held]),
        [['alice', 1, 1]],
      );
      assert.equal((await second.request('GET', '/api/v2/status/clouds/default')).body.tracked.retiring, 1);
      const audit = (await second.request('GET', '/api/v2/admin/audit?limit=100')).body.items.map((e: { action: string }) => e.action);
      for (const action of ['cloud.update', 'alias.add', 'alias.remove', 'user-limit.set', 'vm.retire']) assert.ok(audit.includes(action), action);
    } finally {
      await first?.close();
      await second?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
