// The driver contract: every driver (fake, ec2, openstack) runs this same suite against its own
// backend, so none of them can drift from what the services rely on.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CAPABILITIES } from '../../src/domain/capabilities.js';
import { DispatcherError } from '../../src/domain/errors.js';
import { OWNERSHIP_KEYS, VM_STATES, type Vm } from '../../src/domain/vm-model.js';
import type { Driver } from '../../src/drivers/driver.js';
import { waitFor } from '../support/wait-for.js';

export interface DriverUnderTest {
  driver: Driver;
  /** An image and a size the backend knows. */
  imageId: string;
  sizeId: string;
  /** A key pair the backend knows, if any. */
  keyName?: string;
  /** Whether a create repeated with the same requestId must return the same VM (EC2 ClientToken). */
  idempotentCreate?: boolean;
  close(): Promise<void>;
}

export function describeDriverContract(label: string, setup: () => Promise<DriverUnderTest>): void {
  describe(`driver contract: ${label}`, () => {
    let t: DriverUnderTest;
    let driver: Driver;
    let vm: Vm;
    const requestId = randomUUID();
    const name = `contract-${randomUUID().slice(0, 8)}.a+b`;

    before(async () => {
      t = await setup();
      driver = t.driver;
      await driver.connect();
    });
    after(async () => {
      await driver?.close();
      await t?.close();
    });

    const has = (cap: (typeof CAPABILITIES)[number]) => driver.capabilities.has(cap);

    it('declares its identity and capabilities as data', () => {
      assert.match(driver.provider, /^[a-z0-9-]+$/);
      assert.ok(driver.displayName.length > 0);
      assert.ok(driver.host.length > 0);
      for (const cap of driver.capabilities) assert.ok(CAPABILITIES.includes(cap), `unknown capability ${cap}`);
      for (const cap of ['list', 'get', 'create', 'destroy'] as const) assert.ok(has(cap), `core capability ${cap} missing`);
    });

    it('lists images and sizes with numeric size figures', async () => {
      const images = await driver.listImages();
      assert.ok(images.some((i) => i.id === t.imageId), 'the test image is listed');
      for (const image of images) assert.equal(typeof image.name, 'string');
      const sizes = await driver.listSizes();
      const size = sizes.find((s) => s.id === t.sizeId);
      assert.ok(size, 'the test size is listed');
      for (const s of sizes) {
        for (const n of [s.ramMiB, s.vcpus, s.diskGiB]) assert.ok(Number.isFinite(n) && n >= 0, `size ${s.id} has a bad figure`);
      }
    });

    it('lists tenants and key pairs', async (ctx) => {
      if (has('tenants')) {
        const tenants = await driver.listTenants();
        assert.ok(tenants.length > 0);
        for (const tenant of tenants) assert.ok(tenant.id && typeof tenant.name === 'string');
      }
      if (!has('keypairs')) return ctx.skip('no keypairs capability');
      const keys = await driver.listKeyPairs();
      if (t.keyName) assert.ok(keys.some((k) => k.name === t.keyName));
    });

    it('creates a VM carrying its metadata and the ownership keys', async () => {
      vm = await driver.createVm({
        name,
        imageId: t.imageId,
        sizeId: t.sizeId,
        keyName: t.keyName,
        metadata: { purpose: 'contract' },
        requestId,
      });
      assert.ok(vm.id);
      assert.equal(vm.name, name);
      assert.ok(VM_STATES.includes(vm.state));
      assert.equal(vm.metadata.purpose, 'contract');
      assert.equal(vm.metadata[OWNERSHIP_KEYS.requestId], requestId, 'ownership request id recorded');
    });

    it('finds the VM by its request id at once, while it may still be pending', async () => {
      const found = await driver.findVmByRequestId(requestId);
      assert.equal(found?.id, vm.id);
      assert.equal(found?.name, name);
      assert.ok(found?.state === 'pending' || found?.state === 'running', `state ${found?.state}`);
    });

    it('answers null for a request id it never saw', async () => {
      assert.equal(await driver.findVmByRequestId(randomUUID()), null);
    });

    it('gets the VM by id and finds it by its exact name, regex characters included', async () => {
      const byId = await driver.getVm(vm.id);
      assert.equal(byId?.id, vm.id);
      const byName = await driver.findVmByName(name);
      assert.equal(byName?.id, vm.id);
      assert.equal(await driver.findVmByName(name.replace('.', 'x')), null, 'a regex-like near match is not a match');
      assert.equal(await driver.findVmByName(name.slice(0, -1)), null, 'a prefix is not a match');
    });

    it('answers null for an unknown id or name', async () => {
      assert.equal(await driver.findVmByName(`missing-${randomUUID()}`), null);
      assert.equal(await driver.getVm(unknownIdLike(vm.id)), null);
    });

    it('lists the VM', async () => {
      const all = await driver.listVms();
      assert.ok(all.some((v) => v.id === vm.id));
    });

    it('repeats a create with the same request id without a second VM, where it promises to', async (ctx) => {
      if (!t.idempotentCreate) return ctx.skip('driver does not promise idempotent create');
      const idem = randomUUID();
      const request = { name: `${name}-idem`, imageId: t.imageId, sizeId: t.sizeId, requestId: idem };
      // Two at once (a retry racing the original), then one after: still one VM.
      const [first, racing] = await Promise.all([driver.createVm(request), driver.createVm(request)]);
      const second = await driver.createVm(request);
      assert.equal(racing.id, first.id);
      assert.equal(second.id, first.id);
      const tagged = (await driver.listVms()).filter((v) => v.metadata[OWNERSHIP_KEYS.requestId] === idem);
      assert.deepEqual(tagged.map((v) => v.id), [first.id], 'one VM carries the request id');
      assert.equal((await driver.findVmByRequestId(idem))?.id, first.id);
      await driver.destroyVm(first.id);
    });

    it('brings the VM to running', async () => {
      const running = await waitFor('running', async () => {
        const current = await driver.getVm(vm.id);
        assert.notEqual(current?.state, 'error', current?.fault);
        return current?.state === 'running' ? current : null;
      });
      assert.equal(running.state, 'running');
      assert.equal((await driver.findVmByRequestId(requestId))?.state, 'running', 'found by request id once running');
    });

    it('reboots, stops and starts it', async (ctx) => {
      if (!has('reboot') || !has('power')) return ctx.skip('no power capability');
      await driver.rebootVm(vm.id);
      await waitFor('running after reboot', async () => (await driver.getVm(vm.id))?.state === 'running');
      await driver.stopVm(vm.id);
      await waitFor('stopped', async () => (await driver.getVm(vm.id))?.state === 'stopped');
      await driver.startVm(vm.id);
      await waitFor('running after start', async () => (await driver.getVm(vm.id))?.state === 'running');
    });

    it('opens and closes a port idempotently', async (ctx) => {
      if (!has('firewall')) return ctx.skip('no firewall capability');
      const rule = { port: 8080, protocol: 'tcp' as const, cidr: '0.0.0.0/0' };
      await driver.openPort(vm.id, rule);
      await driver.openPort(vm.id, rule);
      await driver.closePort(vm.id, rule);
      await driver.closePort(vm.id, rule);
    });

    it('saves the VM as an image (pending, then available), finds it by id, deletes it', async (ctx) => {
      if (!has('snapshot')) return ctx.skip('no snapshot capability');
      const saved = await driver.createImage(vm.id, { name: `${name.replace(/[^A-Za-z0-9-]/g, '-')}-img`, description: 'contract' });
      assert.ok(saved.id.length > 0);
      assert.ok(saved.state === 'pending' || saved.state === 'available', `state ${saved.state}`);
      const ready = await waitFor('the image available', async () => {
        const image = await driver.getImage(saved.id);
        assert.notEqual(image?.state, 'failed');
        return image?.state === 'available' ? image : null;
      });
      assert.equal(ready.id, saved.id);
      await driver.deleteImage(saved.id);
      await waitFor('the image gone', async () => (await driver.getImage(saved.id)) === null);
      assert.equal(await driver.getImage(`no-such-image-${randomUUID()}`.slice(0, 36)), null, 'an unknown image is null, not an error');
    });

    it('refuses a create with an unknown image as a typed 4xx error', async () => {
      await assert.rejects(
        driver.createVm({ name: `${name}-bad`, imageId: `no-such-image-${randomUUID()}`, sizeId: t.sizeId, requestId: randomUUID() }),
        (err: unknown) => err instanceof DispatcherError && err.status >= 400 && err.status < 500,
      );
    });

    it('destroys the VM: it disappears from get and list', async () => {
      await driver.destroyVm(vm.id);
      await waitFor('gone', async () => (await driver.getVm(vm.id)) === null, 15_000);
      const all = await driver.listVms();
      assert.ok(!all.some((v) => v.id === vm.id));
      assert.equal(await driver.findVmByRequestId(requestId), null, 'nor found by its request id');
    });

    it('refuses to destroy an unknown VM with not-found', async () => {
      await assert.rejects(driver.destroyVm(unknownIdLike(vm.id)), (err: unknown) => err instanceof DispatcherError && err.kind === 'not-found');
    });
  });
}

/** An id in the same format as a real one (a malformed id may be a 400 on some clouds). */
function unknownIdLike(id: string): string {
  if (/^i-[0-9a-f]+$/.test(id)) return `i-${'f'.repeat(id.length - 2)}`;
  if (/^[0-9a-f-]{36}$/.test(id)) return '00000000-0000-4000-8000-000000000000';
  return `unknown-${id}`;
}
