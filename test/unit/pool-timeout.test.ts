// Issue 13, case 2: a call past callTimeoutMs answers 504 at once, aborts the driver's signal, and
// keeps its concurrency slot until the driver's promise settles (on main the slot was freed at
// the 504 while the cloud went on working).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildConfig } from '../../src/config/config-loader.js';
import { DispatcherError } from '../../src/domain/errors.js';
import type { Driver } from '../../src/drivers/driver.js';
import type { DriverPlugin } from '../../src/drivers/driver-plugin.js';
import { fakeDriverFactory } from '../../src/drivers/fake/fake-factory.js';
import { CloudConnection } from '../../src/pool/cloud-connection.js';
import { silentLogger } from '../support/silent-logger.js';
import { DRIVERS } from '../../src/drivers/driver-registry.js';

function connection(cloud: Record<string, unknown>, factory: DriverPlugin = fakeDriverFactory): CloudConnection {
  const [config] = buildConfig({ clouds: [{ name: 'one', driver: 'fake', ...cloud }] }, DRIVERS).clouds;
  return new CloudConnection(config, factory, silentLogger);
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (err: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every queued promise job and I/O callback run, so a call that could start has started. */
async function drain(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

const isTimeout = (err: unknown): boolean => err instanceof DispatcherError && err.kind === 'timeout' && err.status === 504;

describe('a call past its timeout', () => {
  it('answers 504 at once, aborts the signal, and holds its slot until the driver call settles', async () => {
    const cloud = connection({ concurrency: 1, callTimeoutMs: 100 });
    const hung = deferred<string>();
    let signal: AbortSignal | undefined;
    await assert.rejects(
      cloud.call('createVm', 'create', (_driver, s) => {
        signal = s;
        return hung.promise;
      }),
      isTimeout,
    );
    assert.equal(signal?.aborted, true, 'the driver sees the abort');
    assert.ok(isTimeout(signal?.reason), 'the abort reason is the 504 the caller got');
    assert.deepEqual(cloud.load, { inFlight: 1, queued: 0 }, 'the slot is still held');

    let started = false;
    const second = cloud.call('listVms', 'list', async (driver, s) => {
      started = true;
      return driver.listVms(undefined, s);
    });
    await drain();
    assert.equal(started, false, 'the second call does not reach the driver while the first is still at the cloud');
    assert.deepEqual(cloud.load, { inFlight: 1, queued: 1 });

    hung.resolve('created after all');
    assert.deepEqual(await second, []);
    assert.equal(started, true);
    assert.deepEqual(cloud.load, { inFlight: 0, queued: 0 });
  });

  it('frees the slot when the late call fails, without an unhandled rejection', async () => {
    const cloud = connection({ concurrency: 1, callTimeoutMs: 50 });
    const hung = deferred<never>();
    await assert.rejects(cloud.call('destroyVm', 'destroy', () => hung.promise), isTimeout);
    hung.reject(new DispatcherError('timeout', 'the request was aborted', { code: 'CallAborted' }));
    assert.deepEqual(await cloud.call('listImages', 'images', (d, s) => d.listImages(s)).then((images) => images.length > 0), true);
    assert.deepEqual(cloud.load, { inFlight: 0, queued: 0 });
  });

  it('holds the slot through a connect that outlives the timeout (the connection is shared, so it is not aborted)', async () => {
    const connecting = deferred<void>();
    const factory: DriverPlugin = {
      ...fakeDriverFactory,
      create(context) {
        const driver = fakeDriverFactory.create(context);
        const connect = driver.connect.bind(driver);
        return Object.assign(driver, { connect: () => connecting.promise.then(connect) }) as Driver;
      },
    };
    const cloud = connection({ concurrency: 1, callTimeoutMs: 50 }, factory);
    let reached = 0;
    await assert.rejects(cloud.call('listVms', 'list', async (d, s) => (reached++, d.listVms(undefined, s))), isTimeout);
    let started = false;
    const second = cloud.call('listSizes', 'sizes', async (d, s) => ((started = true), d.listSizes(s)));
    await drain();
    assert.equal(started, false, 'nothing reaches the cloud while the connect is still running');
    assert.deepEqual(cloud.load, { inFlight: 1, queued: 1 });
    connecting.resolve();
    assert.ok((await second).length > 0);
    assert.equal(reached, 0, 'the timed-out call was not sent after its connect finished');
  });

  it('bounds a credential renewal by the timeout too, and holds the slot until it settles', async () => {
    const renewing = deferred<void>();
    const factory: DriverPlugin = {
      ...fakeDriverFactory,
      create(context) {
        return Object.assign(fakeDriverFactory.create(context), { renewCredentials: () => renewing.promise }) as Driver;
      },
    };
    const cloud = connection({ concurrency: 1, callTimeoutMs: 50 }, factory);
    const expired = () => Promise.reject(new DispatcherError('credentials-expired', 'token expired', { code: 'TokenExpired' }));
    await assert.rejects(cloud.call('listVms', 'list', expired), isTimeout);
    assert.deepEqual(cloud.load, { inFlight: 1, queued: 0 });
    renewing.resolve();
    await drain();
    assert.deepEqual(cloud.load, { inFlight: 0, queued: 0 });
  });

  it('keeps a replaced connection open until the overdue call settles', async () => {
    const cloud = connection({ concurrency: 2, callTimeoutMs: 50 });
    const driver = cloud.driver;
    let closed = false;
    const close = driver.close.bind(driver);
    driver.close = () => ((closed = true), close());
    const hung = deferred<void>();
    await assert.rejects(cloud.call('rebootVm', 'reboot', () => hung.promise), isTimeout);
    const idle = cloud.closeWhenIdle();
    await drain();
    assert.equal(closed, false, 'the driver is not closed under a call still at the cloud');
    hung.resolve();
    await idle;
    assert.equal(closed, true);
  });

  it('leaves no timer behind once calls answer in time', async () => {
    const cloud = connection({ concurrency: 4, callTimeoutMs: 60_000 });
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    await Promise.all(Array.from({ length: 50 }, () => cloud.call('listVms', 'list', (d, s) => d.listVms(undefined, s))));
    assert.equal(timers(), before);
  });
});
