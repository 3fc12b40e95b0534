// Issue 14, ownership: a user acts only on the VMs it started and the assignments made to it;
// anything else answers as if it did not exist (v2 404, v1 "no useful node id here"), and changes
// nothing. Admins and operators act on everything; a VM started outside the dispatcher is theirs only.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/app-harness.js';
import { account, type Account } from '../support/security-fixtures.js';

const IMAGE = 'ubuntu-24.04';
const SIZE = 'm1.small';

describe('security: ownership', () => {
  let app: TestApp;
  let bob: Account;
  let carol: Account;
  let orch: Account;
  let admin: Account;
  let bobV2: string; // started by bob through v2
  let bobV1: string; // started by bob through v1
  let carolVm: string;
  let outside: string; // created on the cloud behind the dispatcher's back

  const v2Start = async (who: Account, name: string) => {
    const res = await who.request('POST', '/api/v2/clouds/default/vms?wait=true', { name, image: IMAGE, size: SIZE });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };

  before(async () => {
    app = await startTestApp();
    admin = { username: 'admin', token: app.token, request: app.request };
    [bob, carol, orch] = [await account(app, 'bob', 'user'), await account(app, 'carol', 'user'), await account(app, 'orch', 'operator')];
    bobV2 = await v2Start(bob, 'bob-v2');
    const v1 = await bob.request('POST', '/api/v1/vm/start', { name: 'bob-v1', image: IMAGE, size: SIZE });
    assert.equal(v1.status, 200);
    bobV1 = v1.body.nodes.id;
    carolVm = await v2Start(carol, 'carol-1');
    const fake = app.fake();
    const [image] = await fake.listImages();
    const [size] = await fake.listSizes();
    outside = (await fake.createVm({ name: 'outside-1', imageId: image.id, sizeId: size.id, requestId: 'outside-1' })).id;
  });
  after(() => app?.close());

  // Every v2 route on one VM, answered without changing anything when refused.
  const v2Routes = (vm: string): Array<[string, (who: Account) => Promise<{ status: number }>]> => [
    ['GET vm', (who) => who.request('GET', `/api/v2/clouds/default/vms/${vm}`)],
    ['reboot', (who) => who.request('POST', `/api/v2/clouds/default/vms/${vm}/actions`, { action: 'reboot' })],
    ['open-port', (who) => who.request('POST', `/api/v2/clouds/default/vms/${vm}/actions`, { action: 'open-port', port: 2222 })],
    ['DELETE vm', (who) => who.request('DELETE', `/api/v2/clouds/default/vms/${vm}`)],
    ['assign to self', (who) => who.request('POST', '/api/v2/assignments', { cloud: 'default', vm, user: who.username, vmType: 'w' })],
  ];
  const v1Routes = (vm: string): Array<[string, (who: Account) => Promise<{ status: number; body: any }>]> => [
    ['stop', (who) => who.request('PUT', '/api/v1/vm/stop', { node: vm })],
    ['assign', (who) => who.request('PUT', '/api/v1/vm/action/assign', { node: vm, user: who.username, vm_type: 'w' })],
    ['release', (who) => who.request('PUT', '/api/v1/vm/action/release', { node: vm })],
    ['fw open', (who) => who.request('PUT', '/api/v1/fw/open', { node: vm, port: 2222, protocol: 'tcp', cidr: '10.0.0.0/8' })],
  ];

  it('v2: a non-owner gets 404 on every route and changes nothing', async () => {
    for (const [what, call] of v2Routes(bobV2)) {
      const res = await call(carol);
      assert.equal(res.status, 404, `carol ${what} on bob's VM`);
    }
    assert.equal((await admin.request('GET', `/api/v2/clouds/default/vms/${bobV2}`)).status, 200, 'still there');
    assert.deepEqual(app.fake().openPorts(bobV2), [], 'no port opened');
  });

  it('v1: a non-owner is told the node is unknown on every route and changes nothing', async () => {
    for (const [what, call] of v1Routes(bobV1)) {
      const res = await call(carol);
      assert.equal(res.status, 400, `carol ${what} on bob's VM: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.message, 'no useful node id here');
    }
    const byName = await carol.request('PUT', '/api/v1/vm/stop', { hostname: 'bob-v1' });
    assert.equal(byName.status, 400, 'by hostname too');
    assert.ok(await app.fake().getVm(bobV1), 'still there');
  });

  it('a VM started outside the dispatcher is refused to users and open to admins and operators', async () => {
    for (const [what, call] of [v2Routes(outside)[0], v2Routes(outside)[2]]) {
      assert.equal((await call(bob)).status, 404, `bob ${what}`);
      assert.equal((await call(orch)).status, 200, `orch ${what}`);
      assert.equal((await call(admin)).status, 200, `admin ${what}`);
    }
    assert.equal((await bob.request('PUT', '/api/v1/fw/open', { node: outside, port: 22 })).status, 400);
  });

  it('lists show a user its own VMs; admins see all and filter by owner', async () => {
    const mine = await bob.request('GET', '/api/v2/clouds/default/vms?limit=200');
    assert.deepEqual(mine.body.items.map((v: { id: string }) => v.id).sort(), [bobV1, bobV2].sort());
    const v1 = await bob.request('GET', '/api/v1/nodes');
    assert.deepEqual(v1.body.nodes.map((n: { id: string }) => n.id).sort(), [bobV1, bobV2].sort());
    const all = await admin.request('GET', '/api/v2/clouds/default/vms?limit=200');
    for (const id of [bobV1, bobV2, carolVm, outside]) assert.ok(all.body.items.some((v: { id: string }) => v.id === id), id);
    const filtered = await admin.request('GET', '/api/v2/clouds/default/vms?limit=200&owner=carol');
    assert.deepEqual(filtered.body.items.map((v: { id: string }) => v.id), [carolVm]);
    const status = await carol.request('GET', '/api/v1/vm/status');
    assert.deepEqual(status.body.nodes.map((n: { id_vm: string }) => n.id_vm), [carolVm]);
  });

  it('assigning to another user name needs the admin or operator role (403), and the assignee then owns the assignment', async () => {
    const refused = await bob.request('POST', '/api/v2/assignments', { cloud: 'default', vm: bobV2, user: 'carol', vmType: 'w' });
    assert.equal(refused.status, 403);
    const v1Refused = await bob.request('PUT', '/api/v1/vm/action/assign', { node: bobV1, user: 'carol', vm_type: 'w' });
    assert.equal(v1Refused.status, 403);
    const assigned = await orch.request('POST', '/api/v2/assignments', { cloud: 'default', vm: bobV2, user: 'carol', vmType: 'w' });
    assert.equal(assigned.status, 201, JSON.stringify(assigned.body));
    const id = assigned.body.id as string;
    assert.equal((await carol.request('GET', `/api/v2/assignments/${encodeURIComponent(id)}`)).status, 200, 'the assignee sees it');
    const theirs = await carol.request('GET', '/api/v2/assignments');
    assert.ok(theirs.body.items.some((a: { id: string }) => a.id === id));
    assert.equal((await carol.request('POST', `/api/v2/clouds/default/vms/${bobV2}/actions`, { action: 'reboot' })).status, 200, 'and may act on the VM');
    const stranger = await account(app, 'dan', 'user');
    assert.equal((await stranger.request('GET', `/api/v2/assignments/${encodeURIComponent(id)}`)).status, 404);
    assert.equal((await stranger.request('DELETE', `/api/v2/assignments/${encodeURIComponent(id)}`)).status, 404);
    assert.ok(!(await stranger.request('GET', '/api/v2/assignments')).body.items.some((a: { id: string }) => a.id === id));
    const released = await carol.request('DELETE', `/api/v2/assignments/${encodeURIComponent(id)}?wait=true`);
    assert.equal(released.status, 200, JSON.stringify(released.body));
  });

  it('the owner acts on its own VMs through v1 and v2', async () => {
    assert.equal((await bob.request('PUT', '/api/v1/fw/open', { node: bobV1, port: 2222, protocol: 'tcp', cidr: '10.0.0.0/8' })).status, 200);
    const assign = await bob.request('PUT', '/api/v1/vm/action/assign', { hostname: 'bob-v1', user: 'bob', vm_type: 'w' });
    assert.equal(assign.status, 200, JSON.stringify(assign.body));
    const release = await bob.request('PUT', '/api/v1/vm/action/release', { hostname: 'bob-v1' });
    assert.equal(release.status, 200, JSON.stringify(release.body));
    const carolDelete = await carol.request('DELETE', `/api/v2/clouds/default/vms/${carolVm}?wait=true`);
    assert.equal(carolDelete.status, 200);
    assert.equal(await app.fake().getVm(bobV1), null);
  });

  it('admins act on any user’s VM', async () => {
    const vm = await v2Start(bob, 'bob-3');
    assert.equal((await admin.request('POST', `/api/v2/clouds/default/vms/${vm}/actions`, { action: 'open-port', port: 2223 })).status, 200);
    assert.equal((await admin.request('PUT', '/api/v1/vm/stop', { node: vm })).status, 200);
  });

  it('status: the config, live listings and reconcile findings are the admins’; users get a summary', async () => {
    for (const who of [bob, orch]) {
      assert.equal((await who.request('GET', '/api/v2/admin/users')).status, 403, `${who.username}: admin routes`);
      assert.equal((await who.request('POST', '/api/v2/admin/reconcile')).status, 403, `${who.username}: admin routes`);
      assert.equal((await who.request('GET', '/api/v2/status/config')).status, 403, who.username);
      assert.equal((await who.request('GET', '/api/v2/status/clouds/default?live=true')).status, 403, who.username);
      assert.equal((await who.request('GET', '/api/v2/status/clouds/default')).status, 200, who.username);
    }
    const lost = await v2Start(carol, 'carol-lost');
    app.fake().deleteBehindTheBack(lost);
    assert.equal((await admin.request('POST', '/api/v2/admin/reconcile')).status, 200);
    const summary = (await bob.request('GET', '/api/v2/status/vms/missing')).body;
    assert.ok(summary.count >= 1);
    assert.deepEqual(summary.vms, [], 'no VM ids or hostnames of others');
    const findings = (await admin.request('GET', '/api/v2/status/vms/missing')).body;
    assert.ok(findings.vms.some((m: { idVm: string }) => m.idVm === lost));
    assert.equal(findings.count, findings.vms.length);
  });
});
