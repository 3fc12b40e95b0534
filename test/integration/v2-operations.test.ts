// Long work in v2: 202 + Location + polling, ?wait=true, failures as operations, restarts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/app-harness.js';
import { waitFor } from '../support/wait-for.js';

const VM = { image: 'ubuntu-24.04', size: 'm1.small' };

async function pollOperation(app: TestApp, location: string) {
  return waitFor(`operation ${location} to end`, async () => {
    const res = await app.request('GET', location);
    assert.equal(res.status, 200);
    return ['succeeded', 'failed', 'interrupted'].includes(res.body.state) ? res.body : undefined;
  });
}

describe('v2 operations', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(async () => app?.close());

  it('creates a VM with 202, Location of the operation, and the operation ends succeeded with the VM', async () => {
    const res = await app.request('POST', '/api/v2/clouds/default/vms', { name: 'async-1', ...VM });
    assert.equal(res.status, 202);
    const location = res.headers.get('location');
    assert.equal(location, `/api/v2/operations/${res.body.id}`);
    assert.equal(res.body.kind, 'vm.start');
    assert.ok(['queued', 'running', 'succeeded'].includes(res.body.state));
    const done = await pollOperation(app, location as string);
    assert.equal(done.state, 'succeeded');
    assert.equal(done.result.name, 'async-1');
    assert.equal(done.target, done.result.id);
    assert.equal(done.links.target, `/api/v2/clouds/default/vms/${done.result.id}`);
    assert.ok(done.finishedAt);
    assert.deepEqual(
      done.steps.map((s: { step: string }) => s.step),
      ['resolve', 'create', 'track'],
    );
    const vm = await app.request('GET', done.links.target);
    assert.equal(vm.status, 200);
    assert.equal(vm.body.name, 'async-1');
  });

  it('with ?wait=true answers 201 with the VM and its Location', async () => {
    const res = await app.request('POST', '/api/v2/clouds/east/vms?wait=true', { name: 'waited-1', ...VM });
    assert.equal(res.status, 201);
    assert.equal(res.body.cloud, 'fake-east', 'an alias resolves to the canonical cloud');
    assert.equal(res.headers.get('location'), `/api/v2/clouds/fake-east/vms/${res.body.id}`);
  });

  it('records a failed start as a failed operation; ?wait=true answers the failure as a problem naming it', async () => {
    const accepted = await app.request('POST', '/api/v2/clouds/default/vms', { name: 'bad-size', image: 'ubuntu-24.04', size: 'no-such-size' });
    assert.equal(accepted.status, 202);
    const failed = await pollOperation(app, accepted.headers.get('location') as string);
    assert.equal(failed.state, 'failed');
    assert.equal(failed.error.kind, 'not-found');
    assert.equal(failed.error.status, 404);

    const waited = await app.request('POST', '/api/v2/clouds/default/vms?wait=true', { name: 'bad-size-2', image: 'ubuntu-24.04', size: 'no-such-size' });
    assert.equal(waited.status, 404);
    assert.match(waited.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.match(waited.body.detail, /no size no-such-size/);
    const op = await app.request('GET', `/api/v2/operations/${waited.body.operation}`);
    assert.equal(op.body.state, 'failed');
  });

  it('deletes a VM with 202, and the operation ends once the cloud no longer lists it', async () => {
    const created = await app.request('POST', '/api/v2/clouds/default/vms?wait=true', { name: 'to-delete', ...VM });
    const res = await app.request('DELETE', created.body.links.self);
    assert.equal(res.status, 202);
    assert.equal(res.body.kind, 'vm.destroy');
    const done = await pollOperation(app, res.headers.get('location') as string);
    assert.equal(done.state, 'succeeded');
    assert.ok(done.steps.some((s: { step: string }) => s.step === 'gone'));
    assert.equal((await app.request('GET', created.body.links.self)).status, 404);
    assert.equal((await app.request('DELETE', created.body.links.self)).status, 404, 'deleting it again: 404 at once');

    const other = await app.request('POST', '/api/v2/clouds/default/vms?wait=true', { name: 'to-delete-waited', ...VM });
    const waited = await app.request('DELETE', `${other.body.links.self}?wait=true`);
    assert.equal(waited.status, 200);
    assert.equal(waited.body.state, 'succeeded');

    // The route looks the VM up (404 before queueing) and hands it over: the operation does not ask the cloud again.
    const { vms } = app.dispatcher.services;
    const third = await app.request('POST', '/api/v2/clouds/default/vms?wait=true', { name: 'to-delete-handed', ...VM });
    const cloud = vms.cloud('default');
    const vm = await vms.resolveVm(cloud, { node: third.body.id });
    const [gets, destroys] = [app.fake().calls.getVm ?? 0, app.fake().calls.destroyVm ?? 0];
    await vms.destroy(cloud, { node: vm.id }, { vm });
    assert.equal(app.fake().calls.getVm ?? 0, gets);
    assert.equal(app.fake().calls.destroyVm, destroys + 1);
  });

  it('stops waiting at the bound and leaves the work running', async () => {
    const { operationService } = app.dispatcher.services;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const submitted = await operationService.submit({ kind: 'test.slow', request: {} }, () => gate);
    assert.equal(await operationService.settle(submitted, 20), undefined);
    release();
    assert.equal((await submitted.done).state, 'queued', 'work that never ran the operation keeps its state');
  });

  it('lists operations newest first with cursor pages, and shows a user only their own', async () => {
    const page1 = await app.request('GET', '/api/v2/operations?limit=2');
    assert.equal(page1.status, 200);
    assert.equal(page1.body.items.length, 2);
    assert.ok(page1.body.next);
    const page2 = await app.request('GET', `/api/v2/operations?limit=2&next=${encodeURIComponent(page1.body.next)}`);
    assert.equal(page2.body.items.length, 2);
    assert.ok(page1.body.items[1].createdAt >= page2.body.items[0].createdAt);
    assert.equal(new Set([...page1.body.items, ...page2.body.items].map((o: { id: string }) => o.id)).size, 4);

    await app.dispatcher.services.auth.createUser('bob', 'bob-password-123', 'user');
    const bob = await app.request('POST', '/api/v2/auth/tokens', { username: 'bob', password: 'bob-password-123' }, { authorization: '' });
    const asBob = { authorization: `Bearer ${bob.body.token}` };
    assert.deepEqual((await app.request('GET', '/api/v2/operations', undefined, asBob)).body.items, []);
    assert.equal((await app.request('GET', `/api/v2/operations/${page1.body.items[0].id}`, undefined, asBob)).status, 404);
  });
});

describe('v2 operations across a restart', () => {
  it('finds an operation that was queued when the process stopped, marked interrupted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dispatcher-restart-'));
    const databaseUrl = `sqlite:${join(dir, 'dispatcher.sqlite')}`;
    const first = await startTestApp({ databaseUrl });
    const op = await first.dispatcher.services.operations.create({ kind: 'vm.start', cloud: 'default', request: {}, state: 'queued' });
    await first.close();
    const second = await startTestApp({ databaseUrl });
    try {
      const res = await second.request('GET', `/api/v2/operations/${op.id}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.state, 'interrupted');
      assert.ok(res.body.finishedAt);
    } finally {
      await second.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
