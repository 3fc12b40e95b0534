// Cistern misbehaving under the v1 API: every fault is a 502 in the v1 envelope naming Cistern's
// host, and nothing changes on the cloud (the original answered `{}` and went on to destroy).
// Readiness reports the tracker without failing: everything but assignment still works.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { CisternFault, FaultScope } from '../support/cistern/cistern-double.js';
import { startCisternApp, type CisternApp } from '../support/cistern/cistern-app.js';

const TIMEOUT_MS = 400;

const FAULTS: Array<{ label: string; cause: string; fault?: CisternFault }> = [
  { label: 'refuses connections', cause: 'connection refused' },
  { label: 'never answers', cause: `did not answer within ${TIMEOUT_MS} ms`, fault: { kind: 'hang' } },
  { label: 'answers HTTP 500', cause: 'answered HTTP 500', fault: { kind: 'http-status', status: 500 } },
  { label: 'answers HTML', cause: 'answered non-JSON (text/html) with HTTP 200', fault: { kind: 'html' } },
  { label: 'answers an unexpected shape', cause: 'answered an unexpected shape: "status" must be [ok]', fault: { kind: 'shape', body: { status: 'fine' } } },
];

function badGateway(message: string) {
  return {
    status: 'error',
    status_code: 502,
    status_short_message: 'Bad Gateway',
    status_long_message: 'Invalid responses from another server/proxy.',
    message,
  };
}

describe('v1 through a misbehaving Cistern', () => {
  let c: CisternApp;

  before(async () => {
    c = await startCisternApp({ timeoutMs: TIMEOUT_MS });
  });
  afterEach(async () => {
    c.double.heal();
    if (!c.double.listening) await c.double.accept();
  });
  after(async () => c?.close());

  /** Puts the double in the fault's state; `refuse` has no scope (a closed port refuses everything). */
  async function misbehave(fault: CisternFault | undefined, scope?: FaultScope): Promise<void> {
    if (fault) c.double.fail(fault, scope);
    else await c.double.refuse();
  }

  for (const { label, cause, fault } of FAULTS) {
    it(`answers 502 naming the host when Cistern ${label}, and changes nothing on the cloud`, async () => {
      const vm = await c.trackedVm();
      c.double.records.setStatus('default', vm.name, 'ASSIGNED');
      const destroys = c.app.fake().calls.destroyVm ?? 0;
      const expected = badGateway(`Cistern at ${c.double.host}: ${cause}`);
      await misbehave(fault);

      const assign = await c.app.request('PUT', '/api/v1/vm/action/assign', { hostname: vm.name, user: 'ada', vm_type: 'worker' });
      assert.equal(assign.status, 502);
      assert.deepEqual(assign.body, expected);
      const byNode = await c.app.request('PUT', '/api/v1/vm/action/assign', { node: vm.id, user: 'ada', vm_type: 'worker' });
      assert.deepEqual([byNode.status, byNode.body], [502, expected]);
      const release = await c.app.request('PUT', '/api/v1/vm/action/release', { node: vm.id });
      assert.deepEqual([release.status, release.body], [502, expected]);
      const status = await c.app.request('GET', '/api/v1/vm/status');
      assert.deepEqual([status.status, status.body], [502, expected]);

      assert.equal(c.app.fake().calls.destroyVm ?? 0, destroys, 'the cloud saw no destroy');
      assert.ok(await c.app.fake().getVm(vm.id), 'the VM is still there');
    });
  }

  it('destroys nothing when only the release call itself fails', async () => {
    const vm = await c.trackedVm();
    c.double.records.setStatus('default', vm.name, 'ASSIGNED');
    const destroys = c.app.fake().calls.destroyVm ?? 0;
    c.double.fail({ kind: 'http-status', status: 503 }, { call: 'release' });
    const res = await c.app.request('PUT', '/api/v1/vm/action/release', { hostname: vm.name });
    assert.deepEqual([res.status, res.body], [502, badGateway(`Cistern at ${c.double.host}: answered HTTP 503`)]);
    assert.deepEqual(c.double.received('release').at(-1)?.body, { hostname: vm.name }, 'the release did reach Cistern');
    assert.equal(c.app.fake().calls.destroyVm ?? 0, destroys, 'the cloud saw no destroy');
    assert.equal(c.double.records.find('default', vm.name)?.status_desc, 'ASSIGNED');
  });

  it('answers 409 and destroys nothing when Cistern refuses the release', async () => {
    const vm = await c.trackedVm();
    const destroys = c.app.fake().calls.destroyVm ?? 0;
    c.double.fail({ kind: 'error', message: `Node ${vm.name} is locked by the scheduler` }, { call: 'release' });
    const res = await c.app.request('PUT', '/api/v1/vm/action/release', { hostname: vm.name });
    assert.equal(res.status, 409);
    assert.equal(res.body.message, `Node ${vm.name} is locked by the scheduler`);
    assert.equal(c.app.fake().calls.destroyVm ?? 0, destroys);
  });

  it('keeps serving the clouds while Cistern is down', async () => {
    await c.double.refuse();
    const nodes = await c.app.request('GET', '/api/v1/nodes');
    assert.equal(nodes.status, 200);
    const started = await c.app.request('POST', '/api/v1/vm/start', { name: 'while-cistern-down', image: 'img-ubuntu-24', size: 'small' });
    assert.equal(started.status, 200, JSON.stringify(started.body));
  });

  describe('readiness', () => {
    it('reports Cistern reachable', async () => {
      const res = await c.app.request('GET', '/readyz');
      assert.equal(res.status, 200);
      assert.equal(res.body.status, 'ready');
      assert.equal(res.body.checks.tracker.kind, 'cistern');
      assert.equal(res.body.checks.tracker.ok, true);
      assert.match(res.body.checks.tracker.detail, new RegExp(`Cistern at ${c.double.host}`));
    });

    for (const { label, cause, fault } of FAULTS) {
      it(`reports Cistern that ${label} as degraded, not failed, and stays live`, async () => {
        await misbehave(fault);
        const started = Date.now();
        const ready = await c.app.request('GET', '/readyz');
        assert.ok(Date.now() - started < TIMEOUT_MS + 1_000, 'answers within the probe deadline');
        assert.equal(ready.status, 200);
        assert.equal(ready.body.status, 'degraded');
        assert.deepEqual(ready.body.checks.tracker, { kind: 'cistern', ok: false, detail: `Cistern at ${c.double.host}: ${cause}` });
        const live = await c.app.request('GET', '/healthz');
        assert.equal(live.status, 200);
      });
    }
  });
});
