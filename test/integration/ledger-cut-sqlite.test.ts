// The ledger's hardest moments on the embedded store (SQLite with group commit, decision 0004),
// made to happen on purpose, with real processes over one SQLite file and one fake cloud kept in
// a state file, whose creates are made at once but answered only after `answerDelayMs`:
// - kill -9 between the cloud call and its record: the operation and its request id were
//   committed before the call (another connection reads them while the process lives); the VM
//   exists at the cloud and nothing else names it; the process restarts on the same file and
//   cloud, resolves the start by its request id and tracks the VM, once;
// - the call's answer never comes (past callTimeoutMs): the live process looks the VM up by its
//   request id and tracks it, once;
// - every retry with the same Idempotency-Key answers that same VM and makes no second one; a
//   reconcile pass then finds nothing unknown and nothing missing.
// ledger-cut.test.ts runs the same moments with several instances over PostgreSQL.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { bearerClient, exited, launchMain } from '../support/main-launch.js';
import { waitFor } from '../support/wait-for.js';

const PASSWORD = 'ledger-cut-sqlite-password';
const CALL_TIMEOUT_MS = 3_000;
const dir = mkdtempSync(join(tmpdir(), 'dispatcher-ledger-cut-'));
const statePath = join(dir, 'cloud.json');
const file = join(dir, 'dispatcher.sqlite');
const configFile = join(dir, 'config.json');
writeFileSync(
  configFile,
  JSON.stringify({
    tracker: { pollIntervalMs: 20 },
    reconciler: { intervalMs: 300 },
    clouds: [
      {
        name: 'default',
        driver: 'fake',
        default: true,
        callTimeoutMs: CALL_TIMEOUT_MS,
        // Far past the call timeout: no create is ever answered; a kill within CALL_TIMEOUT_MS lands between call and record.
        options: { latencyMs: 0, bootDelayMs: 0, destroyDelayMs: 100, statePath, faults: { answerDelayMs: 600_000 } },
      },
    ],
  }),
);

const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

type Api = ReturnType<typeof bearerClient>;

async function launch(): Promise<{ child: ChildProcess; api: Api }> {
  const { child, out, err } = launchMain({ DATABASE_URL: `sqlite:${file}`, DISPATCHER_CONFIG: configFile, DISPATCHER_ADMIN_PASSWORD: PASSWORD });
  children.push(child);
  const listening = await waitFor('listening', () => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out() + err()), 30_000);
  const base = `http://127.0.0.1:${listening[1]}`;
  const login = await fetch(`${base}/api/v2/auth/tokens`, { method: 'POST', body: JSON.stringify({ username: 'admin', password: PASSWORD }), headers: { 'content-type': 'application/json' } });
  const { token } = (await login.json()) as { token: string };
  return { child, api: bearerClient(base, () => token) };
}

/** What the fake cloud holds (its state file), those deleted counted as gone. */
function atCloud(name?: string): { id: string; name: string; requestId: string }[] {
  const state = JSON.parse(readFileSync(statePath, 'utf8')) as { vms: { vm: { id: string; name: string }; requestId: string; transition?: { to: string; at: number } }[] };
  return state.vms
    .filter((v) => !(v.transition?.to === 'terminated' && v.transition.at <= Date.now()))
    .map((v) => ({ id: v.vm.id, name: v.vm.name, requestId: v.requestId }))
    .filter((vm) => name === undefined || vm.name === name);
}

/** Reads the store's file through a connection of its own, as after a crash: only committed rows. */
function committed<T>(query: string, ...params: unknown[]): T[] {
  const db = new SqliteDatabase(file, { readonly: true });
  try {
    return db.prepare(query).all(...params) as T[];
  } finally {
    db.close();
  }
}

const trackedRows = (idVm: string) => committed<{ id_vm: string }>('select id_vm from tracker_nodes where id_vm = ?', idVm).length;

async function start(api: Api, name: string): Promise<string> {
  const res = await api('POST', '/api/v2/clouds/default/vms', { name, image: 'ubuntu-24.04', size: 'm1.small' }, { 'Idempotency-Key': `key-${name}` });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.id as string;
}

async function settled(api: Api, operationId: string): Promise<{ state: string; target: string | null }> {
  return waitFor(`operation ${operationId} to end`, async () => {
    const op = await api('GET', `/api/v2/operations/${operationId}`);
    return ['succeeded', 'failed', 'interrupted'].includes(op.body?.state) ? op.body : undefined;
  }, 60_000, 100);
}

describe('ledger on SQLite: killed between the cloud call and its record, an answer that never comes, a restart meanwhile', () => {
  it('records every VM exactly once, and a retry of the key never makes a second', async (t) => {
    const first = await launch();

    // 1. kill -9 between the cloud call and its record.
    const cutOp = await start(first.api, 'cut-1');
    const [made] = await waitFor('the create to be made at the cloud', () => {
      const vms = atCloud('cut-1');
      return vms.length > 0 ? vms : undefined;
    }, 20_000, 5);
    const [before] = committed<{ state: string; target: string | null; request_id: string }>('select state, target, request_id from operations where id = ?', cutOp);
    assert.equal(before?.state, 'running', 'the start is on record, committed, while the process lives');
    assert.equal(before?.request_id, made!.requestId, 'its request id was committed before the cloud was called');
    assert.equal(trackedRows(made!.id), 0, 'the create is unanswered: nothing records the VM yet');
    first.child.kill('SIGKILL');
    await exited(first.child);
    const [cut] = committed<{ state: string; target: string | null }>('select state, target from operations where id = ?', cutOp);
    assert.deepEqual(cut, { state: 'running', target: null }, 'the dead process left its start running, the VM named by the request id alone');

    // 2. The process restarts on the same store and cloud: recovery resolves the start by its request id.
    const second = await launch();
    await waitFor('the cut start to be resolved and the VM tracked', () => (trackedRows(made!.id) > 0 ? true : undefined), 60_000, 100);
    const resolved = await settled(second.api, cutOp);
    assert.equal(resolved.state, 'succeeded', JSON.stringify(resolved));
    assert.equal(resolved.target, made!.id);

    // 3. The answer never comes, on the live process: the pool times the call out, then the lookup by request id.
    const lateOp = await start(second.api, 'late-1');
    const late = await settled(second.api, lateOp);
    assert.equal(late.state, 'succeeded', JSON.stringify(late));
    assert.equal(late.target, atCloud('late-1')[0]?.id);

    // 4. Every key retried, twice: the same VM answers, no second create.
    for (const name of ['cut-1', 'late-1']) {
      for (let retry = 0; retry < 2; retry++) {
        const again = await settled(second.api, await start(second.api, name));
        assert.equal(again.state, 'succeeded', JSON.stringify(again));
        assert.equal(again.target, atCloud(name)[0]?.id, `a retry of key-${name} answers the same VM`);
      }
    }

    // 5. Exactly once: one VM per request at the cloud, one record each, nothing unknown to a reconcile pass.
    const reconcile = await second.api('POST', '/api/v2/admin/reconcile');
    assert.equal(reconcile.status, 200, JSON.stringify(reconcile.body));
    const vms = atCloud();
    const figures = {
      vmsAtCloud: vms.length,
      trackedOnce: vms.filter((vm) => trackedRows(vm.id) === 1).length,
      duplicatedRequests: vms.length - new Set(vms.map((vm) => vm.requestId)).size,
      unknown: reconcile.body.unknown.length,
      missing: reconcile.body.missing.length,
    };
    t.diagnostic(`cut figures: ${JSON.stringify(figures)}`);
    assert.deepEqual(figures, { vmsAtCloud: 2, trackedOnce: 2, duplicatedRequests: 0, unknown: 0, missing: 0 });
    second.child.kill('SIGTERM');
    await exited(second.child);
  });
});
