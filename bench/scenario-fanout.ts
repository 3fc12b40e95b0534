// fanout: a burst of starts spread over several slow clouds must finish in about the time the
// clouds' own concurrency limits allow — the dispatcher queues, it does not serialize. The
// baseline is that ideal, computed from the configuration: every create call packed into the
// per-cloud slots with no gap, nothing else counted.
import { sqliteDatabase, startDispatcher, withCleanup } from './bench-harness.js';
import { BenchClient, round, runPool } from './bench-http.js';
import { metric } from './bench-report.js';
import { callDelta, fakeCloud, perOperation, timed, type Scenario } from './bench-scenario.js';

export interface FanoutOptions {
  starts: number;
  clouds: number;
  latencyMs: number;
  /** Per-cloud concurrency limit (the cloud entry's `concurrency`). */
  concurrency: number;
  /** Requests the client keeps in flight (enough to fill every slot of every cloud). */
  inFlight: number;
}

const DEFAULTS: FanoutOptions = { starts: 1000, clouds: 3, latencyMs: 100, concurrency: 20, inFlight: 120 };

export const fanout: Scenario<FanoutOptions> = {
  name: 'fanout',
  title: '1,000 starts over 3 clouds (100 ms per call, 20 calls at once per cloud)',
  smoke: { starts: 30, latencyMs: 10, concurrency: 5, inFlight: 30 },
  run: (options = {}) => timed(fanout, () => run({ ...DEFAULTS, ...options })),
};

async function run(o: FanoutOptions) {
  return withCleanup(async (cleanup) => {
    const database = cleanup.database(sqliteDatabase());
    const names = Array.from({ length: o.clouds }, (_, i) => `cloud-${i}`);
    const clouds = names.map((name, i) => fakeCloud(name, { latencyMs: o.latencyMs, seed: i + 1 }, { concurrency: o.concurrency, default: i === 0 }));
    const server = await cleanup.server(startDispatcher({ config: { clouds }, databaseUrl: database.url }));
    const client = new BenchClient(server.baseUrl, server.token, o.inFlight);
    cleanup.defer(async () => client.close());
    // One request per connection before timing: sockets open, routes and JIT warm. The catalog
    // cache stays cold (these are emulated starts, which call no cloud).
    await runPool(o.inFlight, o.inFlight, (i) => client.ok('POST', `/api/v1/vm/start/${names[i % o.clouds]}`, { name: `warm-${i}`, image: 'ubuntu-24.04', size: 'small', emulate: true }).then(() => undefined));

    const before = await server.ask('calls', {});
    const cpuBefore = await server.ask('cpu', {});
    const loopBefore = await server.ask('loop', {});
    const latencies: number[] = [];
    const { elapsedMs, done } = await runPool(o.starts, o.inFlight, async (i) => {
      const sent = performance.now();
      await client.ok('POST', `/api/v1/vm/start/${names[i % o.clouds]}`, { name: `vm-${i}`, image: 'ubuntu-24.04', size: 'small' });
      latencies.push(performance.now() - sent);
    });
    const cpuPerStart = ((await server.ask('cpu', {})) - cpuBefore) / 1000 / o.starts;
    const loopAfter = await server.ask('loop', {});
    const busy = (loopAfter.active - loopBefore.active) / (loopAfter.active - loopBefore.active + loopAfter.idle - loopBefore.idle);
    const calls = callDelta(before, await server.ask('calls', {}));

    const slots = o.clouds * o.concurrency;
    const ideal = (o.starts / slots) * o.latencyMs;
    // What the configuration allows at best, counting what the ideal leaves out: the busiest
    // cloud's whole rounds of creates, after one round for the (cold) images and sizes lookups.
    const perCloud = Math.ceil(o.starts / o.clouds);
    const floor = (1 + Math.ceil(perCloud / o.concurrency)) * o.latencyMs;
    if (calls.createVm !== o.starts) throw new Error(`fanout: expected ${o.starts} createVm calls, the clouds saw ${calls.createVm}`);
    return {
      metrics: [
        metric({ name: `wall time of ${o.starts} starts`, figure: elapsedMs, unit: 'ms', baseline: ideal, baselineLabel: 'ideal', goal: { on: 'ratio', op: '<=', value: 1.2 } }),
        metric({ name: 'wall time vs configuration floor', figure: elapsedMs, unit: 'ms', baseline: floor, baselineLabel: 'floor' }),
        // The server's CPU budget: at most (ideal wall time / starts) per start, or it, not the clouds, sets the pace.
        metric({ name: 'server CPU per start', figure: cpuPerStart, unit: 'ms', baseline: ideal / o.starts, baselineLabel: 'ideal ms/start', goal: { on: 'figure', op: '<=', value: 1.2 } }),
        metric({ name: 'server main thread busy', figure: busy * 100, unit: '%' }),
        ...perOperation(calls, 'start', o.starts),
        // What the start's statements cost SQLite itself: the part of the CPU goal no code of ours can take back.
        ...(calls.storeDriverMicros === undefined ? [] : [metric({ name: 'SQLite execution per start', figure: calls.storeDriverMicros / 1000 / o.starts, unit: 'ms' })]),
      ],
      notes: [
        `ideal = ${o.starts} creates / (${o.clouds} clouds × ${o.concurrency} slots) × ${o.latencyMs} ms = ${round(ideal, 0)} ms: create calls only, perfectly packed.`,
        `floor = 1 round for the cold images+sizes lookups (cached per cloud afterwards) + ceil(${perCloud}/${o.concurrency}) rounds of creates on the busiest cloud = ${floor} ms; the gap from floor to ideal is the configuration's, not ours.`,
        `${done} starts with ${o.inFlight} requests in flight; provider calls: ${Object.entries(calls).filter(([k]) => !k.startsWith('store') || k === 'storeStatements').map(([k, v]) => `${k} ${v}`).join(', ')}.`,
      ],
      details: { elapsedMs: round(elapsedMs), idealMs: round(ideal), floorMs: floor, calls, latencyMs: summarize(latencies) },
    };
  });
}

function summarize(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN);
  return { p50: at(50), p90: at(90), max: at(100) };
}
