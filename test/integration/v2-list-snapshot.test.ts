// GET /clouds/{c}/vms pages share one listing of the cloud for its listCacheMs: the provider is
// listed once for many pages, the caller's own creates, power changes and deletes show in the
// very next page, and changes made behind the dispatcher's back once the window has passed.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { FAST_FAKE, startTestApp, type TestApp } from '../support/app-harness.js';
import { waitFor } from '../support/wait-for.js';

const VM = { image: 'ubuntu-24.04', size: 'm1.small' };
const BRIEF_MS = 200;

describe('v2 VM list pages and the listing they share', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      clouds: [
        { name: 'default', driver: 'fake', default: true, options: { ...FAST_FAKE } },
        { name: 'kept', driver: 'fake', listCacheMs: 60_000, options: { ...FAST_FAKE, preload: { count: 30 } } },
        { name: 'brief', driver: 'fake', listCacheMs: BRIEF_MS, options: { ...FAST_FAKE, preload: { count: 5 } } },
        { name: 'steady', driver: 'fake', listCacheMs: 60_000, options: { latencyMs: 0, bootDelayMs: 0, preload: { count: 5 } } }, // states that do not move
        { name: 'uncached', driver: 'fake', listCacheMs: 0, options: { ...FAST_FAKE, preload: { count: 5 } } },
      ],
    });
  });
  after(async () => app?.close());

  const listings = (cloud: string) => app.fake(cloud).calls.listVms ?? 0;
  const page = async (cloud: string, query = 'limit=100') => {
    const res = await app.request('GET', `/api/v2/clouds/${cloud}/vms?${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as { items: { id: string; name: string; state: string }[]; next: string | null };
  };
  const behindItsBack = (cloud: string, name: string) => app.fake(cloud).createVm({ name, imageId: 'img-ubuntu-24', sizeId: 'small', requestId: name });

  it('lists the cloud once for concurrent pages and for the pages that follow a cursor', async () => {
    const before = listings('kept');
    const pages = await Promise.all(Array.from({ length: 8 }, () => page('kept', 'limit=10')));
    assert.ok(pages.every((p) => JSON.stringify(p) === JSON.stringify(pages[0])), 'the same first page for all');
    let next = pages[0].next;
    const seen = pages[0].items.map((vm) => vm.id);
    while (next) {
      const more = await page('kept', `limit=10&next=${encodeURIComponent(next)}`);
      seen.push(...more.items.map((vm) => vm.id));
      next = more.next;
    }
    assert.equal(new Set(seen).size, 30);
    assert.equal(listings('kept') - before, 1);
  });

  it("shows the caller's own create, power-off and delete in the very next page", async () => {
    await page('kept');
    const created = await app.request('POST', '/api/v2/clouds/kept/vms?wait=true', { name: 'mine', ...VM });
    assert.equal(created.status, 201);
    const mine = () => page('kept').then((p) => p.items.find((vm) => vm.id === created.body.id));
    assert.ok(await mine(), 'created');
    // Powering off needs a running VM: the fake boots it bootDelayMs after the create answered.
    await waitFor('the VM to run', async () => (await app.request('GET', `/api/v2/clouds/kept/vms/${created.body.id}`)).body.state === 'running' || null);
    const before = (await mine())?.state;
    const off = await app.request('POST', `/api/v2/clouds/kept/vms/${created.body.id}/actions`, { action: 'power-off' });
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.notEqual((await mine())?.state, before, 'powered off');
    assert.equal((await app.request('DELETE', `/api/v2/clouds/kept/vms/${created.body.id}?wait=true`)).status, 200);
    assert.equal(await mine(), undefined, 'deleted');
  });

  it('shows a VM made behind its back only once listCacheMs has passed', async () => {
    await page('kept');
    await behindItsBack('kept', 'elsewhere-kept');
    assert.ok(!(await page('kept')).items.some((vm) => vm.name === 'elsewhere-kept'), 'within the window (60 s)');

    await page('brief');
    await behindItsBack('brief', 'elsewhere-brief');
    await sleep(BRIEF_MS + 50);
    assert.ok((await page('brief')).items.some((vm) => vm.name === 'elsewhere-brief'), 'after the window');
  });

  it('with listCacheMs 0 lists the cloud for every page', async () => {
    const before = listings('uncached');
    await Promise.all([page('uncached'), page('uncached'), page('uncached')]);
    await behindItsBack('uncached', 'elsewhere-uncached');
    assert.ok((await page('uncached')).items.some((vm) => vm.name === 'elsewhere-uncached'));
    assert.equal(listings('uncached') - before, 4);
  });

  it('answers pages as JSON joined from VMs serialized once: the same VMs as GET of each, the headers of any JSON answer', async () => {
    const created = await app.request('POST', '/api/v2/clouds/steady/vms?wait=true', { name: 'with-metadata', ...VM, metadata: { team: 'genomics', 'odd "key"': 'é \\ ü' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${app.baseUrl}/api/v2/clouds/steady/vms?limit=5&name=with-metadata`, { headers: { authorization: `Bearer ${app.token}` } });
      const text = await res.text();
      const body = JSON.parse(text);
      assert.equal(text, JSON.stringify(body), 'what JSON.stringify makes');
      assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.ok(res.headers.get('etag'));
      assert.deepEqual(body, { items: [(await app.request('GET', `/api/v2/clouds/steady/vms/${created.body.id}`)).body], next: null });
    }
    // The same body made per request (a caller's own set: owner=) and kept for the listing: the same bytes and headers.
    const get = (query: string, headers: Record<string, string> = {}) => fetch(`${app.baseUrl}/api/v2/clouds/steady/vms?${query}`, { headers: { authorization: `Bearer ${app.token}`, ...headers } });
    const kept = await get('limit=5&name=with-metadata');
    const made = await get('limit=5&name=with-metadata&owner=admin');
    const text = await kept.text();
    assert.equal(text, await made.text());
    for (const header of ['etag', 'content-type', 'content-length']) assert.equal(kept.headers.get(header), made.headers.get(header), header);
    const again = await get('limit=5&name=with-metadata'); // the kept page, sent again
    assert.equal(await again.text(), text);
    assert.equal(again.headers.get('etag'), kept.headers.get('etag'));

    const full = await page('steady', 'limit=3');
    for (const vm of full.items) assert.deepEqual(vm, (await app.request('GET', `/api/v2/clouds/steady/vms/${vm.id}`)).body);
  });

  it('leaves the lookup of one VM to the cloud: a VM made behind its back is found at once', async () => {
    await page('kept');
    const vm = await behindItsBack('kept', 'found-fresh');
    const got = await app.request('GET', `/api/v2/clouds/kept/vms/${vm.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.name, 'found-fresh');
  });
});
