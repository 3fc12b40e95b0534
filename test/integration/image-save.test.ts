// Issue 16: images saved from VMs. Through the API on the fake cloud (202 → available, listed
// with its state, deleted; only images the dispatcher saved; 501 without `snapshot`), and on the
// OpenStack test server with Nova's two answer shapes: `Location` before microversion 2.45,
// `{image_id}` from 2.45 — both read, then Glance polled and deleted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, userToken } from '../support/admin-fixtures.js';
import { FAST_FAKE, startTestApp, type TestApp } from '../support/app-harness.js';
import { startOpenstackRig, type OpenstackRig } from '../support/openstack/openstack-rig.js';
import { TEST_IMAGES } from '../support/openstack/openstack-test-server.js';
import { waitFor } from '../support/wait-for.js';

describe('images saved from VMs, through API v2 on the fake cloud', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      clouds: [
        { name: 'default', driver: 'fake', default: true, options: { ...FAST_FAKE } },
        { name: 'nosnap', driver: 'fake', options: { ...FAST_FAKE, capabilities: ['list', 'get', 'create', 'destroy', 'images', 'sizes'] } },
      ],
    });
  });
  after(async () => app?.close());

  it('saves, lists with its state, deletes; refuses images it did not save', async () => {
    const vm = (await app.request('POST', '/api/v2/clouds/default/vms?wait=true', { name: 'golden-src', image: 'ubuntu-24.04', size: 'm1.small' })).body;
    const saved = await app.request('POST', `/api/v2/clouds/default/vms/${vm.id}/image`, { name: 'golden-1', description: 'provisioned' });
    assert.equal(saved.status, 202, JSON.stringify(saved.body));
    assert.equal(saved.body.kind, 'image.create');
    const op = await waitFor('the save to end', async () => {
      const current = (await app.request('GET', saved.headers.get('location') as string)).body;
      return current.state === 'succeeded' || current.state === 'failed' ? current : undefined;
    });
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    assert.equal(op.result.state, 'available');
    assert.deepEqual(op.steps.map((s: any) => s.step), ['create', 'available']);
    const listed = (await app.request('GET', '/api/v2/clouds/default/images')).body.items.find((i: any) => i.id === op.result.id);
    assert.equal(listed?.name, 'golden-1');
    assert.equal(listed?.state, 'available');

    const boot = await app.request('POST', '/api/v2/clouds/default/vms?wait=true', { name: 'from-golden', image: 'golden-1', size: 'm1.small' });
    assert.equal(boot.status, 201, 'the saved image boots a VM');

    assert.equal((await app.request('DELETE', '/api/v2/clouds/default/images/img-ubuntu-24')).status, 404, 'not saved by the dispatcher');
    assert.equal((await app.request('DELETE', `/api/v2/clouds/default/images/${op.result.id}`)).status, 204);
    assert.ok(!(await app.request('GET', '/api/v2/clouds/default/images')).body.items.some((i: any) => i.id === op.result.id));
    assert.equal((await app.request('DELETE', `/api/v2/clouds/default/images/${op.result.id}`)).status, 404, 'and forgotten');
  });

  it("a user cannot save another user's VM (404, nothing saved); its owner can", async () => {
    const bob = bearer(await userToken(app, 'image-bob'));
    const carol = bearer(await userToken(app, 'image-carol'));
    const vm = (await app.request('POST', '/api/v2/clouds/default/vms?wait=true', { name: 'bobs-src', image: 'ubuntu-24.04', size: 'm1.small' }, bob)).body;
    const saves = app.fake('default').calls.createImage ?? 0;
    const stolen = await app.request('POST', `/api/v2/clouds/default/vms/${vm.id}/image`, { name: 'carols-copy' }, carol);
    assert.equal(stolen.status, 404, JSON.stringify(stolen.body));
    assert.equal(app.fake('default').calls.createImage ?? 0, saves, 'the cloud was not asked');
    const own = await app.request('POST', `/api/v2/clouds/default/vms/${vm.id}/image`, { name: 'bobs-copy' }, bob);
    assert.equal(own.status, 202, JSON.stringify(own.body));
  });

  it('answers 501 before any cloud call where the driver lacks snapshot, and 404 for an unknown VM', async () => {
    const vm = (await app.request('POST', '/api/v2/clouds/nosnap/vms?wait=true', { name: 'plain', image: 'ubuntu-24.04', size: 'm1.small' })).body;
    const calls = { ...app.fake('nosnap').calls };
    const res = await app.request('POST', `/api/v2/clouds/nosnap/vms/${vm.id}/image`, { name: 'never' });
    assert.equal(res.status, 501);
    assert.deepEqual(app.fake('nosnap').calls, calls);
    assert.equal((await app.request('POST', '/api/v2/clouds/default/vms/no-such-vm/image', { name: 'never' })).status, 404);
  });
});

for (const { max, shape } of [{ max: '2.44', shape: 'Location' }, { max: '2.93', shape: 'image_id' }]) {
  describe(`Nova createImage at microversion ≤ ${max} (${shape})`, () => {
    let rig: OpenstackRig;
    before(async () => {
      rig = await startOpenstackRig({ microversions: { min: '2.1', max } });
      await rig.driver.connect();
    });
    after(async () => rig?.close());

    it(`reads the image id from ${shape}, polls Glance until active, deletes through Glance`, async () => {
      const vm = await rig.driver.createVm({ name: 'nova-src', imageId: TEST_IMAGES[0].id, sizeId: '1', requestId: `req-${max}` });
      rig.server.requests.length = 0;
      const image = await rig.driver.createImage(vm.id, { name: 'nova-golden', description: 'from nova' });
      const [sent] = rig.server.requests.filter((r) => r.route === 'POST /compute/v2.1/servers/{id}/action');
      assert.deepEqual(sent.body, { createImage: { name: 'nova-golden', metadata: { 'dispatcher:source-vm': vm.id, description: 'from nova' } } });
      assert.equal(image.state, 'pending');
      assert.ok(rig.server.settings.images.some((i) => i.id === image.id), 'the id Nova named');
      const first = await rig.driver.getImage(image.id);
      assert.equal(first?.state, 'pending', 'Glance says saving at first');
      await waitFor('active', async () => (await rig.driver.getImage(image.id))?.state === 'available');
      await rig.driver.deleteImage(image.id);
      assert.equal(await rig.driver.getImage(image.id), null);
      assert.ok(rig.server.requests.some((r) => r.route === 'DELETE /image/v2/images/{id}'));
    });
  });
}
