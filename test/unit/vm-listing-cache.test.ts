// List pages share one listing of a cloud (in flight, or finished less than listCacheMs ago), and
// the dispatcher's own changes to the cloud drop it at once. The clock is the test's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildConfig } from '../../src/config/config-loader.js';
import { DispatcherError } from '../../src/domain/errors.js';
import type { Vm } from '../../src/domain/vm-model.js';
import { DRIVERS } from '../../src/drivers/driver-registry.js';
import { fakeDriverFactory } from '../../src/drivers/fake/fake-factory.js';
import type { FakeDriver } from '../../src/drivers/fake/fake-driver.js';
import { CloudConnection } from '../../src/pool/cloud-connection.js';
import { VmListingCache } from '../../src/services/vm-listing-cache.js';
import { silentLogger } from '../support/silent-logger.js';

function setup(listCacheMs: number) {
  const [config] = buildConfig({ clouds: [{ name: 'one', driver: 'fake', listCacheMs, options: { latencyMs: 0, bootDelayMs: 0, stopDelayMs: 0, destroyDelayMs: 0, preload: { count: 3 } } }] }, DRIVERS).clouds;
  const cloud = new CloudConnection(config, fakeDriverFactory, silentLogger);
  const fake = cloud.driver as FakeDriver;
  const clock = { now: 1_000 };
  const cache = new VmListingCache(() => clock.now);
  const list = () => cache.list(cloud, () => cloud.call('listVms', 'list', (d, signal) => d.listVms({}, signal)));
  const create = (name: string) => cloud.call('createVm', 'create', (d, signal) => d.createVm({ name, imageId: 'img-ubuntu-24', sizeId: 'small', requestId: name }, signal));
  return { cloud, fake, clock, list, create, listings: () => fake.calls.listVms ?? 0 };
}

const names = (vms: readonly Vm[]) => vms.map((vm) => vm.name).sort();

describe('the listing list pages share', () => {
  it('is one driver listing for concurrent pages', async () => {
    const { list, listings } = setup(1_000);
    const all = await Promise.all(Array.from({ length: 10 }, () => list()));
    assert.equal(listings(), 1);
    assert.ok(all.every((listing) => listing === all[0]));
    assert.equal(all[0].vms.length, 3);
  });

  it('serves within listCacheMs of its start, then lists again', async () => {
    const { list, clock, listings } = setup(1_000);
    const first = await list();
    clock.now += 999;
    assert.equal(await list(), first);
    assert.equal(listings(), 1);
    clock.now += 1;
    assert.notEqual(await list(), first);
    assert.equal(listings(), 2);
  });

  it('shows a change made elsewhere once listCacheMs has passed', async () => {
    const { list, clock, fake } = setup(1_000);
    await list();
    await fake.createVm({ name: 'behind-its-back', imageId: 'img-ubuntu-24', sizeId: 'small', requestId: 'x' }); // not through the connection
    assert.ok(!names((await list()).vms).includes('behind-its-back'), 'within the window');
    clock.now += 1_000;
    assert.ok(names((await list()).vms).includes('behind-its-back'), 'after the window');
  });

  it('is dropped by any change the dispatcher makes through the connection: create, destroy, power', async () => {
    const { list, create, cloud, listings } = setup(60_000);
    await list();
    const vm = await create('mine');
    assert.ok(names((await list()).vms).includes('mine'));
    assert.equal(listings(), 2);
    await cloud.call('stopVm', 'power', (d) => d.stopVm(vm.id));
    await list();
    await cloud.call('destroyVm', 'destroy', (d) => d.destroyVm(vm.id));
    await list();
    assert.equal(listings(), 4);
    await list();
    assert.equal(listings(), 4, 'reads (lists, gets) change nothing');
    await cloud.call('getVm', 'get', (d) => d.getVm(vm.id));
    await list();
    assert.equal(listings(), 4);
  });

  it('is not joined once a change started after it began (a page after my create never gets a listing from before it)', async () => {
    const { list, create, fake, listings } = setup(60_000);
    fake.setFaults({ answerDelayMs: 20 }); // the create is in the cloud, its answer not yet back
    const early = list();
    const created = create('racing');
    const late = list(); // the create is in flight: this listing may or may not see it, but it is new
    await created;
    const after = await list(); // the create ended since `late` began
    assert.notEqual(await early, await late);
    assert.notEqual(after, await late);
    assert.ok(names(after.vms).includes('racing'));
    assert.equal(listings(), 3);
  });

  it('with listCacheMs 0, every page lists the cloud', async () => {
    const { list, listings } = setup(0);
    await Promise.all([list(), list(), list()]);
    await list();
    assert.equal(listings(), 4);
  });

  it('never serves a failed listing again', async () => {
    const { list, fake, listings } = setup(60_000);
    fake.setFaults({ errorRate: 1 });
    await assert.rejects(list(), (err: unknown) => err instanceof DispatcherError);
    fake.setFaults({ errorRate: 0 });
    assert.equal((await list()).vms.length, 3);
    assert.equal(listings(), 2);
  });

  it('lets go of a listing once listCacheMs has passed, not at the next page', async () => {
    const [config] = buildConfig({ clouds: [{ name: 'one', driver: 'fake', listCacheMs: 30, options: { latencyMs: 0, preload: { count: 3 } } }] }, DRIVERS).clouds;
    const cloud = new CloudConnection(config, fakeDriverFactory, silentLogger);
    const cache = new VmListingCache();
    await cache.list(cloud, () => cloud.call('listVms', 'list', (d) => d.listVms({})));
    assert.equal(cache.holds(cloud), true);
    await sleep(100);
    assert.equal(cache.holds(cloud), false);
  });

  it('derives what pages need once per listing', async () => {
    const { list, clock } = setup(1_000);
    let made = 0;
    const count = (vms: readonly Vm[]) => {
      made++;
      return vms.length;
    };
    assert.equal((await list()).derive(count), 3);
    assert.equal((await list()).derive(count), 3);
    assert.equal(made, 1);
    clock.now += 1_000;
    (await list()).derive(count);
    assert.equal(made, 2);
  });
});
