// lookup-scaling: naming a VM must cost the same whether the cloud holds a hundred VMs or ten
// thousand. Two dispatchers run side by side, one over a small and one over a large fake cloud,
// and the same operations alternate between them (noise hits both); we compare median times and
// count the provider calls each operation made.
import { sqliteDatabase, startDispatcher, withCleanup, type DispatcherChild } from './bench-harness.js';
import { BenchClient, median, percentile, round } from './bench-http.js';
import { metric } from './bench-report.js';
import { callDelta, fakeCloud, timed, type Scenario } from './bench-scenario.js';

export interface LookupScalingOptions {
  small: number;
  large: number;
  /** Measured operations of each kind on each size (after `warmup` unmeasured ones). */
  ops: number;
  warmup: number;
}

const DEFAULTS: LookupScalingOptions = { small: 100, large: 10_000, ops: 40, warmup: 5 };

interface Side {
  size: number;
  server: DispatcherChild;
  client: BenchClient;
  vms: Array<{ id: string; name: string }>;
  stopMs: number[];
  releaseMs: number[];
  stopCalls: Record<string, number>;
  releaseCalls: Record<string, number>;
}

export const lookupScaling: Scenario<LookupScalingOptions> = {
  name: 'lookup-scaling',
  title: 'stop by hostname and release by node: 100 vs 10,000 VMs',
  smoke: { small: 20, large: 60, ops: 4, warmup: 1 },
  run: (options = {}) => timed(lookupScaling, () => run({ ...DEFAULTS, ...options })),
};

async function run(o: LookupScalingOptions) {
  const perKind = o.warmup + o.ops;
  if (perKind * 2 > o.small) throw new Error(`lookup-scaling: ${perKind} stops and releases need at least ${perKind * 2} VMs`);
  return withCleanup(async (cleanup) => {
    const sides = await Promise.all(
      [o.small, o.large].map(async (size): Promise<Side> => {
        const database = cleanup.database(sqliteDatabase());
        const server = await cleanup.server(
          startDispatcher({ config: { clouds: [fakeCloud('bench', {}, { default: true })], tracker: { pollIntervalMs: 50 } }, databaseUrl: database.url }),
        );
        // Started through VmService, so each VM is tracked FREE exactly as after POST /vm/start.
        const vms = await server.ask('start', { cloud: 'bench', count: size, prefix: 'vm', concurrency: 16 });
        const client = new BenchClient(server.baseUrl, server.token, 4);
        cleanup.defer(async () => client.close());
        return { size, server, client, vms, stopMs: [], releaseMs: [], stopCalls: {}, releaseCalls: {} };
      }),
    );

    // Targets spread over the whole list (even positions stopped, odd ones released), the same
    // positions relative to size on both sides.
    const target = (side: Side, k: number, kind: 0 | 1) => side.vms[2 * Math.floor((k * side.size) / (2 * perKind)) + kind];
    const phase = async (kind: 0 | 1) => {
      const before = new Map<Side, Record<string, Record<string, number>>>();
      for (let k = 0; k < perKind; k++) {
        if (k === o.warmup) for (const side of sides) before.set(side, await side.server.ask('calls', {}));
        for (const side of k % 2 === 0 ? sides : [...sides].reverse()) {
          const vm = target(side, k, kind);
          const started = performance.now();
          if (kind === 0) await side.client.ok('PUT', '/api/v1/vm/stop', { hostname: vm.name });
          else await side.client.ok('PUT', '/api/v1/vm/action/release', { node: vm.id });
          if (k >= o.warmup) (kind === 0 ? side.stopMs : side.releaseMs).push(performance.now() - started);
        }
      }
      for (const side of sides) {
        const delta = callDelta(before.get(side) ?? {}, await side.server.ask('calls', {}));
        if (kind === 0) side.stopCalls = delta;
        else side.releaseCalls = delta;
      }
    };
    await phase(0);
    await phase(1);

    const [small, large] = sides;
    const per = (calls: Record<string, number>, ...operations: string[]) => operations.reduce((n, op) => n + (calls[op] ?? 0), 0) / o.ops;
    // With destroyDelayMs 0 the VM is gone as soon as destroyVm returns, so a release makes exactly
    // one getVm after the destroy (the "is it gone?" check); the rest are lookups.
    const stopLookups = (s: Side) => per(s.stopCalls, 'findVmByName', 'getVm');
    const releaseLookups = (s: Side) => per(s.releaseCalls, 'findVmByName', 'getVm') - per(s.releaseCalls, 'destroyVm');
    const listCalls = sides.reduce((n, s) => n + (s.stopCalls.listVms ?? 0) + (s.releaseCalls.listVms ?? 0), 0);
    const sizes = `${small.size} VMs`;
    return {
      metrics: [
        metric({ name: `stop by hostname, median, ${large.size} VMs`, figure: median(large.stopMs), unit: 'ms', baseline: median(small.stopMs), baselineLabel: sizes, goal: { on: 'ratio', op: '<=', value: 1.5 } }),
        metric({ name: `release by node, median, ${large.size} VMs`, figure: median(large.releaseMs), unit: 'ms', baseline: median(small.releaseMs), baselineLabel: sizes, goal: { on: 'ratio', op: '<=', value: 1.5 } }),
        metric({ name: 'lookup calls per stop', figure: stopLookups(large), unit: 'calls', baseline: stopLookups(small), baselineLabel: sizes, goal: { on: 'figure', op: '<=', value: 1 } }),
        metric({ name: 'lookup calls per release', figure: releaseLookups(large), unit: 'calls', baseline: releaseLookups(small), baselineLabel: sizes, goal: { on: 'figure', op: '<=', value: 1 } }),
        metric({ name: 'listVms calls (all measured ops)', figure: listCalls, unit: 'calls', goal: { on: 'figure', op: '<=', value: 0 } }),
      ],
      notes: [
        `${o.ops} measured stops and ${o.ops} releases per size after ${o.warmup} unmeasured of each, one at a time, alternating between the two servers.`,
        'VMs started through the service (tracked FREE); fake latency 0, so the times are the dispatcher\'s own work (HTTP, store, lookups).',
        'release lookups = getVm + findVmByName − destroyVm: with instant deletion each release polls getVm exactly once after its destroy.',
      ],
      details: Object.fromEntries(
        sides.map((s) => [
          `${s.size} VMs`,
          {
            stopMs: { median: round(median(s.stopMs)), p90: round(percentile(s.stopMs, 90)) },
            releaseMs: { median: round(median(s.releaseMs)), p90: round(percentile(s.releaseMs, 90)) },
            stopCalls: s.stopCalls,
            releaseCalls: s.releaseCalls,
          },
        ]),
      ),
    };
  });
}
