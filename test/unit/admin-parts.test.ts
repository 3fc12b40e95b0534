import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { redactConfig, redactUrl } from '../../src/admin/config-redact.js';
import { Heartbeats } from '../../src/admin/heartbeats.js';
import { KeyedMutex } from '../../src/admin/keyed-mutex.js';
import { percentile, stats } from '../../src/admin/vm-metrics.js';
import { buildConfig } from '../../src/config/config-loader.js';
import { DRIVERS } from '../../src/drivers/driver-registry.js';

describe('startup statistics', () => {
  it('computes min, median (mean of the middle two when even), nearest-rank p95 and max', () => {
    assert.deepEqual(stats([]), { count: 0, minMs: 0, medianMs: 0, p95Ms: 0, maxMs: 0 });
    assert.deepEqual(stats([300, 100, 200]), { count: 3, minMs: 100, medianMs: 200, p95Ms: 300, maxMs: 300 });
    assert.equal(stats([1, 2, 3, 4]).medianMs, 2.5);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(hundred, 95), 95);
    assert.equal(percentile(hundred, 100), 100);
    assert.equal(percentile([7], 95), 7);
  });
});

describe('config redaction', () => {
  it('redacts driver secrets, the admin password, the Cistern token and database URL passwords', () => {
    const config = buildConfig({
      database: { url: 'postgres://dispatcher:s3cr3t@db.example:5432/dispatch' },
      auth: { adminPassword: 'admin-secret-1' },
      cistern: { url: 'https://cistern.example', token: 'cistern-secret' },
      clouds: [
        { name: 'aws', driver: 'ec2', options: { region: 'eu-west-1', accessKeyId: 'AKID', secretAccessKey: 'aws-secret' } },
        { name: 'fake', driver: 'fake', options: { seed: 3 } },
      ],
    }, DRIVERS);
    const redacted = redactConfig(config, (driver) => DRIVERS.get(driver)?.secretOptions ?? []) as any;
    const text = JSON.stringify(redacted);
    for (const secret of ['s3cr3t', 'admin-secret-1', 'cistern-secret', 'aws-secret', 'AKID']) assert.equal(text.includes(secret), false, secret);
    assert.equal(redacted.database.url, 'postgres://dispatcher:[redacted]@db.example:5432/dispatch');
    assert.equal(redacted.clouds[0].options.region, 'eu-west-1');
    assert.equal(redacted.clouds[1].options.seed, 3);
    assert.equal(config.auth.adminPassword, 'admin-secret-1', 'the running config is untouched');
    assert.equal(redactUrl('sqlite:./data/x.sqlite'), 'sqlite:./data/x.sqlite');
  });
});

describe('heart-beats', () => {
  it('calls a worker late after two intervals (and a second) without a beat, and never a stopped one', () => {
    let now = 1_000_000;
    const beats = new Heartbeats(() => now);
    beats.started('w', 1000);
    now += 2500;
    assert.equal(beats.list()[0].late, false);
    now += 600;
    assert.equal(beats.list()[0].late, true, 'no beat since start');
    beats.beat('w');
    assert.deepEqual([beats.list()[0].late, beats.list()[0].rounds, beats.list()[0].secondsSinceLastBeat], [false, 1, 0]);
    beats.beat('w', 'store unreachable');
    assert.equal(beats.list()[0].lastError, 'store unreachable');
    now += 10_000;
    assert.equal(beats.list()[0].late, true);
    beats.stopped('w');
    assert.equal(beats.list()[0].late, false);
  });
});

describe('keyed mutex', () => {
  it('runs one holder per key at a time, other keys in parallel, and survives a failure', async () => {
    const mutex = new KeyedMutex();
    const order: string[] = [];
    const task = (key: string, label: string, ms: number, fail = false) =>
      mutex.run(key, async () => {
        order.push(`${label}+`);
        await sleep(ms);
        order.push(`${label}-`);
        if (fail) throw new Error(label);
      });
    await Promise.allSettled([task('a', 'a1', 20, true), task('a', 'a2', 1), task('b', 'b1', 5)]);
    assert.ok(order.indexOf('a1-') < order.indexOf('a2+'), order.join(' '));
    assert.ok(order.indexOf('b1+') < order.indexOf('a1-'), 'another key does not wait');
  });
});
