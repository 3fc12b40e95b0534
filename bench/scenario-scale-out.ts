// scale-out: assign/release pairs per second through 1, 2 and 3 dispatcher processes on one
// PostgreSQL (each run its own schema) sharing one fake cloud (a table of that schema), the requests
// spread round-robin (a pair's assign goes to instance i, its release to instance i+1, so every
// pair crosses instances when there are several). One instance is the baseline of the same run.
// Beside the rate: server CPU per pair, summed over the instances and per instance (this machine's
// cores are shared by the instances, PostgreSQL and the load generator).
import { postgresDatabase, startDispatcher, withCleanup, type DispatcherChild } from './bench-harness.js';
import { BenchClient, round, runPool } from './bench-http.js';
import { metric, type Metric } from './bench-report.js';
import { fakeCloud, timed, type Scenario } from './bench-scenario.js';

export interface ScaleOutOptions {
  /** VMs started beforehand per run: each is assigned and released once, so this bounds the pairs. */
  vms: number;
  seconds: number;
  /** Clients in flight, spread over the instances. */
  inFlight: number;
  instances: number[];
  postgresUrl?: string;
}

const DEFAULTS: ScaleOutOptions = { vms: 400, seconds: 6, inFlight: 12, instances: [1, 2, 3] };

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
  const runs: Awaited<ReturnType<typeof measure>>[] = [];
  for (const n of o.instances) runs.push(await measure(o, n, o.postgresUrl));
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
    details[label] = r.detail;
  }
  metrics.push(metric({ name: 'instance counts measured', figure: runs.length, unit: 'runs' }));
  const notes = [
    `A pair = PUT /api/v1/vm/action/assign then PUT /api/v1/vm/action/release of one VM; the assign on instance i mod n, the release on instance i+1 mod n; ${o.inFlight} clients at once, ${o.seconds} s or until the ${o.vms} VMs started beforehand are used up.`,
    'The fake cloud is shared through a PostgreSQL table (fake option `shared`, one row per VM): each of its calls is one statement (a release: a get, the destroy, the gets until gone), the same with 1, 2 or 3 instances.',
    'CPU per pair = the CPU time of every instance during the run / pairs; per instance in the details.',
  ];
  return { metrics, notes, details };
}

async function measure(o: ScaleOutOptions, n: number, url: string) {
  return withCleanup(async (cleanup) => {
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
    const clients = servers.map((s) => new BenchClient(s.baseUrl, s.token, o.inFlight));
    cleanup.defer(async () => clients.forEach((c) => c.close()));
    const on = (i: number) => clients[i % n] as BenchClient;
    const pair = async (i: number) => {
      const hostname = vms[i].name;
      await on(i).ok('PUT', '/api/v1/vm/action/assign', { hostname, user: `user-${i % 50}`, vm_type: 'bench' });
      await on(i + 1).ok('PUT', '/api/v1/vm/action/release', { hostname });
    };
    const warm = Math.min(100, Math.floor(vms.length / 10));
    await runPool(warm, o.inFlight, pair);
    const cpuBefore = await Promise.all(servers.map((s) => s.ask('cpu', {})));
    const done = await runPool(vms.length - warm, o.inFlight, (i) => pair(warm + i), o.seconds * 1000);
    const cpuAfter = await Promise.all(servers.map((s) => s.ask('cpu', {})));
    const cpuMs = cpuAfter.map((after, i) => (after - (cpuBefore[i] as number)) / 1000);
    const pairs = Math.max(1, done.done);
    return {
      instances: n,
      pairsPerSecond: done.done / (done.elapsedMs / 1000),
      cpuPerPair: cpuMs.reduce((a, b) => a + b, 0) / pairs,
      detail: {
        pairs: done.done,
        seconds: round(done.elapsedMs / 1000),
        exhausted: done.done === vms.length - warm,
        cpuPerPairPerInstanceMs: cpuMs.map((ms) => round(ms / pairs, 3)),
      },
    };
  });
}
