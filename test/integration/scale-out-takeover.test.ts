// Instance death in a group on one PostgreSQL (issue 15): an instance killed with SIGKILL amid 20
// starts and 10 releases has its operations taken over by another instance once its lease has
// run out — every one finished or resolved, 0 VMs unknown, 0 duplicates — while a fourth
// instance started meanwhile leaves every live instance's operations alone; and when the
// holder of the reconciler's advisory lock is killed, another instance runs the next pass.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGroup, type Instance, type InstanceGroup } from '../support/instance-group.js';
import { postgresUrl } from '../support/store-backends.js';
import { waitFor } from '../support/wait-for.js';

const url = postgresUrl();
const skip = url ? false : 'scale-out needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test (CI does)';
// Long enough for the fourth instance to be up (on a loaded machine) while A's lease still runs.
const LEASE_MS = 12_000;

const config = {
  tracker: { pollIntervalMs: 20, releaseTimeoutMs: 20_000 },
  reconciler: { intervalMs: 500 },
  scaleOut: { heartbeatMs: 200, leaseMs: LEASE_MS },
  clouds: [{ name: 'default', driver: 'fake', default: true, callTimeoutMs: 2_000, options: { latencyMs: 100, jitterMs: 200, bootDelayMs: 0, destroyDelayMs: 300 } }],
};
const body = (i: number) => ({ name: `to-${i}`, image: 'ubuntu-24.04', size: 'm1.small' });
const FINAL = ['succeeded', 'failed', 'interrupted'];

async function kill(instance: Instance): Promise<void> {
  const exited = new Promise((resolve) => instance.child.once('exit', resolve));
  instance.child.kill('SIGKILL');
  await exited;
}

describe('scale-out: an instance dies', { skip }, () => {
  let group: InstanceGroup;
  before(async () => {
    group = await startGroup(url as string, { size: 3, config });
  });
  after(async () => {
    await group?.stop();
  });

  it('kill -9 amid 20 starts and 10 releases: another instance takes over after the lease, 0 unknown, 0 duplicates; a fourth touches nothing live', async (t) => {
    const [a, b] = group.instances as [Instance, Instance, Instance];
    const assigned = await Promise.all(Array.from({ length: 10 }, async (_, i) => {
      const vm = await a.api('POST', '/api/v2/clouds/default/vms?wait=true', body(100 + i));
      assert.equal(vm.status, 201, JSON.stringify(vm.body));
      const assignment = await a.api('POST', '/api/v2/assignments', { cloud: 'default', vm: vm.body.id, user: 'u', vmType: 't' });
      assert.equal(assignment.status, 201, JSON.stringify(assignment.body));
      return assignment.body.id as string;
    }));
    // B's own work, in flight while the fourth instance starts: it must stay B's.
    const bWork = Array.from({ length: 5 }, (_, i) => b.api('POST', '/api/v2/clouds/default/vms', body(300 + i)));
    const releases = await Promise.all(assigned.map((id) => a.api('DELETE', `/api/v2/assignments/${id}`)));
    for (const release of releases) assert.equal(release.status, 202, JSON.stringify(release.body));
    const starts = Array.from({ length: 20 }, (_, i) => a.api('POST', '/api/v2/clouds/default/vms', body(i)).catch(() => undefined));
    await waitFor('some of the creates to reach the cloud', async () => (await group.vmsAtCloud()).filter((vm) => /^to-\d{1,2}$/.test(vm.name)).length >= 4, 20_000, 5);
    await kill(a);
    const startAnswers = await Promise.all(starts);
    const bOps = (await Promise.all(bWork)).map((r) => r.body.id as string);

    const aOps = (await group.query<{ id: string }>('select id from operations where owner = $1', [a.id])).map((r) => r.id);
    const [lease] = await group.query<{ lease_until: string }>('select lease_until from instances where id = $1', [a.id]);
    const d = await group.launch();
    const checkedAt = new Date().toISOString();
    const owners = await group.query<{ id: string; owner: string; state: string }>('select id, owner, state from operations where id = any($1)', [aOps]);
    if (checkedAt < (lease?.lease_until ?? '')) {
      // The fourth instance's start-up recovery ran before A's lease ran out: A's work is still A's.
      assert.ok(owners.every((o) => o.owner === a.id), `taken over while A's lease ran: ${JSON.stringify(owners.filter((o) => o.owner !== a.id))}`);
    } else t.diagnostic('the fourth instance came up after the lease ran out: the before-expiry check was not possible this run');

    await waitFor('every operation of A finished or resolved', async () => {
      const rows = await group.query<{ n: string }>(`select count(*) as n from operations where state in ('queued', 'running')`);
      return Number(rows[0]?.n) === 0;
    }, 90_000, 200);
    const ops = await group.query<{ id: string; kind: string; state: string; owner: string; target: string | null; updated_at: string }>('select id, kind, state, owner, target, updated_at from operations');
    const cloud = (await group.vmsAtCloud());
    const tracked = new Set((await group.query<{ id_vm: string }>('select id_vm from tracker_nodes')).map((r) => r.id_vm));
    const taken = ops.filter((o) => aOps.includes(o.id) && o.owner !== a.id);
    const figures = {
      startsAnswered: startAnswers.filter((r) => r?.status === 202).length,
      aOperations: aOps.length,
      takenOver: taken.length,
      takenBy: [...new Set(taken.map((o) => o.owner))].map((id) => group.instances.findIndex((i) => i.id === id)),
      byState: ops.filter((o) => aOps.includes(o.id)).reduce<Record<string, number>>((acc, o) => ({ ...acc, [o.state]: (acc[o.state] ?? 0) + 1 }), {}),
      vmsAtCloud: cloud.length,
      unknown: cloud.filter((vm) => !tracked.has(vm.id)).length,
      duplicates: cloud.length - new Set(cloud.map((vm) => vm.requestId)).size,
    };
    t.diagnostic(`takeover figures: ${JSON.stringify(figures)}`);
    assert.ok(aOps.length >= 30, 'A had its 10 releases and its accepted starts on record');
    assert.ok(taken.length > 0, 'another instance took A over');
    assert.ok(taken.every((o) => o.owner !== a.id && group.instances.some((i) => i.id === o.owner)));
    assert.ok(taken.every((o) => o.updated_at >= (lease?.lease_until ?? '')), 'nothing of A changed hands before its lease ran out');
    assert.ok(ops.every((o) => FINAL.includes(o.state)));
    assert.equal(figures.unknown, 0, 'every VM at the cloud is tracked');
    assert.equal(figures.duplicates, 0, 'no request made two VMs');
    for (const release of ops.filter((o) => o.kind === 'vm.release' && o.state === 'succeeded')) {
      assert.ok(!cloud.some((vm) => vm.id === release.target), `released VM ${release.target} is gone`);
    }
    const bFinal = ops.filter((o) => bOps.includes(o.id));
    assert.equal(bFinal.length, 5);
    assert.ok(bFinal.every((o) => o.owner === b.id && o.state === 'succeeded'), `B's operations stayed B's: ${JSON.stringify(bFinal)}`);
    assert.ok(!ops.some((o) => o.owner === d.id && !aOps.includes(o.id)), 'the fourth instance took nothing of a live instance');
  });

  it('the holder of the reconciler lock is killed: another instance runs the next pass', async () => {
    const alive = group.instances.filter((i) => i.child.exitCode === null && i.child.signalCode === null);
    const someone = alive[0] as Instance;
    const holderId = await waitFor('a live reconciler holder', async () => {
      const status = await someone.api('GET', '/api/v2/status');
      return (status.body.workers as { worker: string; instanceId: string }[]).find((w) => w.worker === 'reconciler')?.instanceId;
    });
    const holder = alive.find((i) => i.id === holderId) as Instance;
    const others = alive.filter((i) => i !== holder);
    const killedAt = new Date().toISOString();
    await kill(holder);
    const next = await waitFor('another instance to run a reconcile pass', async () => {
      for (const other of others) {
        const missing = await other.api('GET', '/api/v2/status/vms/missing');
        if (missing.body.lastPassAt && missing.body.lastPassAt > killedAt) return other;
      }
      return undefined;
    }, 30_000, 100);
    const status = await next.api('GET', '/api/v2/status');
    assert.equal(status.body.workers.find((w: { worker: string }) => w.worker === 'reconciler')?.instanceId, next.id);
  });
});
