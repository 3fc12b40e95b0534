// Crash test with real processes (issue 13): the dispatcher runs over a SQLite file and a fake
// cloud kept in a state file; 50 concurrent v2 starts (half with Idempotency-Key) and 10
// releases are fired, the process is killed with SIGKILL mid-flight, and a new process is
// started on the same store and cloud. After its recovery: no VM at the cloud unknown to the
// records, no duplicate after retrying every key, every release finished or reported, no key pending.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from '../../src/store/store-open.js';
import { waitFor } from '../support/wait-for.js';
import { bearerClient, launchMain } from '../support/main-launch.js';

const PASSWORD = 'crash-test-admin-password';
const dir = mkdtempSync(join(tmpdir(), 'dispatcher-crash-'));
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const statePath = join(dir, 'cloud.json');
const databaseUrl = `sqlite:${join(dir, 'dispatcher.sqlite')}`;
const configFile = join(dir, 'config.json');
writeFileSync(
  configFile,
  JSON.stringify({
    tracker: { pollIntervalMs: 20, releaseTimeoutMs: 15_000 },
    // Recovery passes every 300 ms; a create not found is called absent 1 s after it was found unresolved.
    reconciler: { intervalMs: 300 },
    clouds: [{ name: 'default', driver: 'fake', default: true, callTimeoutMs: 1_000, options: { latencyMs: 100, jitterMs: 150, bootDelayMs: 0, destroyDelayMs: 200, statePath } }],
  }),
);

async function launch(): Promise<{ child: ChildProcess; base: string; token: string }> {
  const { child, out, err } = launchMain({ DATABASE_URL: databaseUrl, DISPATCHER_CONFIG: configFile, DISPATCHER_ADMIN_PASSWORD: PASSWORD });
  children.push(child);
  const listening = await waitFor('listening', () => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out() + err()), 30_000);
  const base = `http://127.0.0.1:${listening[1]}`;
  const login = await fetch(`${base}/api/v1/auth`, { method: 'POST', body: JSON.stringify({ username: 'admin', password: PASSWORD }), headers: { 'content-type': 'application/json' } });
  return { child, base, token: ((await login.json()) as { token: string }).token };
}

function client(base: string, token: string) {
  return bearerClient(base, () => token);
}

/** The VMs the fake cloud holds (from its state file), those being deleted and due counted as gone. */
function vmsAtCloud(): { id: string; name: string; requestId: string }[] {
  const state = JSON.parse(readFileSync(statePath, 'utf8')) as { vms: { vm: { id: string; name: string }; requestId: string; transition?: { to: string; at: number } }[] };
  return state.vms
    .filter((v) => !(v.transition?.to === 'terminated' && v.transition.at <= Date.now()))
    .map((v) => ({ id: v.vm.id, name: v.vm.name, requestId: v.requestId }));
}

const body = (i: number) => ({ name: `crash-${i}`, image: 'ubuntu-24.04', size: 'm1.small' });

describe('kill -9 mid-flight and restart on the same store and cloud', () => {
  it('leaves no VM unknown, no duplicate, every release finished or reported and no key pending', async (t) => {
    const first = await launch();
    const api1 = client(first.base, first.token);
    // Ten assigned VMs to release during the storm.
    const assigned = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const vm = await api1('POST', '/api/v2/clouds/default/vms?wait=true', { ...body(100 + i) });
        assert.equal(vm.status, 201, JSON.stringify(vm.body));
        const assignment = await api1('POST', '/api/v2/assignments', { cloud: 'default', vm: vm.body.id, user: 'u', vmType: 't' });
        assert.equal(assignment.status, 201, JSON.stringify(assignment.body));
        return assignment.body.id as string;
      }),
    );

    const keyed = (i: number) => i % 2 === 0;
    const releases = assigned.map((id) => api1('DELETE', `/api/v2/assignments/${id}`));
    const starts = Array.from({ length: 50 }, (_, i) =>
      api1('POST', '/api/v2/clouds/default/vms', body(i), keyed(i) ? { 'idempotency-key': `crash-key-${i}` } : {}).catch(() => undefined),
    );
    // The releases are accepted (202: their operations are on record) and are destroying and polling...
    for (const release of await Promise.all(releases)) assert.equal(release.status, 202);
    // ...while some creates have reached the cloud and others not yet: now.
    await waitFor('a fifth of the creates to reach the cloud', () => vmsAtCloud().filter((vm) => /^crash-\d$|^crash-[1-4]\d$/.test(vm.name)).length >= 10, 20_000, 5);
    first.child.kill('SIGKILL');
    await Promise.all(starts);

    const second = await launch(); // recovery runs before it listens
    const api2 = client(second.base, second.token);
    const keyedVms = new Map<number, string | undefined>();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 50; i += 2) {
        const retry = await api2('POST', '/api/v2/clouds/default/vms?wait=true', body(i), { 'idempotency-key': `crash-key-${i}` });
        let vmId: string | undefined;
        if (retry.status === 201) vmId = retry.body.id;
        else if (retry.status === 202) {
          const op = await waitFor(`operation ${retry.body.id}`, async () => {
            const r = await api2('GET', `/api/v2/operations/${retry.body.id}`);
            return ['succeeded', 'failed', 'interrupted'].includes(r.body.state) ? r.body : undefined;
          });
          vmId = op.state === 'succeeded' ? op.result.id : undefined;
        } else assert.fail(`retry of key ${i}: ${retry.status} ${JSON.stringify(retry.body)}`);
        // A key whose start never reached the cloud replays its operation, ended failed or interrupted (no VM).
        if (round === 0) keyedVms.set(i, vmId);
        else assert.equal(vmId, keyedVms.get(i), `key ${i} names the same VM on every retry`);
      }
    }
    // Later recovery passes confirm the creates that never reached the cloud as absent.
    await waitFor('no operation left unfinished', async () => {
      const [queued, running] = await Promise.all(['queued', 'running'].map((state) => api2('GET', `/api/v2/operations?state=${state}&limit=1`)));
      return queued.body.items.length + running.body.items.length === 0;
    }, 30_000, 100);
    second.child.kill('SIGTERM');
    await new Promise((resolve) => (second.child.exitCode !== null ? resolve(null) : second.child.once('exit', resolve)));

    const store = await openStore(databaseUrl);
    try {
      const records = await store.db.selectFrom('tracker_nodes').select(['id_vm', 'status_desc']).execute();
      const ops = await store.db.selectFrom('operations').select(['kind', 'state', 'target', 'steps']).execute();
      const pendingKeys = await store.db.selectFrom('idempotency_keys').select('key').where('state', '=', 'pending').execute();
      const cloud = vmsAtCloud();
      const tracked = new Set(records.map((r) => r.id_vm));
      const releaseOps = ops.filter((o) => o.kind === 'vm.release');
      const figures = {
        vmsAtCloud: cloud.length,
        tracked: tracked.size,
        unknownToRecords: cloud.filter((vm) => !tracked.has(vm.id)).length,
        duplicated: cloud.length - new Set(cloud.map((vm) => vm.requestId)).size,
        keyedStartsRetried: keyedVms.size,
        keyedWithVm: [...keyedVms.values()].filter(Boolean).length,
        releases: releaseOps.length,
        releasesResumedAfterRestart: releaseOps.filter((o) => o.steps.includes('"resume"')).length,
        releasesSucceeded: releaseOps.filter((o) => o.state === 'succeeded').length,
        releasesFailedReported: releaseOps.filter((o) => o.state === 'failed' || o.state === 'interrupted').length,
        operationsUnfinished: ops.filter((o) => o.state === 'queued' || o.state === 'running').length,
        operationsByState: ops.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o.state]: (acc[o.state] ?? 0) + 1 }), {}),
        pendingKeys: pendingKeys.length,
      };
      t.diagnostic(`crash figures: ${JSON.stringify(figures)}`);
      assert.equal(figures.unknownToRecords, 0, 'every VM at the cloud is in the records');
      assert.equal(figures.duplicated, 0, 'no request made two VMs');
      const keyedIds = [...keyedVms.values()].filter(Boolean);
      assert.equal(new Set(keyedIds).size, keyedIds.length, 'each key its own VM');
      assert.ok(keyedIds.every((id) => tracked.has(id as string)), 'and each tracked');
      assert.equal(figures.operationsUnfinished, 0);
      assert.equal(figures.pendingKeys, 0, 'no key stuck pending');
      // Every release that reached the dispatcher either finished (VM gone, record dropped) or is on record as failed.
      assert.equal(figures.releases, 10);
      assert.equal(figures.releasesSucceeded + figures.releasesFailedReported, 10, 'every release finished or reported');
      for (const release of releaseOps.filter((o) => o.state === 'succeeded')) {
        assert.ok(!cloud.some((vm) => vm.id === release.target), `released VM ${release.target} is gone`);
        assert.ok(!tracked.has(release.target ?? ''), `and untracked`);
      }
      const stuck = records.filter((r) => r.status_desc === 'RELEASED');
      assert.ok(stuck.every((r) => releaseOps.some((o) => o.target === r.id_vm && o.state !== 'succeeded')), 'a RELEASED record is named by a failed release');
    } finally {
      await store.close();
    }
  });
});
