// The fake cloud's crash-test features: a create whose answer is lost (the VM exists, the call
// fails), and state kept in a file that a second driver — a restarted process — loads.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fakeDriverFactory } from '../../src/drivers/fake/fake-factory.js';
import type { FakeDriver } from '../../src/drivers/fake/fake-driver.js';
import { isDispatcherError } from '../../src/domain/errors.js';
import { silentLogger } from '../support/silent-logger.js';

const dir = mkdtempSync(join(tmpdir(), 'fake-faults-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function fake(raw: Record<string, unknown>): Promise<FakeDriver> {
  const { value, error } = fakeDriverFactory.optionsSchema.validate({ bootDelayMs: 0, destroyDelayMs: 0, ...raw });
  assert.ifError(error);
  const driver = fakeDriverFactory.create({ cloudName: 'c', options: value, logger: silentLogger }) as FakeDriver;
  await driver.connect();
  return driver;
}

const CREATE = { name: 'lost', imageId: 'img-ubuntu-24', sizeId: 'small' };

describe('fake cloud: lost answers', () => {
  it('makes the VM and then fails the call like a reset connection; the request id finds it', async () => {
    const driver = await fake({ faults: { lostAnswerRate: 1 } });
    await assert.rejects(driver.createVm({ ...CREATE, requestId: 'r-1' }), (err) => isDispatcherError(err, 'provider-fault') && err.code === 'ECONNRESET');
    assert.equal(driver.size, 1, 'the cloud holds the VM');
    const found = await driver.findVmByRequestId('r-1');
    assert.equal(found?.name, 'lost');
    assert.equal(await driver.findVmByRequestId('r-2'), null);
  });
});

describe('fake cloud: state file', () => {
  it('outlives the driver: a second driver over the file sees the VMs, their request ids and deletions', async () => {
    const statePath = join(dir, 'cloud.json');
    const first = await fake({ statePath, preload: { count: 2 } });
    const vm = await first.createVm({ ...CREATE, requestId: 'r-keep' });
    const gone = await first.createVm({ ...CREATE, name: 'gone', requestId: 'r-gone' });
    await first.destroyVm(gone.id);
    assert.ok(existsSync(statePath));
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left behind');

    const second = await fake({ statePath, preload: { count: 2 } });
    assert.equal(second.size, 3, 'two preloaded (not preloaded again) and the kept VM');
    assert.equal((await second.findVmByRequestId('r-keep'))?.id, vm.id);
    assert.equal(await second.getVm(gone.id), null);
    const again = await second.createVm({ ...CREATE, requestId: 'r-keep' });
    assert.equal(again.id, vm.id, 'a request id seen before the restart still names its VM');
  });
});

describe('fake cloud: cancellation', () => {
  it('a create hung by the timeout fault ends when its signal aborts, and makes no VM', { timeout: 30_000 }, async () => {
    const driver = await fake({ faults: { timeoutRate: 1, hangMs: 600_000 } });
    const controller = new AbortController();
    const pending = driver.createVm({ ...CREATE, requestId: 'r-abort' }, controller.signal);
    controller.abort(new Error('pool timeout'));
    await assert.rejects(pending);
    assert.equal(driver.size, 0, 'an aborted create does nothing at the cloud');
    driver.setFaults({ timeoutRate: 0 });
    assert.equal(await driver.findVmByRequestId('r-abort'), null);
  });
});

describe('fake cloud: one state file, several drivers (processes sharing a cloud)', () => {
  it('loses no write: interleaved creates and deletes through two drivers are all seen by both', async () => {
    const statePath = join(dir, 'shared.json');
    const a = await fake({ statePath, latencyMs: 1, jitterMs: 3 });
    const b = await fake({ statePath, latencyMs: 1, jitterMs: 3 });
    const made = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).createVm({ ...CREATE, name: `s-${i}`, requestId: `s-${i}` })),
    );
    assert.equal(new Set(made.map((vm) => vm.id)).size, 40);
    assert.equal((await a.listVms()).length, 40);
    assert.equal((await b.listVms()).length, 40);
    await Promise.all(made.slice(0, 10).map((vm, i) => (i % 2 ? b : a).destroyVm(vm.id)));
    assert.equal((await a.listVms()).length, 30, 'a destroy through one driver is seen by the other');
    assert.equal((await b.listVms()).length, 30);
    assert.ok(await a.findVmByRequestId('s-39'), 'b sees a request id a created');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(existsSync(`${statePath}.lock`), false, 'the lock is released once the calls are done');
  });
});
