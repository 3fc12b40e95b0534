// The fake cloud's lookups after its per-VM bookkeeping was slimmed (a lone id per name instead
// of a Set, a VM's open-ports Set made by its first open port): names shared by several VMs, and
// ports surviving the state file, still answer as before.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fakeDriverFactory } from '../../src/drivers/fake/fake-factory.js';
import type { FakeDriver } from '../../src/drivers/fake/fake-driver.js';
import { silentLogger } from '../support/silent-logger.js';

const dir = mkdtempSync(join(tmpdir(), 'fake-indexes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function fake(raw: Record<string, unknown> = {}): Promise<FakeDriver> {
  const { value, error } = fakeDriverFactory.optionsSchema.validate({ bootDelayMs: 0, destroyDelayMs: 0, ...raw });
  assert.ifError(error);
  const driver = fakeDriverFactory.create({ cloudName: 'c', options: value, logger: silentLogger }) as FakeDriver;
  await driver.connect();
  return driver;
}

const create = (driver: FakeDriver, name: string, requestId: string) => driver.createVm({ name, imageId: 'img-ubuntu-24', sizeId: 'small', requestId });

describe('fake cloud: lookups by name', () => {
  it('finds each VM of a shared name until the last is deleted, and a lone name until it is', async () => {
    const driver = await fake();
    const a = await create(driver, 'twin', 'r-a');
    const b = await create(driver, 'twin', 'r-b');
    const c = await create(driver, 'twin', 'r-c');
    const lone = await create(driver, 'lone', 'r-l');
    assert.equal((await driver.findVmByName('twin'))?.id, a.id, 'the first made');
    await driver.destroyVm(a.id);
    await driver.listVms(); // the deletion falls due and the VM is forgotten
    assert.equal((await driver.findVmByName('twin'))?.id, b.id);
    await driver.destroyVm(b.id);
    await driver.listVms();
    assert.equal((await driver.findVmByName('twin'))?.id, c.id);
    await driver.destroyVm(c.id);
    await driver.listVms();
    assert.equal(await driver.findVmByName('twin'), null);
    assert.equal((await driver.findVmByName('lone'))?.id, lone.id);
    await driver.destroyVm(lone.id);
    await driver.listVms();
    assert.equal(await driver.findVmByName('lone'), null);
    const again = await create(driver, 'lone', 'r-l2');
    assert.equal((await driver.findVmByName('lone'))?.id, again.id, 'a name freed can be taken again');
  });
});

describe('fake cloud: open ports', () => {
  it('are none until one is opened, and the state file keeps them (and none for the others)', async () => {
    const statePath = join(dir, 'ports.json');
    const driver = await fake({ statePath });
    const vm = await create(driver, 'web', 'r-w');
    const other = await create(driver, 'db', 'r-d');
    assert.deepEqual(driver.openPorts(vm.id), []);
    await driver.openPort(vm.id, { protocol: 'tcp', port: 443, cidr: '0.0.0.0/0' });
    await driver.openPort(vm.id, { protocol: 'tcp', port: 443, cidr: '0.0.0.0/0' });
    assert.deepEqual(driver.openPorts(vm.id), ['tcp:443:0.0.0.0/0']);
    await driver.closePort(other.id, { protocol: 'tcp', port: 22, cidr: '0.0.0.0/0' }); // nothing open: no error
    const saved = JSON.parse(readFileSync(statePath, 'utf8')) as { vms: { vm: { id: string }; ports: string[] }[] };
    assert.deepEqual(saved.vms.map((v) => [v.vm.id, v.ports]), [[vm.id, ['tcp:443:0.0.0.0/0']], [other.id, []]]);
    const restarted = await fake({ statePath });
    assert.deepEqual(restarted.openPorts(vm.id), ['tcp:443:0.0.0.0/0']);
    assert.deepEqual(restarted.openPorts(other.id), []);
    await restarted.closePort(vm.id, { protocol: 'tcp', port: 443, cidr: '0.0.0.0/0' });
    assert.deepEqual(restarted.openPorts(vm.id), []);
  });
});
