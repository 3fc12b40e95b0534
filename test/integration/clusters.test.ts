// Issue 16: clusters on two fake clouds — spread placement, members tagged and tracked, partial
// failure → degraded → repair, scale out and in (FREE first, ASSIGNED only with force), stop and
// start, delete waits until every member is gone, per-user counts in /api/v2/status.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FAST_FAKE, startTestApp, type TestApp } from '../support/app-harness.js';
import { waitFor } from '../support/wait-for.js';

const template = { image: 'ubuntu-24.04', size: 'm1.small', metadata: { team: 'genomics' } };

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => app?.close());

async function operationEnd(location: string) {
  return waitFor(`operation ${location} to end`, async () => {
    const op = (await app.request('GET', location)).body;
    return op.state === 'succeeded' || op.state === 'failed' || op.state === 'interrupted' ? op : undefined;
  });
}

async function cluster(id: string) {
  const res = await app.request('GET', `/api/v2/clusters/${id}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

describe('clusters', () => {
  it('creates members in parallel, spread over the clouds, tagged with the cluster id and tracked FREE', async () => {
    const res = await app.request('POST', '/api/v2/clusters?wait=true', { name: 'spread', size: 4, template });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const c = res.body;
    assert.equal(c.status, 'ready');
    assert.equal(c.actualSize, 4);
    assert.deepEqual(c.clouds, { default: 2, 'fake-east': 2 });
    for (const m of c.members) {
      assert.equal(m.trackerStatus, 'FREE');
      assert.match(m.name, /^spread-[0-9a-f]{8}$/);
      const vm = await app.fake(m.cloud).getVm(m.vmId);
      assert.equal(vm?.metadata['dispatcher:cluster'], c.id);
      assert.equal(vm?.metadata.team, 'genomics');
    }
    const [op] = (await app.request('GET', '/api/v2/operations?kind=cluster.create&limit=1')).body.items;
    assert.equal(op.target, c.id);
    assert.match(op.placement['fake-east'], /^spread: 2 of 4/);
    const starts = (await app.request('GET', '/api/v2/operations?kind=vm.start&limit=500')).body.items.filter((o: any) => c.members.some((m: any) => m.vmId === o.target));
    assert.equal(starts.length, 4, 'each member has its own vm.start operation');
  });

  it('answers the 201 of a create from what the creates answered, without listing the clouds; GET lists them', async () => {
    const listings = () => (app.fake('default').calls.listVms ?? 0) + (app.fake('fake-east').calls.listVms ?? 0);
    const before = listings();
    const res = await app.request('POST', '/api/v2/clusters?wait=true', { name: 'answered', size: 4, template });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(listings(), before, 'no cloud listed for the 201');
    const starts = (await app.request('GET', '/api/v2/operations?kind=vm.start&limit=500')).body.items;
    for (const m of res.body.members) {
      const vm = await app.fake(m.cloud).getVm(m.vmId);
      assert.equal(m.vmStateFrom, 'create');
      assert.equal(m.vmState, 'pending', 'the fake answers a create with a pending VM');
      assert.equal(m.vmStateAt, starts.find((o: any) => o.target === m.vmId)?.finishedAt, 'seen when the member\'s start ended');
      assert.deepEqual(m.privateIps, vm?.privateIps);
      assert.equal(m.trackerStatus, 'FREE');
    }
    const shown = await cluster(res.body.id);
    assert.equal(listings(), before + 2, 'GET lists each member cloud once');
    assert.ok(shown.members.every((m: any) => m.vmStateFrom === 'list' && m.vmStateAt !== null));
  });

  it('lists the member clouds at once, not one after the other (repair looks for VMs in error)', async () => {
    const id = (await app.request('POST', '/api/v2/clusters?wait=true', { name: 'lister', size: 2, template })).body.id;
    const fakes = [app.fake('default'), app.fake('fake-east')];
    let inFlight = 0;
    let most = 0;
    let bothAsked = () => {};
    const together = new Promise<void>((resolve) => (bothAsked = resolve));
    for (const fake of fakes) {
      const original = fake.listVms.bind(fake);
      fake.listVms = async (...args: Parameters<typeof original>) => {
        most = Math.max(most, ++inFlight);
        if (inFlight === fakes.length) bothAsked();
        // One after the other, the first listing would wait here for a second that never comes.
        await Promise.race([together, sleep(2_000)]);
        inFlight--;
        return original(...args);
      };
    }
    try {
      const repair = await app.request('POST', `/api/v2/clusters/${id}/actions?wait=true`, { action: 'repair' });
      assert.equal(repair.status, 200, JSON.stringify(repair.body));
    } finally {
      for (const fake of fakes) delete (fake as Partial<typeof fake>).listVms;
    }
    assert.equal(most, 2, 'both clouds were asked at once');
  });

  it('scales out and in: FREE members go first, an ASSIGNED one only with force', async () => {
    const created = await app.request('POST', '/api/v2/clusters?wait=true', { name: 'scaler', size: 2, template });
    const id = created.body.id;
    const out = await app.request('PATCH', `/api/v2/clusters/${id}?wait=true`, { size: 5 });
    assert.equal(out.status, 200, JSON.stringify(out.body));
    assert.equal((await cluster(id)).actualSize, 5);

    const keep = (await cluster(id)).members[0];
    const assigned = await app.request('POST', '/api/v2/assignments', { cloud: keep.cloud, vm: keep.vmId, user: 'alice', vmType: 'worker' });
    assert.equal(assigned.status, 201, JSON.stringify(assigned.body));
    const refused = await app.request('PATCH', `/api/v2/clusters/${id}`, { size: 0 });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'MemberAssigned');
    assert.equal((await cluster(id)).status, 'ready', 'a refusal changes nothing');

    const scaledIn = await app.request('PATCH', `/api/v2/clusters/${id}?wait=true`, { size: 1 });
    assert.equal(scaledIn.status, 200, JSON.stringify(scaledIn.body));
    const left = await cluster(id);
    assert.equal(left.actualSize, 1);
    assert.equal(left.members[0].vmId, keep.vmId, 'the ASSIGNED member stays');

    const forced = await app.request('DELETE', `/api/v2/clusters/${id}/members/${keep.vmId}?force=true`);
    assert.equal(forced.status, 202);
    assert.equal((await operationEnd(forced.headers.get('location') as string)).state, 'succeeded');
    const empty = await cluster(id);
    assert.equal(empty.desiredSize, 0);
    assert.equal(empty.members.length, 0);
    assert.equal(await app.fake(keep.cloud).getVm(keep.vmId), null);
  });

  it('stops and starts every member; a second operation while one runs is 409', async () => {
    const id = (await app.request('POST', '/api/v2/clusters?wait=true', { name: 'power', size: 2, template })).body.id;
    await waitFor('members running', async () => (await cluster(id)).members.every((m: any) => m.vmState === 'running'));
    const stop = await app.request('POST', `/api/v2/clusters/${id}/actions`, { action: 'stop' });
    assert.equal(stop.status, 202);
    const busy = await app.request('PATCH', `/api/v2/clusters/${id}`, { size: 3 });
    assert.equal(busy.status, 409);
    assert.equal(busy.body.code, 'ClusterBusy');
    await operationEnd(stop.headers.get('location') as string);
    assert.equal((await cluster(id)).status, 'stopped');
    await waitFor('members stopped', async () => (await cluster(id)).members.every((m: any) => m.vmState === 'stopped'));
    const start = await app.request('POST', `/api/v2/clusters/${id}/actions?wait=true`, { action: 'start' });
    assert.equal(start.status, 200, JSON.stringify(start.body));
    assert.equal((await cluster(id)).status, 'ready');
  });

  it('delete destroys every member, waits until gone, then the cluster is gone', async () => {
    const c = (await app.request('POST', '/api/v2/clusters?wait=true', { name: 'doomed', size: 3, template })).body;
    const del = await app.request('DELETE', `/api/v2/clusters/${c.id}?wait=true`);
    assert.equal(del.status, 200, JSON.stringify(del.body));
    assert.ok(del.body.steps.some((s: any) => s.step === 'remove'));
    for (const m of c.members) {
      assert.equal(await app.fake(m.cloud).getVm(m.vmId), null, 'gone from the cloud');
      assert.equal(await app.dispatcher.services.tracker.findNode(m.cloud, { idVm: m.vmId }), undefined, 'and from the tracker');
    }
    assert.equal((await app.request('GET', `/api/v2/clusters/${c.id}`)).status, 404);
  });

  it('refuses with each cloud\'s reason when no cloud can take the cluster, and starts nothing', async () => {
    const before = app.fake('default').size + app.fake('fake-east').size;
    const res = await app.request('POST', '/api/v2/clusters', { name: 'nowhere', size: 2, template: { image: 'no-such-image', size: 'm1.small' } });
    assert.equal(res.status, 409);
    assert.equal(res.body.code, 'NoPlacement');
    assert.deepEqual(res.body.clouds, { default: 'no image no-such-image', 'fake-east': 'no image no-such-image' });
    assert.equal(app.fake('default').size + app.fake('fake-east').size, before);
  });

  it('places a single VM (POST /vms) and records the chosen cloud and why on its operation', async () => {
    const res = await app.request('POST', '/api/v2/vms?wait=true', { name: 'placed-one', image: 'ubuntu-24.04', size: 'm1.small', placement: { clouds: ['east'], strategy: 'pack' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.cloud, 'fake-east');
    const [op] = (await app.request('GET', '/api/v2/operations?kind=vm.start&limit=1')).body.items;
    assert.equal(op.placement.cloud, 'fake-east');
    assert.match(op.placement.reason, /^pack/);
    assert.equal(op.placement.clouds.default, 'not among the clouds the placement names');
  });

  it('/api/v2/status counts the caller\'s clusters and VMs', async () => {
    const res = await app.request('GET', '/api/v2/status');
    assert.equal(res.status, 200);
    const clusters = (await app.request('GET', '/api/v2/clusters')).body.items.length;
    assert.equal(res.body.mine.clusters, clusters);
    const tracked = (await app.dispatcher.services.tracker.listNodes('default', true)).length + (await app.dispatcher.services.tracker.listNodes('fake-east', true)).length;
    assert.ok(res.body.mine.vms > 0 && res.body.mine.vms <= tracked, JSON.stringify(res.body.mine));
  });
});

describe('partial failure', () => {
  let own: TestApp;
  before(async () => {
    own = await startTestApp();
  });
  after(async () => own?.close());

  it('a partial failure is degraded with the failures listed; repair starts replacements', async () => {
    for (const list of ['images', 'sizes']) assert.equal((await own.request('GET', `/api/v2/clouds/fake-east/${list}`)).status, 200); // catalogs cached: the create itself is what fails
    own.fake('fake-east').setFaults({ throttleRate: 1 });
    const res = await own.request('POST', '/api/v2/clusters?wait=true', { name: 'partial', size: 4, template });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, 'degraded');
    assert.equal(res.body.actualSize, 2);
    assert.equal(res.body.failures.length, 2);
    assert.ok(res.body.failures.every((f: any) => f.cloud === 'fake-east' && /request limit/.test(f.error)), JSON.stringify(res.body.failures));
    own.fake('fake-east').setFaults({ throttleRate: 0 });

    const repair = await own.request('POST', `/api/v2/clusters/${res.body.id}/actions?wait=true`, { action: 'repair' });
    assert.equal(repair.status, 200, JSON.stringify(repair.body));
    assert.equal(repair.body.kind, 'cluster.repair');
    const after = (await own.request('GET', `/api/v2/clusters/${res.body.id}`)).body;
    assert.equal(after.status, 'ready');
    assert.equal(after.actualSize, 4);
    assert.equal(after.failures.length, 0, 'replaced failures are history');
    assert.deepEqual(after.clouds, { default: 4 }, 'the cloud whose starts all failed is avoided');
    const [op] = (await own.request('GET', '/api/v2/operations?kind=cluster.repair&limit=1')).body.items;
    assert.ok(op.steps.some((s: any) => /fake-east.*unhealthy: 100 %/.test(s.detail ?? '')), JSON.stringify(op.steps));
  });

});

describe('clusters on a cloud without power', () => {
  let bare: TestApp;
  before(async () => {
    const caps = ['list', 'get', 'find-by-name', 'create', 'destroy', 'images', 'sizes'];
    bare = await startTestApp({ clouds: [{ name: 'default', driver: 'fake', default: true, options: { ...FAST_FAKE, capabilities: caps } }] });
  });
  after(async () => bare?.close());

  it('answers 501 before any call to the cloud', async () => {
    const id = (await bare.request('POST', '/api/v2/clusters?wait=true', { name: 'nopower', size: 1, template })).body.id;
    const calls = { ...bare.fake().calls };
    const res = await bare.request('POST', `/api/v2/clusters/${id}/actions`, { action: 'stop' });
    assert.equal(res.status, 501);
    assert.deepEqual(bare.fake().calls, calls);
    assert.equal((await bare.request('GET', `/api/v2/clusters/${id}`)).body.status, 'ready');
  });
});
