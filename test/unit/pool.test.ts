import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildConfig } from '../../src/config/config-loader.js';
import { DispatcherError } from '../../src/domain/errors.js';
import { CloudPool } from '../../src/pool/cloud-pool.js';
import { ConcurrencyLimit } from '../../src/pool/concurrency-limit.js';
import { silentLogger } from '../support/silent-logger.js';
import { DRIVERS } from '../../src/drivers/driver-registry.js';

function pool(clouds: Record<string, unknown>[]): CloudPool {
  return new CloudPool(buildConfig({ clouds }, DRIVERS).clouds, silentLogger, DRIVERS);
}

describe('CloudConnection pool', () => {
  it('resolves names and aliases to one lazily created driver per cloud, and 404s the rest', () => {
    const p = pool([{ name: 'a', driver: 'fake', aliases: ['alpha'] }, { name: 'b', driver: 'fake', default: true }]);
    assert.equal(p.resolve('alpha'), p.resolve('a'));
    assert.equal(p.resolve().name, 'b', 'the default cloud');
    assert.equal(p.resolve('a').driver, p.resolve('a').driver);
    assert.throws(() => p.resolve('c'), (err: unknown) => err instanceof DispatcherError && err.kind === 'not-found' && err.subject === 'cloud');
    assert.throws(() => p.resolve('constructor'), DispatcherError, 'no prototype lookups');
  });

  it('keeps at most `concurrency` calls in flight per cloud, first in first out', async () => {
    const limit = new ConcurrencyLimit(2);
    let inFlight = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (async () => {
          const release = await limit.acquire();
          inFlight++;
          peak = Math.max(peak, inFlight);
          await sleep(5);
          order.push(i);
          inFlight--;
          release();
        })(),
      ),
    );
    assert.equal(peak, 2);
    assert.deepEqual(order.slice(0, 2).sort(), [0, 1]);
    assert.equal(limit.inFlight, 0);
  });

  it("on a full cloud, answers that come in together hand their slots on before any caller's own work runs", async () => {
    const p = pool([{ name: 'a', driver: 'fake', concurrency: 2 }]);
    const events: string[] = [];
    const answer = new Map<number, () => void>();
    const sent = async (n: number) => {
      while (answer.size < n) await new Promise((resolve) => setImmediate(resolve));
    };
    const calls = [0, 1, 2, 3].map((i) =>
      p
        .resolve('a')
        .call('listVms', 'list', () => {
          events.push(`sent ${i}`);
          return new Promise<number>((resolve) => answer.set(i, () => resolve(i)));
        })
        .then((v) => events.push(`caller ${v}`)),
    );
    await sent(2);
    // Two answers in one turn of the event loop, as a round of creates answering together.
    (answer.get(0) as () => void)();
    (answer.get(1) as () => void)();
    await sent(4);
    for (const i of [2, 3]) (answer.get(i) as () => void)();
    await Promise.all(calls);
    assert.deepEqual(events.slice(0, 4), ['sent 0', 'sent 1', 'sent 2', 'sent 3'], events.join(', '));
    await p.close();
  });

  it('fails a call slower than callTimeoutMs with a 504 timeout', async () => {
    const p = pool([{ name: 'slow', driver: 'fake', callTimeoutMs: 50, options: { latencyMs: 500 } }]);
    await assert.rejects(p.resolve('slow').call('listVms', 'list', (d) => d.listVms()), (err: unknown) => {
      assert.ok(err instanceof DispatcherError);
      assert.equal(err.kind, 'timeout');
      assert.equal(err.status, 504);
      return true;
    });
    await p.close();
  });

  it('refuses a missing capability with 501 without calling the cloud', async () => {
    const p = pool([{ name: 'a', driver: 'fake', options: { capabilities: ['list', 'get', 'create', 'destroy'] } }]);
    let called = false;
    await assert.rejects(
      p.resolve('a').call('listTenants', 'tenants', async (d) => {
        called = true;
        return d.listTenants();
      }),
      (err: unknown) => err instanceof DispatcherError && err.status === 501,
    );
    assert.equal(called, false);
  });
});
