// memory: what holding ten thousand VMs costs. A fresh dispatcher process reports its RSS idle
// (started, logged in, nothing asked yet: the baseline), then after 10,000 VMs were started
// through it over 3 clouds (so the tracker and our records hold them) and every cloud was listed
// through the API. RSS is read after a full GC, so it is what stays, not garbage in waiting.
// The same is then measured with glibc told to return large blocks to the system at once, which
// shows how much of the figure is allocator cache rather than live data (see docs/performance.md).
import { sqliteDatabase, startDispatcher, withCleanup } from './bench-harness.js';
import type { MemoryFigures } from './bench-ipc.js';
import { BenchClient, round } from './bench-http.js';
import { metric, type Metric } from './bench-report.js';
import { fakeCloud, timed, type Scenario } from './bench-scenario.js';

export interface MemoryOptions {
  vms: number;
  clouds: number;
  /** Also measure under MALLOC_MMAP_THRESHOLD_ (glibc), as an explanation of the default figure. */
  withAllocatorKnob: boolean;
}

const DEFAULTS: MemoryOptions = { vms: 10_000, clouds: 3, withAllocatorKnob: true };
const MB = 1024 * 1024;
/** Blocks of 1 MiB and more are mmap'd and unmapped on free (glibc's threshold is otherwise dynamic). */
const ALLOCATOR_KNOB = { MALLOC_MMAP_THRESHOLD_: String(MB) };

export const memory: Scenario<MemoryOptions> = {
  name: 'memory',
  title: 'RSS with 10,000 VMs tracked over 3 clouds and listed',
  smoke: { vms: 30, withAllocatorKnob: false },
  run: (options = {}) => timed(memory, () => run({ ...DEFAULTS, ...options })),
};

async function run(o: MemoryOptions) {
  const plain = await measure(o, {});
  const mb = (bytes: number | undefined) => (bytes ?? NaN) / MB;
  const metrics: Metric[] = [
    metric({ name: `RSS with ${o.vms} VMs`, figure: mb(plain.loaded.rss), unit: 'MB', baseline: mb(plain.idle.rss), baselineLabel: 'idle', goal: { on: 'figure', op: '<=', value: 140 } }),
    metric({ name: `RSS growth for ${o.vms} VMs`, figure: mb(plain.loaded.rss - plain.idle.rss), unit: 'MB' }),
    metric({ name: 'JS heap used', figure: mb(plain.loaded.heapUsed), unit: 'MB', baseline: mb(plain.idle.heapUsed), baselineLabel: 'idle' }),
  ];
  const details: Record<string, unknown> = { default: summary(plain) };
  if (o.withAllocatorKnob) {
    const knob = await measure(o, ALLOCATOR_KNOB);
    metrics.push(
      metric({ name: `RSS with ${o.vms} VMs, MALLOC_MMAP_THRESHOLD_=1MiB`, figure: mb(knob.loaded.rss), unit: 'MB', baseline: mb(knob.idle.rss), baselineLabel: 'idle' }),
    );
    details.mallocMmapThreshold1MiB = summary(knob);
  }
  return {
    metrics,
    notes: [
      `${o.vms} VMs started through VmService over ${o.clouds} fake clouds (${round(plain.startMs / 1000, 1)} s), then each cloud listed (GET /api/v1/nodes/<cloud>) and its tracker records listed (GET /api/v1/vm/status/<cloud>).`,
      'The fake clouds live in the dispatcher process: their 10,000 VM records are inside the figure, a real cloud\'s would not be.',
      'Plain node on transpiled JS with the node flags of npm start (as npm start runs it), background workers off, MB = MiB, read after a full GC; RSS includes ~45 MB of the node binary\'s own pages (details: rssFile).',
      'RSS varies by ±15 MB from run to run with where glibc keeps scrypt\'s 16 MB login buffers; the last row shows the same run with that cache turned off.',
    ],
    details,
  };
}

async function measure(o: MemoryOptions, env: Record<string, string>) {
  return withCleanup(async (cleanup) => {
    const database = cleanup.database(sqliteDatabase());
    const names = Array.from({ length: o.clouds }, (_, i) => `cloud-${i}`);
    const clouds = names.map((name, i) => fakeCloud(name, { seed: i + 1 }, { default: i === 0 }));
    const server = await cleanup.server(startDispatcher({ config: { clouds }, databaseUrl: database.url }, { env }));
    const idle = await server.ask('memory', {});

    const startedAt = performance.now();
    for (const [i, cloud] of names.entries()) {
      const count = Math.floor(o.vms / o.clouds) + (i < o.vms % o.clouds ? 1 : 0);
      await server.ask('start', { cloud, count, prefix: `vm-${i}`, concurrency: 4 });
    }
    const startMs = performance.now() - startedAt;
    const client = new BenchClient(server.baseUrl, server.token, 1);
    cleanup.defer(async () => client.close());
    let listed = 0;
    let tracked = 0;
    for (const cloud of names) {
      listed += (await client.ok('GET', `/api/v1/nodes/${cloud}`)).body.nodes.length;
      tracked += (await client.ok('GET', `/api/v1/vm/status/${cloud}`)).body.nodes.length;
    }
    if (listed !== o.vms || tracked !== o.vms) throw new Error(`memory: ${o.vms} VMs started, ${listed} listed, ${tracked} tracked`);
    return { idle, loaded: await server.ask('memory', {}), startMs };
  });
}

function summary(m: { idle: MemoryFigures; loaded: MemoryFigures; startMs: number }) {
  const inMb = (usage: MemoryFigures) => Object.fromEntries(Object.entries(usage).map(([k, v]) => [k, round((v as number) / MB, 1)]));
  return { idle: inMb(m.idle), loaded: inMb(m.loaded), startMs: round(m.startMs) };
}
