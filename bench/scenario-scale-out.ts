// scale-out: assign/release pairs per second through 1, 2 and 3 dispatcher processes on one
// PostgreSQL (each run its own schema) sharing one fake cloud (a table of that schema), the requests
// spread round-robin (a pair's assign goes to instance i, its release to instance i+1, so every
// pair crosses instances when there are several). One instance is the baseline of the same run.
// Beside the rate: server CPU per pair, summed over the instances and per instance (this machine's
// cores are shared by the instances, PostgreSQL and the load generator).
import { postgresDatabase, startDispatcher, withCleanup, type Cleanup, type DispatcherChild } from './bench-harness.js';
import { BenchClient, round, runPool } from './bench-http.js';
import { metric, type Metric } from './bench-report.js';
import { callDelta, fakeCloud, timed, type Scenario } from './bench-scenario.js';
import { cpus } from 'node:os';

export interface ScaleOutOptions {
  /** VMs started beforehand per run: each is assigned and released once, so this bounds the pairs. */
  vms: number;
  seconds: number;
  /** Clients in flight, spread over the instances. */
  inFlight: number;
  instances: number[];
  postgresUrl?: string;
}

const DEFAULTS: ScaleOutOptions = { vms: 1200, seconds: 6, inFlight: 12, instances: [1, 2, 3] };

export const scaleOut: Scenario<ScaleOutOptions> = {
  name: 'scale-out',
  title: 'assign/release pairs per second through 1, 2 and 3 instances on one PostgreSQL (needs DATABASE_URL)',
  smoke: { vms: 20, seconds: 1, inFlight: 2, instances: [1, 2] },
  run: (options = {}) => timed(scaleOut, () => run({ ...DEFAULTS, postgresUrl: process.env.DATABASE_URL || undefined, ...options })),
};

async function run(o: ScaleOutOptions) {
  const metrics: Metric[] = [];
  const details: Record<string, unknown> = {};
  if (!o.postgresUrl) {
    metrics.push(metric({ name: 'instance counts measured', figure: 0, unit: 'runs' }));
    return { metrics, notes: ['skipped: scale-out needs PostgreSQL; set DATABASE_URL=postgres://…'], details };
  }
  const url = o.postgresUrl;
  const runs: Measured[] = [];
  for (const n of o.instances) runs.push(await withCleanup(async (cleanup) => (await prepare(cleanup, o, n, url, o.inFlight)).run()));
  // The control: two dispatchers that share nothing (each its own schema and fake table), run at
  // the same time with half the clients each. They cost each other only the machine, so what 2
  // coordinated instances cost beyond this is coordination.
  const control = await withCleanup(async (cleanup) => {
    const half = Math.max(1, Math.floor(o.inFlight / 2));
    const pair = [await prepare(cleanup, o, 1, url, half), await prepare(cleanup, o, 1, url, half)];
    return combine(await Promise.all(pair.map((p) => p.run())));
  });
  const base = runs[0];
  for (const r of runs) {
    const label = `${r.instances} instance${r.instances > 1 ? 's' : ''}`;
    const isBase = r === base;
    metrics.push(metric({
      name: `pairs/s, ${label}`,
      figure: r.pairsPerSecond,
      unit: 'pairs/s',
      ...(isBase || !base ? {} : { baseline: base.pairsPerSecond, baselineLabel: '1 instance', goal: r.instances === 2 ? { on: 'ratio' as const, op: '>=' as const, value: 1.3 } : undefined }),
    }));
    metrics.push(metric({
      name: `server CPU per pair, ${label} (sum)`,
      figure: r.cpuPerPair,
      unit: 'ms',
      ...(isBase || !base ? {} : { baseline: base.cpuPerPair, baselineLabel: '1 instance', goal: r.instances === 2 ? { on: 'ratio' as const, op: '<=' as const, value: 1.2 } : undefined }),
    }));
    metrics.push(metric({ name: `store statements per pair, ${label} (sum)`, figure: r.statementsPerPair, unit: 'stmts', ...(isBase || !base ? {} : { baseline: base.statementsPerPair, baselineLabel: '1 instance' }) }));
    details[label] = r.detail;
  }
  const two = runs.find((r) => r.instances === 2);
  metrics.push(metric({ name: 'pairs/s, 2 independent instances at once (control)', figure: control.pairsPerSecond, unit: 'pairs/s', ...(base ? { baseline: base.pairsPerSecond, baselineLabel: '1 instance' } : {}) }));
  metrics.push(metric({ name: 'server CPU per pair, 2 independent instances at once (control)', figure: control.cpuPerPair, unit: 'ms', ...(base ? { baseline: base.cpuPerPair, baselineLabel: '1 instance' } : {}) }));
  if (two) metrics.push(metric({ name: 'server CPU per pair, 2 instances vs the control', figure: two.cpuPerPair, unit: 'ms', baseline: control.cpuPerPair, baselineLabel: 'control' }));
  details['control: 2 independent instances'] = control.detail;
  if (base) {
    // What these cores allow: every process's CPU per pair with one instance (the instance,
    // PostgreSQL, the load generator), spread over all cores with nothing else to do. More
    // instances only add to a pair's cost, so no number of them can pass this rate here.
    const cores = cpus().length;
    metrics.push(metric({ name: 'machine CPU per pair, 1 instance (every process)', figure: base.machineCpuPerPair, unit: 'ms' }));
    metrics.push(metric({ name: `ceiling on ${cores} cores (${cores} cores ÷ machine CPU per pair)`, figure: (cores * 1000) / base.machineCpuPerPair, unit: 'pairs/s', baseline: base.pairsPerSecond, baselineLabel: '1 instance' }));
  }
  metrics.push(metric({ name: 'instance counts measured', figure: runs.length, unit: 'runs' }));
  const notes = [
    `A pair = PUT /api/v1/vm/action/assign then PUT /api/v1/vm/action/release of one VM; the assign on instance i mod n, the release on instance i+1 mod n; ${o.inFlight} clients at once, ${o.seconds} s or until the ${o.vms} VMs started beforehand are used up.`,
    'The fake cloud is shared through a PostgreSQL table (fake option `shared`, one row per VM): each of its calls is one statement (a release: a get, the destroy, the gets until gone), the same with 1, 2 or 3 instances.',
    'CPU per pair = the CPU time of every instance during the run / pairs; per instance in the details. Store statements per pair are the dispatcher\'s own (the fake\'s table not counted), summed over the instances.',
    'Machine CPU per pair: the busy time of every core (os.cpus(): user, nice, system, irq) during the run, over the pairs. The ceiling divides the cores by it: the rate at which the machine would be busy all the time with one instance\'s cost per pair, which more instances can only approach.',
    `Control: two single-instance dispatchers sharing nothing but the machine (own schema, own fake table), ${Math.max(1, Math.floor(o.inFlight / 2))} clients each, run at once. Coordinated instances that cost no more than the control cost nothing for coordinating; what both cost beyond one instance is the 2 cores being shared by more processes.`,
  ];
  return { metrics, notes, details };
}

interface Measured {
  instances: number;
  pairs: number;
  elapsedMs: number;
  cpuMs: number;
  /** Every core's busy time during the run (all processes), ms. */
  machineCpuMs: number;
  statements: number;
  pairsPerSecond: number;
  cpuPerPair: number;
  machineCpuPerPair: number;
  statementsPerPair: number;
  detail: Record<string, unknown>;
}

/** Starts n instances on a fresh schema and its VMs; `run` then drives the pairs and measures. */
async function prepare(cleanup: Cleanup, o: ScaleOutOptions, n: number, url: string, inFlight: number): Promise<{ run(): Promise<Measured> }> {
  const database = cleanup.database(postgresDatabase(url, `scale${n}`));
  // The fake's table lives in the run's schema (created by the first instance), dropped with it.
  const shared = { databaseUrl: `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${database.schema}`)}` };
  const spec = {
    config: { clouds: [fakeCloud('bench', { shared }, { default: true })], tracker: { pollIntervalMs: 10 } },
    databaseUrl: database.url,
    schema: database.schema,
  };
  // One after the other: the first migrates the schema and creates the admin.
  const servers: DispatcherChild[] = [];
  for (let i = 0; i < n; i++) servers.push(await cleanup.server(startDispatcher(spec)));
  const vms = await (servers[0] as DispatcherChild).ask('start', { cloud: 'bench', count: o.vms, prefix: 'vm', concurrency: 8 });
  const clients = servers.map((s) => new BenchClient(s.baseUrl, s.token, inFlight));
  cleanup.defer(async () => clients.forEach((c) => c.close()));
  const on = (i: number) => clients[i % n] as BenchClient;
  const pair = async (i: number) => {
    const hostname = vms[i].name;
    await on(i).ok('PUT', '/api/v1/vm/action/assign', { hostname, user: `user-${i % 50}`, vm_type: 'bench' });
    await on(i + 1).ok('PUT', '/api/v1/vm/action/release', { hostname });
  };
  const warm = Math.min(100, Math.floor(vms.length / 10));
  await runPool(warm, inFlight, pair);
  return {
    async run() {
      const cpuBefore = await Promise.all(servers.map((s) => s.ask('cpu', {})));
      const callsBefore = await Promise.all(servers.map((s) => s.ask('calls', {})));
      const machineBefore = machineBusyMs();
      const done = await runPool(vms.length - warm, inFlight, (i) => pair(warm + i), o.seconds * 1000);
      const machineCpuMs = machineBusyMs() - machineBefore;
      const cpuAfter = await Promise.all(servers.map((s) => s.ask('cpu', {})));
      const callsAfter = await Promise.all(servers.map((s) => s.ask('calls', {})));
      const cpuMs = cpuAfter.map((after, i) => (after - (cpuBefore[i] as number)) / 1000);
      const statements = callsAfter.reduce((sum, after, i) => sum + (callDelta(callsBefore[i] as never, after as never).storeStatements ?? 0), 0);
      const pairs = Math.max(1, done.done);
      const cpuTotal = cpuMs.reduce((a, b) => a + b, 0);
      return {
        instances: n,
        pairs: done.done,
        elapsedMs: done.elapsedMs,
        cpuMs: cpuTotal,
        machineCpuMs,
        statements,
        pairsPerSecond: done.done / (done.elapsedMs / 1000),
        cpuPerPair: cpuTotal / pairs,
        machineCpuPerPair: machineCpuMs / pairs,
        statementsPerPair: statements / pairs,
        detail: {
          pairs: done.done,
          seconds: round(done.elapsedMs / 1000),
          exhausted: done.done === vms.length - warm,
          cpuPerPairPerInstanceMs: cpuMs.map((ms) => round(ms / pairs, 3)),
        },
      };
    },
  };
}

/** Two dispatchers measured at once, as one: their pairs over the longer of their windows. */
function combine(parts: Measured[]): Measured {
  const pairs = parts.reduce((a, p) => a + p.pairs, 0);
  const elapsedMs = Math.max(...parts.map((p) => p.elapsedMs));
  const cpuMs = parts.reduce((a, p) => a + p.cpuMs, 0);
  // Both parts ran at once: the machine's busy time is one figure, not two.
  const machineCpuMs = Math.max(...parts.map((p) => p.machineCpuMs));
  const statements = parts.reduce((a, p) => a + p.statements, 0);
  return {
    instances: parts.length,
    pairs,
    elapsedMs,
    cpuMs,
    machineCpuMs,
    statements,
    pairsPerSecond: pairs / (elapsedMs / 1000),
    cpuPerPair: cpuMs / Math.max(1, pairs),
    machineCpuPerPair: machineCpuMs / Math.max(1, pairs),
    statementsPerPair: statements / Math.max(1, pairs),
    detail: { pairs, seconds: round(elapsedMs / 1000), parts: parts.map((p) => p.detail) },
  };
}

/** The busy time of every core so far (user, nice, system, irq), ms. */
function machineBusyMs(): number {
  return cpus().reduce((sum, { times }) => sum + times.user + times.nice + times.sys + times.irq, 0);
}
