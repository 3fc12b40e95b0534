// assign-throughput: how many assign/release pairs per second the tracker path sustains through
// the HTTP API, on SQLite and (when DATABASE_URL is set) on PostgreSQL. Release destroys the VM
// and waits until the cloud no longer lists it; to measure our path and not a cloud's delete
// time, the fake deletes instantly (destroyDelayMs 0), so each release makes exactly one
// destroyVm and one getVm that finds it gone. The baseline is the same client making the same
// number of requests to GET /healthz on the same server: plain HTTP, no store, no cloud.
import { postgresDatabase, sqliteDatabase, startDispatcher, withCleanup, type BenchDatabase } from './bench-harness.js';
import { BenchClient, round, runPool } from './bench-http.js';
import { metric, type Metric } from './bench-report.js';
import { callDelta, fakeCloud, perOperation, timed, type Scenario } from './bench-scenario.js';

export interface AssignThroughputOptions {
  /** VMs started beforehand: each is assigned and released once, so this bounds the pairs. */
  vms: number;
  seconds: number;
  /** Clients, each running its own assign-then-release sequence. */
  inFlight: number;
  /** PostgreSQL URL; default DATABASE_URL (PostgreSQL figures are skipped without one). */
  postgresUrl?: string;
}

/** Pairs/s against two plain requests' rate on the same server (issue 18): PostgreSQL adds a socket round trip per statement. */
const GOAL = { sqlite: 0.5, postgres: 0.35 };

const DEFAULTS: AssignThroughputOptions = { vms: 6000, seconds: 8, inFlight: 8 };

export const assignThroughput: Scenario<AssignThroughputOptions> = {
  name: 'assign-throughput',
  title: 'assign/release pairs per second through the HTTP API (SQLite; PostgreSQL with DATABASE_URL)',
  smoke: { vms: 20, seconds: 1, inFlight: 2 },
  run: (options = {}) => timed(assignThroughput, () => run({ ...DEFAULTS, postgresUrl: process.env.DATABASE_URL || undefined, ...options })),
};

async function run(o: AssignThroughputOptions) {
  const metrics: Metric[] = [];
  const details: Record<string, unknown> = {};
  const databases: Array<() => BenchDatabase> = [() => sqliteDatabase()];
  const postgresUrl = o.postgresUrl;
  if (postgresUrl) databases.push(() => postgresDatabase(postgresUrl, 'assign'));
  for (const make of databases) {
    const { pairsPerSecond, baseline, cpuPerPair, cpuPerPlainPair, detail, kind, calls, statementMicros } = await measure(o, make);
    metrics.push(metric({ name: `pairs/s on ${kind}`, figure: pairsPerSecond, unit: 'pairs/s', baseline, baselineLabel: 'healthz pairs', goal: { on: 'ratio', op: '>=', value: GOAL[kind] } }));
    metrics.push(metric({ name: `server CPU per pair on ${kind}`, figure: cpuPerPair, unit: 'ms', baseline: cpuPerPlainPair, baselineLabel: 'healthz pair' }));
    metrics.push(...perOperation(calls, `pair on ${kind}`, detail.pairs));
    metrics.push(...floorMetrics(kind, calls, detail.pairs, cpuPerPlainPair, statementMicros));
    details[kind] = detail;
  }
  const notes = [
    `A pair = PUT /api/v1/vm/action/assign {hostname, user, vm_type} then PUT /api/v1/vm/action/release {hostname} of the same VM, ${o.inFlight} clients at once, for ${o.seconds} s or until the ${o.vms} VMs started beforehand are used up.`,
    'Counted: token check, tracker assign (admission checks included), release = tracker release + operation record + destroyVm + one getVm that finds the VM gone + untrack, on a fake that deletes instantly.',
    'Baseline: the same clients making two GET /healthz per pair on the same server (HTTP alone).',
    'Least CPU of a pair: the healthz pair plus what the pair\'s statements cost at the least: on SQLite their execution inside better-sqlite3 (timed around each call), on PostgreSQL the statements per pair × the server CPU of one `select 1` through the same store. Ceiling = healthz pair ÷ that: the ratio no pair running these statements can pass, whatever the rest of the code costs.',
  ];
  if (!postgresUrl) notes.push('PostgreSQL skipped: set DATABASE_URL=postgres://… to measure it too.');
  return { metrics, notes, details };
}

async function measure(o: AssignThroughputOptions, make: () => BenchDatabase) {
  return withCleanup(async (cleanup) => {
    const database = cleanup.database(make());
    const server = await cleanup.server(
      startDispatcher({
        config: { clouds: [fakeCloud('bench', {}, { default: true })], tracker: { pollIntervalMs: 10 } },
        databaseUrl: database.url,
        schema: database.schema,
      }),
    );
    const vms = await server.ask('start', { cloud: 'bench', count: o.vms, prefix: 'vm', concurrency: 8 });
    const client = new BenchClient(server.baseUrl, server.token, o.inFlight);
    cleanup.defer(async () => client.close());

    // Warm-up on a tenth of the VMs (at most 100): JIT, sockets, statement caches.
    const warm = Math.min(100, Math.floor(vms.length / 10));
    const pair = async (i: number) => {
      const hostname = vms[i].name;
      await client.ok('PUT', '/api/v1/vm/action/assign', { hostname, user: `user-${i % 50}`, vm_type: 'bench' });
      await client.ok('PUT', '/api/v1/vm/action/release', { hostname });
    };
    await runPool(warm, o.inFlight, pair);
    const healthz = async () => {
      await client.ok('GET', '/healthz');
      await client.ok('GET', '/healthz');
    };
    await runPool(warm, o.inFlight, healthz);

    const before = await server.ask('calls', {});
    let cpu = await server.ask('cpu', {});
    const rest = vms.length - warm;
    const assigned = await runPool(rest, o.inFlight, (i) => pair(warm + i), o.seconds * 1000);
    const pairCpu = (await server.ask('cpu', {})) - cpu;
    const calls = callDelta(before, await server.ask('calls', {}));
    cpu = await server.ask('cpu', {});
    const plain = await runPool(Math.max(assigned.done, 100), o.inFlight, healthz, o.seconds * 1000);
    const plainCpu = (await server.ask('cpu', {})) - cpu;
    // Builds from before the command (BENCH_BUILD comparisons) answer without the floor rows.
    const statementMicros = await server.ask('statementCost', { count: 2000, inFlight: o.inFlight }).catch(() => undefined);
    const pairsPerSecond = assigned.done / (assigned.elapsedMs / 1000);
    return {
      kind: database.kind,
      pairsPerSecond,
      baseline: plain.done / (plain.elapsedMs / 1000),
      cpuPerPair: pairCpu / 1000 / Math.max(1, assigned.done),
      cpuPerPlainPair: plainCpu / 1000 / Math.max(1, plain.done),
      calls,
      statementMicros,
      detail: {
        pairs: assigned.done,
        seconds: round(assigned.elapsedMs / 1000),
        exhausted: assigned.done === rest,
        providerCallsPerPair: Object.fromEntries(Object.entries(calls).map(([k, v]) => [k, round(v / Math.max(1, assigned.done), 2)])),
      },
    };
  });
}

/**
 * The least server CPU a pair running these statements can cost, and the ratio to the healthz
 * rate it therefore cannot pass: the bound the goal is checked against (issue 18).
 */
function floorMetrics(kind: 'sqlite' | 'postgres', calls: Record<string, number>, pairs: number, cpuPerPlainPair: number, statementMicros: number | undefined): Metric[] {
  const statements = calls.storeStatements;
  if (statements === undefined || statementMicros === undefined || pairs === 0) return [];
  const out = [metric({ name: `server CPU per trivial statement on ${kind}`, figure: statementMicros / 1000, unit: 'ms' })];
  const storeMs = kind === 'sqlite' ? (calls.storeDriverMicros === undefined ? undefined : calls.storeDriverMicros / 1000 / pairs) : ((statements / pairs) * statementMicros) / 1000;
  if (storeMs === undefined) return out;
  const what = kind === 'sqlite' ? 'SQLite execution' : 'statements × trivial statement';
  const least = cpuPerPlainPair + storeMs;
  out.push(metric({ name: `${what} per pair on ${kind}`, figure: storeMs, unit: 'ms' }));
  out.push(metric({ name: `least CPU per pair on ${kind} (healthz pair + ${what})`, figure: least, unit: 'ms', baseline: cpuPerPlainPair, baselineLabel: 'healthz pair' }));
  out.push(metric({ name: `ceiling on ${kind} (healthz pair ÷ least CPU per pair)`, figure: cpuPerPlainPair / least, unit: '×' }));
  return out;
}
