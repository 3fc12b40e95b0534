// Database round trips of one v1 assign and one v1 release on PostgreSQL (issue 15's budget: the
// scale-out coordination adds at most one per assign or release). Every statement any pg client
// of this process sends is recorded (a wrapper around pg's Client#query, the one call Kysely, the
// pool and the coordinator all go through), the background workers pushed far out, so what a
// request window holds is the request's own statements. Counts, not time.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { appBackends, appOn } from '../support/app-backends.js';
import { FAST_FAKE } from '../support/app-harness.js';

const backend = appBackends().find((b) => b.label === 'postgres');
const skip = backend ? false : 'round trips are counted on PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test';

/** How long after an answer the statements it left for later (a deferred flush) are still counted. */
const SETTLE_MS = 600;

describe('admission round trips on PostgreSQL (v1 assign and release)', { skip }, () => {
  const recorded: string[] = [];
  let recording = false;
  const original = pg.Client.prototype.query;
  before(() => {
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      if (recording) {
        const q = args[0] as string | { text?: string };
        recorded.push(typeof q === 'string' ? q : (q?.text ?? '?'));
      }
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
  });
  after(() => {
    pg.Client.prototype.query = original;
  });

  const { app } = appOn(backend as NonNullable<typeof backend>, {
    clouds: [{ name: 'default', driver: 'fake', default: true, options: { ...FAST_FAKE, destroyDelayMs: 0 } }],
    config: {
      tracker: { pollIntervalMs: 10 },
      reconciler: { intervalMs: 0, startupPollMs: 0, settingsSyncMs: 0 },
      retention: { intervalMs: 0 },
      scaleOut: { heartbeatMs: 600_000, leaseMs: 1_200_000 },
    },
  });

  /** The statements of one request: those sent until its answer, and those sent within SETTLE_MS after. */
  async function count(method: string, path: string, body: unknown): Promise<{ onPath: string[]; after: string[] }> {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    recorded.length = 0;
    recording = true;
    const res = await app().request(method, path, body);
    const onPath = recorded.splice(0);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    recording = false;
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { onPath, after: recorded.splice(0) };
  }

  async function vm(name: string): Promise<string> {
    const made = await app().request('POST', '/api/v2/clouds/default/vms?wait=true', { name, image: 'ubuntu-24.04', size: 'm1.small' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    return name;
  }

  it('an assign under a user limit costs at most one statement more than one without; a release none', async (t) => {
    const [free1, free2, capped1, capped2] = [await vm('rt-free-1'), await vm('rt-free-2'), await vm('rt-capped-1'), await vm('rt-capped-2')];
    const limit = await app().request('PUT', '/api/v2/admin/user-limits/capped', { maxAssigned: 5 });
    assert.equal(limit.status, 200, JSON.stringify(limit.body));
    // A first pair per user warms what is done once per process (token, scope rows).
    await count('PUT', '/api/v1/vm/action/assign', { hostname: free1, user: 'free', vm_type: 't' });
    await count('PUT', '/api/v1/vm/action/release', { hostname: free1 });
    await count('PUT', '/api/v1/vm/action/assign', { hostname: capped1, user: 'capped', vm_type: 't' });
    await count('PUT', '/api/v1/vm/action/release', { hostname: capped1 });

    const plain = await count('PUT', '/api/v1/vm/action/assign', { hostname: free2, user: 'free', vm_type: 't' });
    const plainRelease = await count('PUT', '/api/v1/vm/action/release', { hostname: free2 });
    const limited = await count('PUT', '/api/v1/vm/action/assign', { hostname: capped2, user: 'capped', vm_type: 't' });
    const limitedRelease = await count('PUT', '/api/v1/vm/action/release', { hostname: capped2 });
    const figures = {
      assign: { onPath: plain.onPath.length, after: plain.after.length },
      assignUnderLimit: { onPath: limited.onPath.length, after: limited.after.length },
      release: { onPath: plainRelease.onPath.length, after: plainRelease.after.length },
      releaseUnderLimit: { onPath: limitedRelease.onPath.length, after: limitedRelease.after.length },
    };
    t.diagnostic(`round trips: ${JSON.stringify(figures)}`);
    t.diagnostic(`assign under a limit, on its path: ${JSON.stringify(limited.onPath.map((s) => s.replace(/\s+/g, ' ').slice(0, 90)))}`);
    t.diagnostic(`… and after its answer: ${JSON.stringify(limited.after.map((s) => s.replace(/\s+/g, ' ').slice(0, 90)))}`);
    assert.ok(figures.assign.onPath > 0, 'the recorder sees the statements');
    const coordination = (statements: string[]) => statements.filter((s) => /admission_/.test(s)).length;
    // A limited assign counts the user's VMs through the tracker, as one instance alone always did;
    // across instances it adds one statement on its path (its entry in the user's in-flight list) …
    assert.equal(coordination(limited.onPath), 1, `one coordination statement on the assign's path: ${JSON.stringify(figures)}`);
    assert.equal(figures.assignUnderLimit.onPath - figures.assign.onPath, 2, `the count and the entry, nothing else: ${JSON.stringify(figures)}`);
    // … and one deferred, batched with every assign finished meanwhile (the entry's removal).
    assert.ok(coordination(limited.after) <= 1 && limited.after.length <= 1, `one deferred statement at most: ${JSON.stringify(figures)}`);
    assert.equal(coordination(plain.onPath) + coordination(plain.after), 0, 'an assign without a limit coordinates nothing');
    assert.equal(figures.releaseUnderLimit.onPath + figures.releaseUnderLimit.after, figures.release.onPath + figures.release.after, 'a release costs the same either way');
  });
});
