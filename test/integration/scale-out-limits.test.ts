// Three real dispatcher processes on one PostgreSQL and one shared fake cloud behave as one
// dispatcher (issue 15): concurrent assigns spread over the instances have one winner per VM,
// a cloud's allocation and a user's limit hold exactly across instances, and a cloud disabled
// through one instance is refused by another within about a second (LISTEN/NOTIFY).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGroup, type InstanceGroup } from '../support/instance-group.js';
import { postgresUrl } from '../support/store-backends.js';
import { waitFor } from '../support/wait-for.js';

const url = postgresUrl();
const skip = url ? false : 'scale-out needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test (CI does)';

const config = {
  tracker: { pollIntervalMs: 20 },
  // The periodic settings re-read is pushed far out: what reaches the other instances in time is the NOTIFY.
  reconciler: { intervalMs: 1_000, settingsSyncMs: 600_000 },
  scaleOut: { heartbeatMs: 200, leaseMs: 2_000 },
  clouds: [{ name: 'default', driver: 'fake', default: true, options: { latencyMs: 5, jitterMs: 20, bootDelayMs: 0, destroyDelayMs: 0 } }],
};
const start = (i: number) => ({ name: `so-${i}`, image: 'ubuntu-24.04', size: 'm1.small' });

describe('scale-out: three instances, one PostgreSQL', { skip }, () => {
  let group: InstanceGroup;
  before(async () => {
    group = await startGroup(url as string, { size: 3, config });
  });
  after(async () => {
    await group?.stop();
  });
  const on = (i: number) => group.instances[i % 3]!;

  it('lists the three live instances and one holder per worker on every instance', async () => {
    for (const instance of group.instances) {
      const status = await instance.api('GET', '/api/v2/status');
      assert.equal(status.status, 200, JSON.stringify(status.body));
      assert.equal(status.body.instanceId, instance.id);
      assert.deepEqual(new Set(status.body.instances.map((i: { id: string }) => i.id)), new Set(group.instances.map((i) => i.id)));
      for (const i of status.body.instances) assert.ok(i.host && i.version && i.startedAt && i.lastHeartbeatAt);
    }
    const holders = await waitFor('the reconciler and the recovery worker to be held', async () => {
      const status = await on(0).api('GET', '/api/v2/status');
      const workers = status.body.workers as { worker: string; instanceId: string }[];
      return ['reconciler', 'recovery'].every((w) => workers.some((h) => h.worker === w)) ? workers : undefined;
    });
    assert.equal(new Set(holders.map((h) => h.worker)).size, holders.length, 'one holder per worker');
  });

  it('300 concurrent assigns of 60 VMs over 3 instances: exactly 60 succeed, 240 answer 409, no VM twice', async () => {
    const vms = await Promise.all(Array.from({ length: 60 }, async (_, i) => {
      const made = await on(i).api('POST', '/api/v2/clouds/default/vms?wait=true', start(i));
      assert.equal(made.status, 201, JSON.stringify(made.body));
      return made.body.id as string;
    }));
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) =>
      on(i).api('POST', '/api/v2/assignments', { cloud: 'default', vm: vms[i % 60], user: `user-${i}`, vmType: 't' }),
    ));
    const won = answers.filter((a) => a.status === 201);
    assert.equal(won.length, 60);
    assert.equal(answers.filter((a) => a.status === 409).length, 240, JSON.stringify(answers.find((a) => a.status !== 201 && a.status !== 409)));
    assert.equal(new Set(won.map((a) => a.body.vm ?? a.body.idVm ?? a.body.id)).size, 60, 'no VM assigned twice');
    const rows = await group.query<{ n: string }>(`select count(*) as n from tracker_nodes where status_desc = 'ASSIGNED'`);
    assert.equal(Number(rows[0]?.n), 60);
  });

  it('a user limit of 3 with 12 concurrent assigns over 3 instances: exactly 3', async () => {
    const limit = await on(0).api('PUT', '/api/v2/admin/user-limits/capped', { maxAssigned: 3 });
    assert.equal(limit.status, 200, JSON.stringify(limit.body));
    const vms = await Promise.all(Array.from({ length: 12 }, async (_, i) => (await on(i).api('POST', '/api/v2/clouds/default/vms?wait=true', start(100 + i))).body.id as string));
    const answers = await Promise.all(vms.map((vm, i) => on(i).api('POST', '/api/v2/assignments', { cloud: 'default', vm, user: 'capped', vmType: 't' })));
    assert.equal(answers.filter((a) => a.status === 201).length, 3, JSON.stringify(answers.map((a) => a.status)));
    assert.ok(answers.filter((a) => a.status !== 201).every((a) => a.status === 409 && a.body.code === 'UserLimitReached'));
    const rows = await group.query<{ n: string }>(`select count(*) as n from tracker_nodes where status_desc = 'ASSIGNED' and "user" = 'capped'`);
    assert.equal(Number(rows[0]?.n), 3);
    // Every assign's entry leaves the user's in-flight list (refused ones at once, the others batched).
    await waitFor('the in-flight list of the user to empty', async () => {
      const [row] = await group.query<{ inflight: string[] }>(`select inflight from admission_locks where scope = 'user:capped'`);
      return row?.inflight.length === 0;
    }, 5_000, 50);
  });

  it('an allocation of 10 with 40 concurrent starts over 3 instances: exactly 10 VMs at the cloud', async () => {
    const before = (await group.vmsAtCloud()).length;
    const tracked = Number((await group.query<{ n: string }>('select count(*) as n from tracker_nodes'))[0]?.n);
    const set = await on(1).api('PATCH', '/api/v2/admin/clouds/default', { allocation: tracked + 10 });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    // Every instance sees the allocation before the storm (the NOTIFY; the test is about the count, not the delivery).
    await waitFor('the allocation on every instance', async () =>
      (await Promise.all(group.instances.map((i) => i.api('GET', '/api/v2/status/clouds/default')))).every((s) => s.body.allocation.total === tracked + 10),
    );
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => on(i).api('POST', '/api/v2/clouds/default/vms?wait=true', start(200 + i))));
    const made = answers.filter((a) => a.status === 201);
    assert.equal(made.length, 10, JSON.stringify(answers.map((a) => a.status)));
    assert.ok(answers.filter((a) => a.status !== 201).every((a) => a.status === 409 && a.body.code === 'AllocationReached'));
    assert.equal((await group.vmsAtCloud()).length - before, 10, 'exactly 10 more VMs at the cloud');
    const reservations = await group.query<{ n: string }>('select count(*) as n from admission_reservations');
    assert.equal(Number(reservations[0]?.n), 0, 'every reservation released');
  });

  it('two admins demoting each other at once through two instances: one stays admin', async () => {
    const made = await on(0).api('POST', '/api/v2/admin/users', { username: 'second-admin', password: 'second-admin-password', role: 'admin' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const login = await fetch(`${on(1).base}/api/v2/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'second-admin', password: 'second-admin-password' }) });
    const second = ((await login.json()) as { token: string }).token;
    const [first, other] = await Promise.all([
      on(0).api('PATCH', '/api/v2/admin/users/second-admin', { role: 'user' }),
      fetch(`${on(1).base}/api/v2/admin/users/admin`, { method: 'PATCH', headers: { authorization: `Bearer ${second}`, 'content-type': 'application/json' }, body: JSON.stringify({ role: 'user' }) }),
    ]);
    // The loser answers 409 LastAdmin (or 403 when the other's demotion landed before its own token was checked).
    assert.equal([first.status, other.status].filter((s) => s === 200).length, 1, `${first.status} ${other.status}`);
    const admins = await group.query<{ n: string }>(`select count(*) as n from users where role = 'admin' and active = 1`);
    assert.equal(Number(admins[0]?.n), 1, 'exactly one active admin left');
    if (first.status !== 200) {
      // The group's token lost its admin role: give it back for the tests that follow.
      await fetch(`${on(1).base}/api/v2/admin/users/admin`, { method: 'PATCH', headers: { authorization: `Bearer ${second}`, 'content-type': 'application/json' }, body: JSON.stringify({ role: 'admin' }) });
    }
  });

  it('a cloud disabled through instance A is refused by instance B within about a second', async () => {
    // Allocation reached: B's starts are refused (409) without creating anything until it hears of the disable (503).
    const tracked = Number((await group.query<{ n: string }>('select count(*) as n from tracker_nodes'))[0]?.n);
    await on(0).api('PATCH', '/api/v2/admin/clouds/default', { allocation: tracked });
    const disabledAt = Date.now();
    const disable = await on(0).api('PATCH', '/api/v2/admin/clouds/default', { enabled: false });
    assert.equal(disable.status, 200, JSON.stringify(disable.body));
    const refused = await waitFor('instance B to refuse the start', async () => {
      const res = await on(1).api('POST', '/api/v2/clouds/default/vms', start(999));
      return res.status === 503 && res.body;
    }, 10_000, 25);
    const elapsed = Date.now() - disabledAt;
    assert.equal(refused.code, 'CloudDisabled');
    // The fallback re-read is 10 minutes away: only the NOTIFY can make this. 5 s is a generous bound for a loaded machine.
    assert.ok(elapsed < 5_000, `B refused ${elapsed} ms after the disable`);
  });

  it('a token revoked through instance A fails at once on A and, though B checked it before, on B as soon as the NOTIFY lands', async (t) => {
    const made = await on(0).api('POST', '/api/v2/admin/users', { username: 'revoked-user', password: 'revoked-user-password', role: 'user' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const login = await fetch(`${on(0).base}/api/v2/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'revoked-user', password: 'revoked-user-password' }) });
    const token = ((await login.json()) as { token: string }).token;
    const call = (i: number, method = 'GET', path = '/api/v2/clouds') => fetch(`${on(i).base}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
    // Checked (and so kept in memory) on both instances first.
    for (const i of [0, 1, 0, 1]) assert.equal((await call(i)).status, 200);
    const revokedAt = Date.now();
    assert.equal((await call(0, 'DELETE', '/api/v2/auth/tokens/current')).status, 204);
    assert.equal((await call(0)).status, 401, 'the revoking instance refuses the token at once');
    await waitFor('instance B to refuse the revoked token', async () => (await call(1)).status === 401, 10_000, 5);
    const elapsed = Date.now() - revokedAt;
    // No periodic re-read exists: only the NOTIFY (or a lost LISTEN connection, which turns the cache off) makes this.
    assert.ok(elapsed < 5_000, `B refused the token ${elapsed} ms after the revocation`);
    t.diagnostic(`instance B refused the revoked token ${elapsed} ms after the revocation was sent (revocation request included)`);
  });
});
