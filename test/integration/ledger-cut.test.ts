// The ledger's hardest moments, made to happen on purpose (issues 13 and 15), with real processes
// over one PostgreSQL and one shared fake cloud whose creates are made at once but answered only
// after `answerDelayMs`:
// - kill -9 between the cloud call and its record: the VM exists at the cloud, nothing names it
//   but the operation's stored request id; a second instance restarts meanwhile; the survivor
//   takes the operation over once the dead owner's lease runs out and tracks the VM, once;
// - the call's answer never comes (past callTimeoutMs): the live instance looks the VM up by its
//   request id and tracks it, once;
// - every retry with the same Idempotency-Key answers that same VM and makes no second one; a
//   reconcile pass then finds nothing unknown.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGroup, type Instance, type InstanceGroup } from '../support/instance-group.js';
import { postgresUrl } from '../support/store-backends.js';
import { waitFor } from '../support/wait-for.js';

const url = postgresUrl();
const skip = url ? false : 'needs PostgreSQL (several instances): set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test (CI does)';
const CALL_TIMEOUT_MS = 4_000;

const config = {
  tracker: { pollIntervalMs: 20 },
  reconciler: { intervalMs: 300 },
  scaleOut: { heartbeatMs: 200, leaseMs: 3_000 },
  clouds: [
    {
      name: 'default',
      driver: 'fake',
      default: true,
      callTimeoutMs: CALL_TIMEOUT_MS,
      // Far past the call timeout: no create is ever answered; a kill within CALL_TIMEOUT_MS lands between call and record.
      options: { latencyMs: 0, bootDelayMs: 0, destroyDelayMs: 100, faults: { answerDelayMs: 600_000 } },
    },
  ],
};

async function kill(instance: Instance): Promise<void> {
  const exited = new Promise((resolve) => instance.child.once('exit', resolve));
  instance.child.kill('SIGKILL');
  await exited;
}

describe('ledger: killed between the cloud call and its record, an answer that never comes, an instance restarting meanwhile', { skip }, () => {
  let group: InstanceGroup;
  before(async () => {
    group = await startGroup(url as string, { size: 2, config });
  });
  after(async () => {
    await group?.stop();
  });

  const atCloud = async (name: string) => (await group.vmsAtCloud()).filter((vm) => vm.name === name);
  const trackedRows = async (idVm: string) => (await group.query<{ id_vm: string }>('select id_vm from tracker_nodes where id_vm = $1', [idVm])).length;

  /** Starts `name` with an Idempotency-Key; answers the operation id. */
  async function start(instance: Instance, name: string): Promise<string> {
    const res = await instance.api('POST', '/api/v2/clouds/default/vms', { name, image: 'ubuntu-24.04', size: 'm1.small' }, { 'Idempotency-Key': `key-${name}` });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    return res.body.id as string;
  }

  async function settled(instance: Instance, operationId: string): Promise<{ state: string; target: string | null; result?: { id: string } }> {
    return waitFor(`operation ${operationId} to end`, async () => {
      const op = await instance.api('GET', `/api/v2/operations/${operationId}`);
      return ['succeeded', 'failed', 'interrupted'].includes(op.body?.state) ? op.body : undefined;
    }, 60_000, 100);
  }

  it('records every VM exactly once, and a retry of the key never makes a second', async (t) => {
    const [a, b] = group.instances as [Instance, Instance];

    // 1. kill -9 between the cloud call and its record.
    const cutOp = await start(a, 'cut-1');
    const [made] = await waitFor('the create to be made at the cloud', async () => {
      const vms = await atCloud('cut-1');
      return vms.length > 0 ? vms : undefined;
    }, 20_000, 5);
    assert.equal(await trackedRows(made!.id), 0, 'the create is unanswered: nothing records the VM yet');
    await kill(a);
    const [cut] = await group.query<{ state: string; target: string | null; request_id: string; owner: string }>('select state, target, request_id, owner from operations where id = $1', [cutOp]);
    assert.equal(cut?.state, 'running', 'the dead process left its start running');
    assert.equal(cut?.target, null, 'and no VM id on it: the VM is named only by the request id');
    assert.equal(cut?.request_id, made!.requestId, 'the request id was stored before the cloud was called');

    // 2. A second instance restarts meanwhile; a third comes up in its place.
    await kill(b);
    const c = await group.launch();

    // The survivor takes the dead owner's start over once its lease has run out, and tracks the VM.
    await waitFor('the cut start to be resolved and the VM tracked', async () => ((await trackedRows(made!.id)) > 0 ? true : undefined), 60_000, 100);
    const resolved = await settled(c, cutOp);
    assert.equal(resolved.state, 'succeeded', JSON.stringify(resolved));
    assert.equal(resolved.target, made!.id);

    // 3. The answer never comes, on a live instance: 504 from the pool, then the lookup by request id.
    const lateOp = await start(c, 'late-1');
    const late = await settled(c, lateOp);
    assert.equal(late.state, 'succeeded', JSON.stringify(late));
    const [lateVm] = await atCloud('late-1');
    assert.equal(late.target, lateVm?.id);

    // 4. Every key retried, twice: the same VM answers, no second create.
    for (const name of ['cut-1', 'late-1']) {
      for (let retry = 0; retry < 2; retry++) {
        const again = await settled(c, await start(c, name));
        assert.equal(again.state, 'succeeded', JSON.stringify(again));
        assert.equal(again.target, (await atCloud(name))[0]?.id, `a retry of key-${name} answers the same VM`);
      }
    }

    // 5. Exactly once: one VM per request at the cloud, one record each, nothing unknown to a reconcile pass.
    const reconcile = await c.api('POST', '/api/v2/admin/reconcile');
    assert.equal(reconcile.status, 200, JSON.stringify(reconcile.body));
    const vms = (await group.vmsAtCloud());
    const figures = {
      vmsAtCloud: vms.length,
      trackedOnce: (await Promise.all(vms.map((vm) => trackedRows(vm.id)))).filter((n) => n === 1).length,
      duplicatedRequests: vms.length - new Set(vms.map((vm) => vm.requestId)).size,
      unknown: reconcile.body.unknown.length,
      missing: reconcile.body.missing.length,
    };
    t.diagnostic(`cut figures: ${JSON.stringify(figures)}`);
    assert.deepEqual(figures, { vmsAtCloud: 2, trackedOnce: 2, duplicatedRequests: 0, unknown: 0, missing: 0 });
  });
});
