// The Cistern client against a misbehaving Cistern: every fault is a 502 naming the host and
// what happened (never an empty answer the caller acts on), and Cistern's own refusals are 409s
// carrying its message.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CisternTracker, createCisternTracker } from '../../src/cistern/cistern-client.js';
import type { Tracker } from '../../src/cistern/tracker.js';
import { DispatcherError } from '../../src/domain/errors.js';
import { silentLogger } from '../support/silent-logger.js';
import { CisternDouble, startCisternDouble } from '../support/cistern/cistern-double.js';

const assignAda = { idVm: 'vm-1', user: 'ada', vmType: 'worker' };

async function rejectsWith(promise: Promise<unknown>, kind: DispatcherError['kind'], message: string | RegExp): Promise<DispatcherError> {
  let caught: unknown;
  await promise.then(
    (value) => assert.fail(`expected ${kind}, got ${JSON.stringify(value)}`),
    (err: unknown) => (caught = err),
  );
  assert.ok(caught instanceof DispatcherError, `expected a DispatcherError, got ${String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else assert.match(caught.message, message);
  return caught;
}

describe('cistern client faults', () => {
  let double: CisternDouble;
  let tracker: Tracker;
  let at: string;

  beforeEach(async () => {
    double = await startCisternDouble();
    double.seed('default', [{ id_vm: 'vm-1', hostname: 'host-1' }]);
    tracker = createCisternTracker({ url: double.url, timeoutMs: 300 }, silentLogger);
    at = `Cistern at ${double.host}`;
  });
  afterEach(async () => {
    await tracker.close();
    await double.close();
  });

  it('reports a refused connection as a 502 naming the host, and recovers when Cistern is back', async () => {
    await tracker.listNodes('default', false); // leaves a keep-alive socket that refuse() drops
    await double.refuse();
    const err = await rejectsWith(tracker.listNodes('default', false), 'tracker-fault', `${at}: connection refused`);
    assert.equal(err.status, 502);
    await rejectsWith(tracker.assign('default', assignAda), 'tracker-fault', `${at}: connection refused`);
    await rejectsWith(tracker.release('default', 'vm-1'), 'tracker-fault', `${at}: connection refused`);
    await double.accept();
    assert.equal((await tracker.listNodes('default', false)).length, 1);
  });

  it('gives up on a Cistern that never answers after the configured timeout', async () => {
    double.fail({ kind: 'hang' }, { call: 'assign' });
    const started = Date.now();
    await rejectsWith(tracker.assign('default', assignAda), 'tracker-fault', `${at}: did not answer within 300 ms`);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 2_000, `gave up after ${elapsed} ms`);
    assert.equal(double.received('assign').length, 1, 'an assign is not repeated: it may have happened');
  });

  it('gives up on an answer that trickles in, after the same deadline', { timeout: 5_000 }, async () => {
    double.fail({ kind: 'trickle', intervalMs: 20 });
    const started = Date.now();
    await rejectsWith(tracker.listNodes('default', false), 'tracker-fault', `${at}: did not answer within 300 ms`);
    assert.ok(Date.now() - started < 2_000);
  });

  it('reports an HTTP 5xx, with Cistern\'s message when it sent one', async () => {
    double.fail({ kind: 'http-status', status: 500 });
    await rejectsWith(tracker.listNodes('default', true), 'tracker-fault', `${at}: answered HTTP 500`);
    double.fail({ kind: 'error', message: 'database is locked', httpStatus: 503 }, { call: 'assign' });
    await rejectsWith(tracker.assign('default', assignAda), 'tracker-fault', `${at}: answered HTTP 503: database is locked`);
  });

  it('reports a non-JSON answer with its content type', async () => {
    double.fail({ kind: 'html' }, { call: 'release' });
    await rejectsWith(tracker.release('default', 'vm-1'), 'tracker-fault', `${at}: answered non-JSON (text/html) with HTTP 200`);
  });

  it('reports a wrong base path (an HTML 404) as a fault, not as an empty list', async () => {
    const wrong = createCisternTracker({ url: `http://${double.host}/api/v2`, timeoutMs: 300 }, silentLogger);
    try {
      await rejectsWith(wrong.listNodes('default', false), 'tracker-fault', `${at}: answered non-JSON (text/html) with HTTP 404`);
    } finally {
      await wrong.close();
    }
  });

  it('reports an answer of an unexpected shape, saying what is wrong with it', async () => {
    double.fail({ kind: 'shape', body: { status: 'ok' } });
    await rejectsWith(tracker.listNodes('default', false), 'tracker-fault', `${at}: answered an unexpected shape: "nodes" is required`);
    double.fail({ kind: 'shape', body: { status: 'ok', nodes: [{ id: '1', id_vm: 'vm-1' }] } });
    await rejectsWith(tracker.listNodes('default', false), 'tracker-fault', /unexpected shape: "nodes\[0\]\.id" must be a number$/);
    double.fail({ kind: 'shape', body: { status: 'ok', id_vm: 'vm-1', id: 1 } }, { call: 'assign' });
    await rejectsWith(tracker.assign('default', assignAda), 'tracker-fault', /unexpected shape: "result" is required$/);
    double.fail({ kind: 'shape', body: { status: 'maybe' } }, { call: 'release' });
    await rejectsWith(tracker.release('default', 'vm-1'), 'tracker-fault', /unexpected shape: "status" must be \[ok\]$/);
    double.fail({ kind: 'shape', body: [] });
    await rejectsWith(tracker.listNodes('default', false), 'tracker-fault', /unexpected shape/);
  });

  it("turns Cistern's own refusal into a 409 carrying its message", async () => {
    double.fail({ kind: 'error', message: 'Node host-1 is reserved' }, { call: 'assign' });
    const err = await rejectsWith(tracker.assign('default', assignAda), 'conflict', 'Node host-1 is reserved');
    assert.equal(err.status, 409);
    assert.equal(err.code, 'CisternError');
    double.fail({ kind: 'error', message: 'no such cloud', httpStatus: 404 });
    await rejectsWith(tracker.listNodes('default', false), 'conflict', 'no such cloud');
  });

  it('reports health without throwing: reachable, refusing, or faulty', async () => {
    const up = await tracker.health();
    assert.deepEqual({ kind: up.kind, ok: up.ok }, { kind: 'cistern', ok: true });
    assert.match(up.detail, new RegExp(`^${at}: answered in \\d+ ms \\(1 active nodes in default\\)$`));
    double.fail({ kind: 'error', message: 'unknown cloud default' }, { times: 1 });
    assert.equal((await tracker.health()).ok, true, 'a refusal proves Cistern is up');
    double.fail({ kind: 'html' }, { times: 1 });
    assert.deepEqual(await tracker.health(), { kind: 'cistern', ok: false, detail: `${at}: answered non-JSON (text/html) with HTTP 200` });
    await double.refuse();
    assert.deepEqual(await tracker.health(), { kind: 'cistern', ok: false, detail: `${at}: connection refused` });
  });

  it('probes health within its own, shorter deadline', async () => {
    const probing = createCisternTracker({ url: double.url, timeoutMs: 5_000, healthTimeoutMs: 100, probeCloud: 'lab' }, silentLogger);
    try {
      double.fail({ kind: 'hang' });
      assert.deepEqual(await probing.health(), { kind: 'cistern', ok: false, detail: `${at}: did not answer within 100 ms` });
      assert.deepEqual(double.requests.map((r) => [r.method, r.rawPath, r.body]), [['GET', '/api/v1/nodes/lab', { with_faulty_nodes: false }]]);
    } finally {
      await probing.close();
    }
  });

  it('names the default port of the scheme when the URL has none', () => {
    assert.equal(new CisternTracker({ url: 'https://cistern.example.org/api/v1', timeoutMs: 100 }).endpoint, 'cistern.example.org:443');
    assert.equal(new CisternTracker({ url: 'http://[::1]/api/v1', timeoutMs: 100 }).endpoint, '[::1]:80');
  });

  it('refuses a configuration it cannot use', () => {
    assert.throws(() => createCisternTracker({ url: 'not a url', timeoutMs: 100 }), /cistern.url is not a URL/);
    assert.throws(() => createCisternTracker({ url: 'ftp://h/api/v1', timeoutMs: 100 }), /must be http or https/);
    assert.throws(() => createCisternTracker({ url: 'http://u:p@h/api/v1', timeoutMs: 100 }), /must not carry credentials/);
    assert.throws(() => createCisternTracker({ url: 'http://h/api/v1', timeoutMs: 0 }), /timeoutMs must be a positive number/);
  });
});
