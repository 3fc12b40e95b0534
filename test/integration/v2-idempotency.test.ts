// Idempotency-Key on v2 POSTs, through HTTP: replay, 422 for another body, concurrent duplicates.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/app-harness.js';

const BODY = { name: 'idem-1', image: 'ubuntu-24.04', size: 'm1.small' };

describe('v2 Idempotency-Key', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(async () => app?.close());

  const creates = () => app.fake('default').calls.createVm ?? 0;

  it('replays the first answer (status, body, Location) for the same key and body, creating nothing new', async () => {
    const before = creates();
    const key = { 'idempotency-key': 'create-vm-1' };
    const first = await app.request('POST', '/api/v2/clouds/default/vms', BODY, key);
    assert.equal(first.status, 202);
    // Another order of the same keys is the same request.
    const again = await app.request('POST', '/api/v2/clouds/default/vms', { size: BODY.size, image: BODY.image, name: BODY.name }, key);
    assert.equal(again.status, 202);
    assert.deepEqual(again.body, first.body);
    assert.equal(again.headers.get('location'), first.headers.get('location'));
    assert.equal(again.headers.get('idempotency-replayed'), 'true');
    await app.dispatcher.services.operationService.drain();
    assert.equal(creates() - before, 1);
    const named = (await app.request('GET', '/api/v2/clouds/default/vms?name=idem-1')).body.items;
    assert.equal(named.length, 1);
  });

  it('refuses the same key with another body (422 problem) and keeps the first answer', async () => {
    const key = { 'idempotency-key': 'create-vm-2' };
    const first = await app.request('POST', '/api/v2/clouds/default/vms?wait=true', { ...BODY, name: 'idem-2' }, key);
    assert.equal(first.status, 201);
    const other = await app.request('POST', '/api/v2/clouds/default/vms', { ...BODY, name: 'idem-2-other' }, key);
    assert.equal(other.status, 422);
    assert.equal(other.body.code, 'IdempotencyKeyReused');
    assert.match(other.headers.get('content-type') ?? '', /problem\+json/);
    const replay = await app.request('POST', '/api/v2/clouds/default/vms?wait=true', { ...BODY, name: 'idem-2' }, key);
    assert.equal(replay.status, 201);
    assert.equal(replay.body.id, first.body.id);
  });

  it('lets exactly one of concurrent duplicates create; the others are told it is running or get its answer', async () => {
    const before = creates();
    const key = { 'idempotency-key': 'create-vm-race' };
    const answers = await Promise.all(Array.from({ length: 8 }, () => app.request('POST', '/api/v2/clouds/default/vms', { ...BODY, name: 'idem-race' }, key)));
    const statuses = answers.map((a) => a.status);
    assert.ok(statuses.every((s) => s === 202 || s === 409), statuses.join(','));
    const firsts = answers.filter((a) => a.status === 202 && a.headers.get('idempotency-replayed') !== 'true');
    assert.equal(firsts.length, 1, statuses.join(','));
    const ids = new Set(answers.filter((a) => a.status === 202).map((a) => a.body.id));
    assert.equal(ids.size, 1, 'every 202 names the one operation');
    for (const conflict of answers.filter((a) => a.status === 409)) assert.equal(conflict.body.code, 'IdempotencyKeyInProgress');
    await app.dispatcher.services.operationService.drain();
    assert.equal(creates() - before, 1);
  });

  it('scopes keys per user, frees a key whose request failed, and validates the key', async () => {
    await app.dispatcher.services.auth.createUser('carol', 'carol-password-1', 'user');
    const login = await app.request('POST', '/api/v2/auth/tokens', { username: 'carol', password: 'carol-password-1' }, { authorization: '' });
    const carol = { authorization: `Bearer ${login.body.token}`, 'idempotency-key': 'create-vm-1' };
    const theirs = await app.request('POST', '/api/v2/clouds/default/vms', { ...BODY, name: 'carols' }, carol);
    assert.equal(theirs.status, 202, 'the same key string of another user is another key');

    const key = { 'idempotency-key': 'after-failure' };
    const failed = await app.request('POST', '/api/v2/clouds/nowhere/vms', BODY, key);
    assert.equal(failed.status, 404);
    const retried = await app.request('POST', '/api/v2/clouds/nowhere/vms', BODY, key);
    assert.equal(retried.status, 404);
    assert.equal(retried.headers.get('idempotency-replayed'), null, 'a failure is not stored: the retry ran again');

    const bad = await app.request('POST', '/api/v2/clouds/default/vms', BODY, { 'idempotency-key': 'x'.repeat(300) });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].key, 'idempotency-key');
    await app.dispatcher.services.operationService.drain();
  });

  it('guards assignments too: a replayed assign does not assign twice', async () => {
    const vm = await app.request('POST', '/api/v2/clouds/default/vms?wait=true', { ...BODY, name: 'idem-assign' });
    const key = { 'idempotency-key': 'assign-1' };
    const body = { cloud: 'default', vm: vm.body.id, user: 'alice', vmType: 'worker' };
    const first = await app.request('POST', '/api/v2/assignments', body, key);
    assert.equal(first.status, 201);
    const again = await app.request('POST', '/api/v2/assignments', body, key);
    assert.equal(again.status, 201, 'without the key this would be 409 (no longer FREE)');
    assert.deepEqual(again.body, first.body);
    assert.equal((await app.request('POST', '/api/v2/assignments', body)).status, 409);
  });
  it('hands the cloud an idempotency token derived from the key; a create whose outcome is unknown runs on until looked up, and makes no second VM', async () => {
    const key = { 'idempotency-key': 'retry-after-failure' };
    const body = { ...BODY, name: 'idem-retry' };
    const fake = app.fake('default');
    const before = creates();
    await app.request('GET', '/api/v2/clouds/default/images'); // the catalog cached: the create itself meets the fault
    fake.setFaults({ errorRate: 1 });
    let unknown;
    try {
      unknown = await app.request('POST', '/api/v2/clouds/default/vms?wait=true', body, key);
    } finally {
      fake.setFaults({ errorRate: 0 });
    }
    assert.equal(unknown.status, 202, 'the create failed and so did the lookup: the outcome is unknown, the operation runs on');
    assert.equal(unknown.body.state, 'running');
    assert.ok(unknown.body.steps.some((s: { step: string }) => s.step === 'unresolved'));
    const replay = await app.request('POST', '/api/v2/clouds/default/vms?wait=true', body, key);
    assert.equal(replay.headers.get('idempotency-replayed'), 'true');
    assert.equal(replay.body.id, unknown.body.id);
    const { operationService, operations } = app.dispatcher.services;
    assert.equal((await operationService.recover()).unresolved, 1, 'no VM yet, but too early to call it absent');
    // As if the cloud's callTimeoutMs had passed since the create was first found unresolved.
    const running = await operations.get(unknown.body.id);
    const steps = running!.steps.map((s) => (s.step === 'unresolved' ? { ...s, at: new Date(Date.now() - 120_000).toISOString() } : s));
    await operations.update(unknown.body.id, { steps });
    const report = await operationService.recover();
    assert.equal(report.failed, 1, 'the lookup now answers: the cloud has no VM of that request');
    const failed = await app.request('GET', `/api/v2/operations/${unknown.body.id}`);
    assert.equal(failed.body.state, 'failed');
    assert.match(failed.body.error.message, /has no VM of request/);
    const first = await app.request('POST', '/api/v2/clouds/default/vms?wait=true', body, { 'idempotency-key': 'retry-after-failure-2' });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const requestId = first.body.metadata?.['dispatcher:request-id'] ?? first.body.tags?.['dispatcher:request-id'];
    assert.match(String(requestId), /^[0-9a-f]{32}$/, 'a token derived from the key, not a random uuid');
    // The same logical create reaching the cloud again (as after a lost answer) is the same VM.
    const cloud = app.dispatcher.services.pool.resolve('default');
    const vmsBefore = fake.size;
    const again = await app.dispatcher.services.vms.start(cloud, { name: 'idem-retry', image: 'ubuntu-24.04', size: 'm1.small' }, { requestId: String(requestId) });
    assert.equal(again.id, first.body.id);
    assert.ok(creates() - before >= 2, 'the cloud was asked again');
    assert.equal(fake.size, vmsBefore, 'and made no second VM');
  });
});
