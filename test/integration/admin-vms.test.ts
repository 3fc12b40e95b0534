// Admin over HTTP, a cloud's tracked VMs: shut down free ones (never an assigned one), retire,
// reset the override, forget entries without calling the cloud.
import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { assertProblem, assign, startVm, trackerRecords } from '../support/admin-fixtures.js';
import { startTestApp, type TestApp } from '../support/app-harness.js';

describe('admin: actions on tracked VMs', () => {
  let app: TestApp | undefined;
  let n = 0;

  // A fresh app per test: each one counts the records of a cloud.
  beforeEach(async () => {
    await app?.close();
    app = await startTestApp();
  });
  after(() => app?.close());

  const vm = (name = `vm-${++n}`) => startVm(app as TestApp, name);
  const actions = (body: unknown, cloud = 'default') => (app as TestApp).request('POST', `/api/v2/admin/clouds/${cloud}/vms/actions`, body);

  it('shuts down N or all FREE VMs and never an assigned one', async () => {
    const a = app as TestApp;
    const [busy, free1, free2, free3] = [await vm(), await vm(), await vm(), await vm()];
    assert.equal((await assign(a, busy.name, 'alice')).status, 200);

    const one = await actions({ action: 'shutdown', count: 1 });
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.deepEqual(one.body.results.map((r: { result: string }) => r.result), ['destroyed']);
    assert.equal(one.body.results[0].idVm, free1.id, 'the oldest free VM first');

    const all = await actions({ action: 'shutdown', count: 'all' });
    assert.deepEqual(all.body.results.map((r: { idVm: string; result: string }) => [r.idVm, r.result]).sort(), [[free2.id, 'destroyed'], [free3.id, 'destroyed']].sort());
    const left = await trackerRecords(a);
    assert.deepEqual(left.map((r) => [r.id_vm, r.status_desc]), [[busy.id, 'ASSIGNED']]);
    assert.ok(await a.fake().getVm(busy.id), 'the assigned VM is untouched');
    for (const gone of [free1, free2, free3]) assert.ok([undefined, 'stopping'].includes((await a.fake().getVm(gone.id))?.state), 'deleted or being deleted');
    assert.deepEqual((await actions({ action: 'shutdown', count: 'all' })).body.results, [], 'nothing free is left');
    assertProblem(await actions({ action: 'shutdown', count: 0 }), 400);
    assertProblem(await actions({ action: 'shutdown', count: 1 }, 'nowhere'), 404);
  });

  it('retires: free VMs go now, assigned ones take no new assignment and are destroyed when released', async () => {
    const a = app as TestApp;
    const [busy, free] = [await vm(), await vm()];
    await assign(a, busy.name, 'alice');
    const retired = await actions({ action: 'retire', count: 'all' });
    const results = Object.fromEntries(retired.body.results.map((r: { idVm: string; result: string }) => [r.idVm, r.result]));
    assert.deepEqual(results, { [free.id]: 'destroyed', [busy.id]: 'retiring' });
    const status = (await a.request('GET', '/api/v2/status/clouds/default')).body;
    assert.equal(status.tracked.retiring, 1);
    assert.equal(status.tracked.assigned, 1);

    const released = await a.request('PUT', '/api/v1/vm/action/release', { hostname: busy.name });
    assert.equal(released.status, 200, JSON.stringify(released.body));
    assert.match(released.body.result, /released and deleted/);
    assert.equal(await a.fake().getVm(busy.id), null, 'destroyed on release');
    assert.equal((await a.request('GET', '/api/v2/status/clouds/default')).body.tracked.retiring, 0, 'the flag went with the VM');
  });

  it('a retiring VM refuses assignment (v1 and v2) until its override is reset', async () => {
    const a = app as TestApp;
    const free = await vm();
    a.fake().setFaults({ errorRate: 1 }); // the destroy fails: the VM stays, flagged
    const retired = await a.request('POST', `/api/v2/admin/clouds/default/vms/${free.id}/actions`, { action: 'retire' });
    a.fake().setFaults({ errorRate: 0 });
    assert.equal(retired.body.result, 'failed', JSON.stringify(retired.body));

    const v1 = await assign(a, free.name, 'alice');
    assert.equal(v1.status, 409);
    assert.match(v1.body.message, /retiring/);
    assertProblem(await a.request('POST', '/api/v2/assignments', { cloud: 'default', vm: free.id, user: 'alice', vmType: 'w' }), 409, 'Retiring');

    const reset = await a.request('POST', `/api/v2/admin/clouds/default/vms/${free.name}/actions`, { action: 'reset-override' });
    assert.deepEqual(reset.body, { idVm: free.id, hostname: free.name, result: 'override-reset' });
    assert.equal((await assign(a, free.name, 'alice')).status, 200);
    const again = await a.request('POST', `/api/v2/admin/clouds/default/vms/${free.id}/actions`, { action: 'reset-override' });
    assert.equal(again.body.result, 'no-override');
  });

  it('refuses to shut down one assigned VM (409), shuts down a free one, 404s an unknown one', async () => {
    const a = app as TestApp;
    const [busy, free] = [await vm(), await vm()];
    await assign(a, busy.name, 'alice');
    assertProblem(await a.request('POST', `/api/v2/admin/clouds/default/vms/${busy.id}/actions`, { action: 'shutdown' }), 409, 'Assigned');
    assert.equal((await trackerRecords(a)).find((r) => r.id_vm === busy.id)?.status_desc, 'ASSIGNED');
    const done = await a.request('POST', `/api/v2/admin/clouds/default/vms/${free.id}/actions`, { action: 'shutdown' });
    assert.equal(done.body.result, 'destroyed');
    assertProblem(await a.request('POST', '/api/v2/admin/clouds/default/vms/nothing/actions', { action: 'shutdown' }), 404);
  });

  it('forgets one entry or all of a cloud without calling the cloud', async () => {
    const a = app as TestApp;
    const [one, two, three] = [await vm(), await vm(), await vm()];
    await assign(a, three.name, 'alice');
    const calls = { ...a.fake().calls };
    const forgot = await a.request('DELETE', `/api/v2/admin/clouds/default/vms/${one.id}`);
    assert.deepEqual(forgot.body, { idVm: one.id, hostname: one.name, result: 'forgotten' });
    assert.deepEqual((await trackerRecords(a)).map((r) => r.id_vm).sort(), [two.id, three.id].sort());
    const all = await a.request('DELETE', '/api/v2/admin/clouds/default/vms');
    assert.deepEqual(all.body, { cloud: 'default', forgotten: 2 });
    assert.deepEqual(await trackerRecords(a), []);
    assert.deepEqual(a.fake().calls, calls, 'no call reached the cloud');
    for (const kept of [one, two, three]) assert.ok(await a.fake().getVm(kept.id), 'the VMs are still on the cloud');
    assertProblem(await a.request('DELETE', `/api/v2/admin/clouds/default/vms/${one.id}`), 404);
  });
});
