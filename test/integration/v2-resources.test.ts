// v2 resources end to end: clouds, VM lists (filters, cursor pages), actions, assignments, tokens.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, FAST_FAKE, startTestApp, type TestApp } from '../support/app-harness.js';
import { waitFor } from '../support/wait-for.js';

const VM = { image: 'ubuntu-24.04', size: 'm1.small' };

describe('v2 resources', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      clouds: [
        { name: 'default', driver: 'fake', default: true, options: { ...FAST_FAKE } },
        { name: 'fake-east', driver: 'fake', aliases: ['east'], options: { ...FAST_FAKE, seed: 2 } },
        { name: 'crowded', driver: 'fake', options: { ...FAST_FAKE, preload: { count: 25, namePrefix: 'pre' } } },
      ],
    });
  });
  after(async () => app?.close());

  it('lists clouds with driver, aliases, enabled and capabilities', async () => {
    const res = await app.request('GET', '/api/v2/clouds');
    assert.equal(res.status, 200);
    const east = res.body.items.find((c: { name: string }) => c.name === 'fake-east');
    assert.deepEqual(east.aliases, ['east']);
    assert.equal(east.driver, 'fake');
    assert.equal(east.enabled, true);
    assert.ok(east.capabilities.includes('firewall'));
    assert.equal(res.body.items.find((c: { default: boolean }) => c.default).name, 'default');
    const images = await app.request('GET', '/api/v2/clouds/east/images');
    assert.ok(images.body.items.some((i: { name: string }) => i.name === 'ubuntu-24.04'));
    const sizes = await app.request('GET', '/api/v2/clouds/east/sizes');
    assert.deepEqual(sizes.body.items[0], { id: 'small', name: 'm1.small', ramMiB: 2048, vcpus: 1, diskGiB: 20 });
    assert.deepEqual((await app.request('GET', '/api/v2/clouds/east/keypairs')).body.items, [{ name: 'default' }]);
  });

  it('pages through 25 VMs with limit and next, each VM once, and refuses foreign cursors', async () => {
    const seen: string[] = [];
    let next: string | null = null;
    const sizes: number[] = [];
    do {
      const query: string = next ? `limit=10&next=${encodeURIComponent(next)}` : 'limit=10';
      const res = await app.request('GET', `/api/v2/clouds/crowded/vms?${query}`);
      assert.equal(res.status, 200);
      sizes.push(res.body.items.length);
      seen.push(...res.body.items.map((vm: { id: string }) => vm.id));
      next = res.body.next;
    } while (next);
    assert.deepEqual(sizes, [10, 10, 5]);
    assert.equal(new Set(seen).size, 25);

    const first = await app.request('GET', '/api/v2/clouds/crowded/vms?limit=10');
    const reused = await app.request('GET', `/api/v2/clouds/crowded/vms?limit=10&state=running&next=${encodeURIComponent(first.body.next)}`);
    assert.equal(reused.status, 400);
    assert.equal(reused.body.code, 'InvalidCursor');
    assert.equal(reused.body.errors[0].key, 'next');
    assert.equal((await app.request('GET', '/api/v2/clouds/crowded/vms?next=garbage')).status, 400);
  });

  it('filters VMs by state, name and tags', async () => {
    const a = await app.request('POST', '/api/v2/clouds/east/vms?wait=true', { name: 'tagged-a', ...VM, metadata: { team: 'genomics', tier: 'gpu' } });
    await app.request('POST', '/api/v2/clouds/east/vms?wait=true', { name: 'tagged-b', ...VM, metadata: { team: 'genomics', tier: 'cpu' } });
    await app.request('POST', '/api/v2/clouds/east/vms?wait=true', { name: 'untagged', ...VM });
    const names = async (query: string) =>
      ((await app.request('GET', `/api/v2/clouds/east/vms?${query}`)).body.items as { name: string }[]).map((v) => v.name).sort();
    assert.deepEqual(await names('tag=team:genomics'), ['tagged-a', 'tagged-b']);
    assert.deepEqual(await names('tag=team:genomics&tag=tier:gpu'), ['tagged-a']);
    assert.deepEqual(await names('name=untagged'), ['untagged']);
    await waitFor('VMs running', async () => (await names('state=running')).length === 3);
    assert.deepEqual(await names('state=stopped'), []);
    const off = await app.request('POST', `/api/v2/clouds/east/vms/${a.body.id}/actions`, { action: 'power-off' });
    assert.equal(off.status, 200);
    assert.equal(off.body.action, 'power-off');
    await waitFor('VM stopped', async () => (await names('state=stopped')).length === 1);
    const port = await app.request('POST', `/api/v2/clouds/east/vms/${a.body.id}/actions`, { action: 'open-port', port: 8080, protocol: 'tcp' });
    assert.equal(port.status, 200);
    assert.deepEqual(app.fake('fake-east').openPorts(a.body.id), ['tcp:8080:0.0.0.0/0']);
  });

  it('assigns, lists, reads and releases assignments (release = un-assign + delete + gone)', async () => {
    const vm = await app.request('POST', '/api/v2/clouds/default/vms?wait=true', { name: 'assignable', ...VM });
    const created = await app.request('POST', '/api/v2/assignments', { cloud: 'default', hostname: 'assignable', user: 'alice', vmType: 'worker' });
    assert.equal(created.status, 201);
    assert.equal(created.body.status, 'ASSIGNED');
    assert.equal(created.body.user, 'alice');
    assert.equal(created.body.vmId, vm.body.id);
    assert.match(created.body.id, /^default:\d+$/);
    assert.equal(created.headers.get('location'), `/api/v2/assignments/${encodeURIComponent(created.body.id)}`);

    const again = await app.request('POST', '/api/v2/assignments', { cloud: 'default', vm: vm.body.id, user: 'bob', vmType: 'worker' });
    assert.equal(again.status, 409);

    const assigned = await app.request('GET', '/api/v2/assignments?status=ASSIGNED');
    assert.deepEqual(assigned.body.items.map((a: { id: string }) => a.id), [created.body.id]);
    const everywhere = await app.request('GET', '/api/v2/assignments');
    assert.ok(everywhere.body.items.some((a: { cloud: string }) => a.cloud === 'fake-east'), 'lists across clouds');
    assert.ok(everywhere.body.items.every((a: { status: string }) => a.status === 'FREE' || a.status === 'ASSIGNED'));
    const onEast = await app.request('GET', '/api/v2/assignments?cloud=east&limit=1');
    assert.equal(onEast.body.items.length, 1);
    assert.equal(onEast.body.items[0].cloud, 'fake-east');
    assert.ok(onEast.body.next);
    assert.equal((await app.request('GET', `/api/v2/assignments/${created.body.id}`)).body.user, 'alice', 'the id works unencoded too');
    const trackerId = created.body.id.split(':')[1];
    assert.equal((await app.request('GET', `/api/v2/assignments/east:${trackerId}`)).status, 404, "another cloud's tracker id");
    assert.equal((await app.request('GET', '/api/v2/assignments/default:1099511627776')).status, 404, 'an id past any record');

    const released = await app.request('DELETE', created.headers.get('location') as string);
    assert.equal(released.status, 202);
    assert.equal(released.body.kind, 'vm.release');
    const done = await waitFor('release to end', async () => {
      const op = await app.request('GET', released.headers.get('location') as string);
      return op.body.state === 'succeeded' || op.body.state === 'failed' ? op.body : undefined;
    });
    assert.equal(done.state, 'succeeded', JSON.stringify(done.error));
    assert.deepEqual(
      done.steps.map((s: { step: string }) => s.step),
      ['tracker.release', 'destroy', 'gone', 'untrack'],
    );
    assert.equal((await app.request('GET', vm.body.links.self)).status, 404);
    assert.equal((await app.request('GET', `/api/v2/assignments/${created.body.id}`)).status, 404);
    assert.equal((await app.request('DELETE', '/api/v2/assignments/not-an-id')).status, 404);
    assert.equal((await app.request('DELETE', '/api/v2/assignments/nowhere:1')).status, 404);
  });

  it('issues tokens for a username and password, and revokes the one in use', async () => {
    const bad = await app.request('POST', '/api/v2/auth/tokens', { username: ADMIN.username, password: 'wrong' }, { authorization: '' });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.code, 'BadCredentials');
    const issued = await app.request('POST', '/api/v2/auth/tokens', ADMIN, { authorization: '' });
    assert.equal(issued.status, 201);
    assert.equal(issued.body.tokenType, 'Bearer');
    assert.equal(issued.body.user.role, 'admin');
    assert.ok(Date.parse(issued.body.expiresAt) > Date.now());
    assert.equal(issued.headers.get('cache-control'), 'no-store');
    const auth = { authorization: `Bearer ${issued.body.token}` };
    assert.equal((await app.request('GET', '/api/v2/clouds', undefined, auth)).status, 200);
    assert.equal((await app.request('DELETE', '/api/v2/auth/tokens/current', undefined, auth)).status, 204);
    assert.equal((await app.request('GET', '/api/v2/clouds', undefined, auth)).status, 401);
    assert.equal((await app.request('GET', '/api/v2/clouds')).status, 200, 'other tokens still work');
  });
});
