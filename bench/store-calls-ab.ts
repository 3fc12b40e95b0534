// The store's own CPU on the hot paths, without HTTP: the store calls of one start and one
// assign/release pair (as the services make them now), run in this process against two transpiled trees in
// turn (`bench/results/.build/<hash>`, see bench-build.ts), so that a change to the store is
// measured apart from the server's other work. CPU time (process.cpuUsage) moves far less than
// wall time on a shared machine; the rounds alternate the trees (ABBA) all the same.
//
//   node --import tsx bench/store-calls-ab.ts <rounds> <sequences> sqlite|postgres <dirA> <dirB>
//
// postgres uses DATABASE_URL and a schema of its own, dropped afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { dropSchema } from '../test/support/store-backends.js';

type Stores = Record<'operations' | 'tracker' | 'records' | 'admin', Record<string, (...args: unknown[]) => Promise<unknown>>>;

async function open(dir: string, backend: string) {
  const load = (file: string) => import(join(dir, 'src', 'store', file));
  const { openStore } = await load('store-open.js');
  const url = backend === 'postgres' ? process.env.DATABASE_URL : undefined;
  if (backend === 'postgres' && !url) throw new Error('postgres: set DATABASE_URL');
  const tmp = url ? undefined : mkdtempSync(join(tmpdir(), 'store-calls-'));
  const schema = url ? `bench_calls_${randomBytes(4).toString('hex')}` : undefined;
  const store = await openStore(url ?? `sqlite:${join(tmp as string, 'calls.sqlite')}`, { schema });
  const make = async (file: string, name: string) => new (await load(file))[name](store.db);
  const stores: Stores = {
    operations: await make('operation-store.js', 'OperationStore'),
    tracker: await make('tracker-store.js', 'TrackerStore'),
    records: await make('vm-record-store.js', 'VmRecordStore'),
    admin: await make('admin-store.js', 'AdminStore'),
  };
  const close = async () => {
    await store.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    if (url && schema) await dropSchema(url, schema);
  };
  return { stores, counters: store.counters as { statements: number }, close };
}

/**
 * The store calls of a v1 start, then of an assign and a release of that VM, in the order the
 * services make them (the bookkeeping that ends an operation just before its end, as on SQLite).
 * Trees older than AdminStore.assignChecks lack it: compare those with the sequence of their time.
 */
async function sequence({ operations, tracker, records, admin }: Stores, vm: string): Promise<void> {
  const step = (name: string) => [{ step: name, state: 'done', at: new Date().toISOString() }];
  const start = (await operations.create({ kind: 'vm.start', cloud: 'c', request: { name: vm }, owner: 'bench', requestId: randomBytes(8).toString('hex') })) as { id: string };
  await records.created({ cloud: 'c', idVm: vm, name: vm, image: 'i', size: 's', requestedAt: new Date(), state: 'running' });
  await tracker.upsert({ cloud: 'c', id_vm: vm, hostname: vm, status: 1, status_desc: 'FREE', recipe: '' });
  await operations.update(start.id, { state: 'succeeded', result: { id: vm }, steps: step('track'), target: vm });
  await tracker.byHostname('c', vm);
  await admin.assignChecks('c', vm, 'user-1');
  await tracker.transition('c', vm, ['FREE'], { status: 2, status_desc: 'ASSIGNED', user: 'user-1', recipe: 'r' });
  await tracker.byHostname('c', vm);
  const release = (await operations.create({ kind: 'vm.release', cloud: 'c', target: vm, request: { hostname: vm }, owner: 'bench' })) as { id: string };
  await tracker.transition('c', vm, ['ASSIGNED', 'FREE', 'FAULTY'], { status: 4, status_desc: 'RELEASED', user: '' });
  await operations.update(release.id, { steps: step('destroy') });
  await tracker.remove('c', vm);
  await records.end('c', vm, 'destroyed');
  await admin.clearFlags('c', vm);
  await operations.update(release.id, { state: 'succeeded', result: { id: vm }, steps: step('untrack'), target: vm });
}

async function measure(dir: string, backend: string, n: number) {
  const { stores, counters, close } = await open(dir, backend);
  try {
    for (let i = 0; i < 200; i++) await sequence(stores, `warm-${i}`); // JIT, statement caches
    const before = process.cpuUsage();
    const statements = counters.statements;
    for (let i = 0; i < n; i++) await sequence(stores, `vm-${i}`);
    const cpu = process.cpuUsage(before);
    return { microseconds: (cpu.user + cpu.system) / n, statements: (counters.statements - statements) / n };
  } finally {
    await close();
  }
}

const [rounds = '4', n = '400', backend = 'sqlite', ...dirs] = process.argv.slice(2);
if (dirs.length === 0) throw new Error('usage: store-calls-ab.ts <rounds> <sequences> sqlite|postgres <dir> [<dir> …]');
const figures = new Map<string, number[]>(dirs.map((dir) => [dir, []]));
for (let round = 0; round < Number(rounds); round++) {
  for (const dir of round % 2 ? [...dirs].reverse() : dirs) {
    const { microseconds, statements } = await measure(dir, backend, Number(n));
    figures.get(dir)?.push(microseconds);
    console.log(`round ${round} ${dir}: ${microseconds.toFixed(0)} µs CPU per sequence, ${statements} statements, load ${loadavg()[0].toFixed(1)}`);
  }
}
for (const [dir, values] of figures) {
  const sorted = [...values].sort((a, b) => a - b);
  console.log(`${dir}: median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} µs, min ${sorted[0].toFixed(0)} µs`);
}
