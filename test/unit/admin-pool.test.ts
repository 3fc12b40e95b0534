import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildConfig } from '../../src/config/config-loader.js';
import type { FakeDriver } from '../../src/drivers/fake/fake-driver.js';
import { CloudPool } from '../../src/pool/cloud-pool.js';
import { silentLogger } from '../support/silent-logger.js';
import { waitFor } from '../support/wait-for.js';
import { DRIVERS } from '../../src/drivers/driver-registry.js';

function configs(clouds: Record<string, unknown>[]) {
  return buildConfig({ clouds }, DRIVERS).clouds;
}

describe('CloudPool operator settings and reload', () => {
  it('applies enabled/allocation overrides over the config and hands them back to it', () => {
    const pool = new CloudPool(configs([{ name: 'a', driver: 'fake', allocation: 5 }, { name: 'b', driver: 'fake', enabled: false }]), silentLogger, DRIVERS);
    assert.deepEqual([pool.isEnabled('a'), pool.settings('a').allocation], [true, 5]);
    assert.equal(pool.isEnabled('b'), false);
    pool.applyOverrides(new Map([['a', { enabled: false, allocation: null }], ['b', { enabled: true, allocation: 2 }]]), []);
    assert.deepEqual([pool.isEnabled('a'), pool.settings('a').allocation], [false, undefined], 'null allocation = no limit');
    assert.deepEqual([pool.isEnabled('b'), pool.settings('b').allocation], [true, 2]);
    pool.applyOverrides(new Map(), []);
    assert.deepEqual([pool.isEnabled('a'), pool.settings('a').allocation, pool.isEnabled('b')], [true, 5, false]);
  });

  it('adds and hides aliases, refusing none silently: a clashing alias is reported, not applied', () => {
    const pool = new CloudPool(configs([{ name: 'a', driver: 'fake', aliases: ['alpha'] }, { name: 'b', driver: 'fake' }]), silentLogger, DRIVERS);
    const warnings = pool.applyOverrides(new Map(), [
      { alias: 'first', cloud: 'a', removed: false },
      { alias: 'alpha', cloud: 'a', removed: true },
      { alias: 'b', cloud: 'a', removed: false },
      { alias: 'x', cloud: 'gone', removed: false },
    ]);
    assert.equal(pool.resolve('first').name, 'a');
    assert.throws(() => pool.resolve('alpha'), /not configured/);
    assert.equal(pool.resolve('b').name, 'b', 'a name is never shadowed by an alias');
    assert.deepEqual(pool.settings('a').aliases, ['first']);
    assert.equal(warnings.length, 2);
  });

  it('reload keeps unchanged connections, swaps changed ones only after their calls finish, drops removed clouds', async () => {
    const pool = new CloudPool(
      configs([
        { name: 'keep', driver: 'fake' },
        { name: 'slow', driver: 'fake', options: { latencyMs: 150 } },
        { name: 'gone', driver: 'fake' },
      ]),
      silentLogger,
      DRIVERS,
    );
    const keep = pool.resolve('keep');
    const slow = pool.resolve('slow');
    const inFlight = slow.call('listImages', 'images', (d) => d.listImages());
    await waitFor('the call to be in flight', () => slow.load.inFlight === 1);
    const { result } = pool.reload(
      configs([
        { name: 'keep', driver: 'fake', aliases: ['k'] },
        { name: 'slow', driver: 'fake', options: { latencyMs: 0 } },
        { name: 'new', driver: 'fake' },
      ]),
    );
    assert.deepEqual(result, { added: ['new'], removed: ['gone'], changed: ['keep'], reconnected: ['slow'], unchanged: [] });
    assert.equal(pool.resolve('k'), keep, 'an alias-only change keeps the connection');
    assert.notEqual(pool.resolve('slow'), slow);
    assert.equal(slow.closing, true);
    assert.equal(pool.retiring, 2);
    const images = await inFlight;
    assert.ok(images.length > 0, 'the call in flight finished on the old connection');
    await waitFor('the old connection to close', () => pool.retiring === 0);
    assert.throws(() => pool.resolve('gone'), /not configured/);
    assert.equal((pool.resolve('slow').driver as FakeDriver).calls.listImages ?? 0, 0);
    await pool.close();
  });
});
