// release-latency: once the cloud has really deleted a released VM, how long until the release
// answers? The dispatcher polls every pollIntervalMs, so the answer should come within one
// interval of the deletion. Where the deletion falls between two polls decides the wait, so the
// fake clouds delete at different phases of the interval (10 % … 90 % past a poll).
import { sqliteDatabase, startDispatcher, withCleanup } from './bench-harness.js';
import { BenchClient, median, round } from './bench-http.js';
import { metric } from './bench-report.js';
import { fakeCloud, timed, type Scenario } from './bench-scenario.js';

export interface ReleaseLatencyOptions {
  pollIntervalMs: number;
  /** Where in the interval each cloud deletes (one cloud per phase). */
  phases: number[];
  /** Releases per cloud, one at a time. */
  samples: number;
  /** Latency of every fake call (0: the wait is the dispatcher's polling alone). */
  latencyMs: number;
}

const DEFAULTS: ReleaseLatencyOptions = { pollIntervalMs: 200, phases: [0.1, 0.3, 0.5, 0.7, 0.9], samples: 3, latencyMs: 0 };

export const releaseLatency: Scenario<ReleaseLatencyOptions> = {
  name: 'release-latency',
  title: 'from the cloud deleting a released VM to the release answering, vs the poll interval',
  smoke: { pollIntervalMs: 50, phases: [0.5], samples: 2 },
  run: (options = {}) => timed(releaseLatency, () => run({ ...DEFAULTS, ...options })),
};

async function run(o: ReleaseLatencyOptions) {
  return withCleanup(async (cleanup) => {
    const database = cleanup.database(sqliteDatabase());
    // One interval plus the phase: the first poll (right after the destroy) still sees the VM.
    const delays = o.phases.map((phase) => Math.round(o.pollIntervalMs * (1 + phase)));
    const clouds = delays.map((destroyDelayMs, i) => fakeCloud(`cloud-${i}`, { destroyDelayMs, latencyMs: o.latencyMs, seed: i + 1 }, { default: i === 0 }));
    const server = await cleanup.server(
      startDispatcher({ config: { clouds, tracker: { pollIntervalMs: o.pollIntervalMs } }, databaseUrl: database.url }),
    );
    const client = new BenchClient(server.baseUrl, server.token, 1);
    cleanup.defer(async () => client.close());

    const samples: Array<{ cloud: string; destroyDelayMs: number; latencyMs: number; releaseMs: number }> = [];
    for (const [i, destroyDelayMs] of delays.entries()) {
      const cloud = `cloud-${i}`;
      const vms = await server.ask('start', { cloud, count: o.samples, prefix: 'vm', concurrency: 1 });
      for (const vm of vms) {
        const sent = Date.now();
        await client.ok('PUT', `/api/v1/vm/action/release/${cloud}`, { hostname: vm.name });
        const answered = Date.now();
        const [operation] = (await server.ask('operations', { kind: 'vm.release', limit: 10 })).filter((op) => op.target === vm.id);
        const destroyed = operation?.steps.find((s) => s.step === 'destroy');
        if (!destroyed) throw new Error(`release-latency: no destroy step recorded for ${vm.id}`);
        // The fake schedules the deletion at (its clock when destroyVm is done, after its latency)
        // + destroyDelayMs; the step is noted as destroyVm returns, within a millisecond of it.
        const gone = Date.parse(destroyed.at) + destroyDelayMs;
        samples.push({ cloud, destroyDelayMs, latencyMs: answered - gone, releaseMs: answered - sent });
      }
    }
    const latencies = samples.map((s) => s.latencyMs);
    const worst = Math.max(...latencies);
    return {
      metrics: [
        metric({ name: 'worst wait after deletion', figure: worst, unit: 'ms', baseline: o.pollIntervalMs, baselineLabel: 'poll interval', goal: { on: 'ratio', op: '<=', value: 1 } }),
        metric({ name: 'median wait after deletion', figure: median(latencies), unit: 'ms', baseline: o.pollIntervalMs, baselineLabel: 'poll interval' }),
      ],
      notes: [
        `pollIntervalMs ${o.pollIntervalMs}; ${o.phases.length} fake clouds deleting ${delays.join(', ')} ms after destroyVm, ${o.latencyMs} ms per call; ${o.samples} releases each, one at a time.`,
        'wait = (release answered, client clock) − (destroy step time + destroyDelayMs); a deletion just after a poll waits about one interval, one just before a poll almost nothing.',
      ],
      details: { samples: samples.map((s) => ({ ...s, latencyMs: round(s.latencyMs), releaseMs: round(s.releaseMs) })) },
    };
  });
}
