// What the Cistern client puts on the wire: the documented methods, paths and bodies, JSON
// content type on every request (GET included), the bearer token when configured and nowhere
// else, cloud names percent-encoded, and one kept-alive connection for a run of calls.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createCisternTracker } from '../../src/cistern/cistern-client.js';
import type { Tracker } from '../../src/cistern/tracker.js';
import { DispatcherError } from '../../src/domain/errors.js';
import type { Logger } from '../../src/log/logger.js';
import { CisternDouble, startCisternDouble } from '../support/cistern/cistern-double.js';

const TOKEN = 's3cret-cistern-token';

/** A logger that keeps everything it is given, to prove what never reaches the logs. */
function capturingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (obj: object | string, msg?: string) => void lines.push(JSON.stringify([obj, msg]));
  return { lines, debug: keep, info: keep, warn: keep, error: keep };
}

describe('cistern client on the wire', () => {
  let double: CisternDouble;
  let tracker: Tracker;
  let logger: ReturnType<typeof capturingLogger>;

  beforeEach(async () => {
    double = await startCisternDouble({ token: TOKEN });
    logger = capturingLogger();
    tracker = createCisternTracker({ url: double.url, timeoutMs: 1_000, token: TOKEN }, logger);
  });
  afterEach(async () => {
    await tracker.close();
    await double.close();
  });

  it('sends the documented method, path and body for each call', async () => {
    const cloud = 'lab cloud/ä';
    double.seed(cloud, [{ id_vm: 'vm-1', hostname: 'host-1' }]);
    await tracker.listNodes(cloud, true);
    await tracker.listNodes(cloud, false);
    await tracker.assign(cloud, { idVm: 'vm-1', user: 'ada', vmType: 'worker' });
    await tracker.release(cloud, 'vm-1');
    const encoded = 'lab%20cloud%2F%C3%A4';
    assert.deepEqual(
      double.requests.map((r) => ({ method: r.method, rawPath: r.rawPath, cloud: r.cloud, body: r.body })),
      [
        { method: 'GET', rawPath: `/api/v1/nodes/${encoded}`, cloud, body: { with_faulty_nodes: true } },
        { method: 'GET', rawPath: `/api/v1/nodes/${encoded}`, cloud, body: { with_faulty_nodes: false } },
        // Assign and release name a VM by id: the client checks the hostname names it alone first.
        { method: 'GET', rawPath: `/api/v1/nodes/${encoded}`, cloud, body: { with_faulty_nodes: true } },
        { method: 'POST', rawPath: `/api/v1/vm/assign/${encoded}`, cloud, body: { hostname: 'host-1', user: 'ada', vm_type: 'worker' } },
        { method: 'GET', rawPath: `/api/v1/nodes/${encoded}`, cloud, body: { with_faulty_nodes: true } },
        { method: 'PUT', rawPath: `/api/v1/vm/release/${encoded}`, cloud, body: { hostname: 'host-1' } },
      ],
    );
    for (const r of double.requests) {
      assert.match(r.contentType ?? '', /^application\/json\b/, `${r.method} ${r.rawPath} declares JSON`);
      assert.equal(r.authorization, `Bearer ${TOKEN}`);
    }
  });

  it('sends no Authorization header without a token', async () => {
    const open = await startCisternDouble();
    const anonymous = createCisternTracker({ url: open.url, timeoutMs: 1_000 });
    try {
      await anonymous.listNodes('default', false);
      assert.equal(open.requests[0].authorization, undefined);
    } finally {
      await anonymous.close();
      await open.close();
    }
  });

  it('reports a rejected token as a fault that does not reveal the token', async () => {
    const wrong = createCisternTracker({ url: double.url, timeoutMs: 1_000, token: 'not-the-token' }, logger);
    try {
      let caught: unknown;
      await wrong.assign('default', { idVm: 'vm-1', user: 'u', vmType: 't' }).catch((err: unknown) => (caught = err));
      assert.ok(caught instanceof DispatcherError);
      assert.equal(caught.kind, 'tracker-fault');
      assert.equal(caught.message, `Cistern at ${double.host}: answered HTTP 401`);
      assert.equal(caught.cause, undefined, 'no axios error (whose config holds the token) rides along');
      assert.ok(!JSON.stringify(caught.details).includes('not-the-token'));
    } finally {
      await wrong.close();
    }
  });

  it('never logs the token, whatever happens', async () => {
    double.seed('default', [{ id_vm: 'vm-1', hostname: 'host-1' }]);
    await tracker.listNodes('default', true);
    await tracker.assign('default', { idVm: 'vm-1', user: 'ada', vmType: 'worker' });
    await tracker.assign('default', { idVm: 'vm-1', user: 'bob', vmType: 'worker' }).catch(() => {});
    double.fail({ kind: 'http-status', status: 500 }, { times: 1 });
    await tracker.release('default', 'vm-1').catch(() => {});
    await double.refuse();
    await tracker.listNodes('default', true).catch(() => {});
    await tracker.health();
    assert.ok(logger.lines.length >= 5, 'the calls were logged');
    for (const line of logger.lines) assert.ok(!line.includes(TOKEN), `token leaked into ${line}`);
  });

  it('reuses one kept-alive connection for a run of calls', async () => {
    double.seed('default', [{ id_vm: 'vm-1', hostname: 'host-1' }]);
    for (let i = 0; i < 5; i++) await tracker.listNodes('default', false);
    await tracker.assign('default', { idVm: 'vm-1', user: 'ada', vmType: 'worker' });
    assert.equal(double.requests.length, 7, 'five lists, the lookup before the assign, the assign');
    assert.equal(double.connections, 1);
  });

  it('sends nothing for register and forget: Cistern learns of VMs by itself', async () => {
    await tracker.register('default', { id_vm: 'vm-9', hostname: 'host-9', recipe: 'worker' });
    await tracker.forget('default', 'vm-9');
    assert.equal(double.requests.length, 0);
  });
});
