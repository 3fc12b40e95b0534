// cluster: one 300-member cluster spread over 3 slow fake clouds (100 ms per call, 20 calls at
// once per cloud). The members' creates should fill every cloud's slots: the baseline is the ideal
// 300 / (3 × 20) × 100 ms = 500 ms of create calls perfectly packed. Catalogs are warmed first
// (a placement reads them; they are cached per cloud), so what is timed is placement, the durable
// member rows, 300 VmService starts (each its own operation, create call and tracker record) and
// the cluster's final status.
import { sqliteDatabase, startDispatcher, withCleanup } from './bench-harness.js';
import { BenchClient, round } from './bench-http.js';
import { metric } from './bench-report.js';
import { callDelta, fakeCloud, perOperation, timed, type Scenario } from './bench-scenario.js';

export interface ClusterOptions {
  members: number;
  clouds: number;
  latencyMs: number;
  concurrency: number;
}

const DEFAULTS: ClusterOptions = { members: 300, clouds: 3, latencyMs: 100, concurrency: 20 };

export const cluster: Scenario<ClusterOptions> = {
  name: 'cluster',
  title: 'a 300-member cluster spread over 3 clouds (100 ms per call, 20 calls at once per cloud)',
  smoke: { members: 12, latencyMs: 10, concurrency: 4 },
  run: (options = {}) => timed(cluster, () => run({ ...DEFAULTS, ...options })),
};

async function run(o: ClusterOptions) {
  return withCleanup(async (cleanup) => {
    const database = cleanup.database(sqliteDatabase());
    const names = Array.from({ length: o.clouds }, (_, i) => `cloud-${i}`);
    const clouds = names.map((name, i) => fakeCloud(name, { latencyMs: o.latencyMs, seed: i + 1 }, { concurrency: o.concurrency, default: i === 0 }));
    const server = await cleanup.server(startDispatcher({ config: { clouds }, databaseUrl: database.url }));
    const client = new BenchClient(server.baseUrl, server.token, 4);
    cleanup.defer(async () => client.close());
    for (const name of names) {
      await client.ok('GET', `/api/v2/clouds/${name}/images`);
      await client.ok('GET', `/api/v2/clouds/${name}/sizes`);
    }
    // Warm the route, the store and the JIT with a small cluster first.
    await create(client, 'warm', o.clouds);

    const before = await server.ask('calls', {});
    const cpuBefore = await server.ask('cpu', {});
    const started = performance.now();
    const body = await create(client, 'bench', o.members);
    const elapsedMs = performance.now() - started;
    const cpuPerMember = ((await server.ask('cpu', {})) - cpuBefore) / 1000 / o.members;
    const calls = callDelta(before, await server.ask('calls', {}));
    if (body.status !== 'ready' || body.actualSize !== o.members) throw new Error(`cluster: ended ${body.status} with ${body.actualSize} of ${o.members} members`);
    if (calls.createVm !== o.members) throw new Error(`cluster: expected ${o.members} createVm calls, the clouds saw ${calls.createVm}`);

    const ideal = (o.members / (o.clouds * o.concurrency)) * o.latencyMs;
    return {
      metrics: [
        metric({ name: `wall time of a ${o.members}-member cluster create`, figure: elapsedMs, unit: 'ms', baseline: ideal, baselineLabel: 'ideal', goal: { on: 'ratio', op: '<=', value: 1.3 } }),
        metric({ name: 'server CPU per member', figure: cpuPerMember, unit: 'ms', baseline: ideal / o.members, baselineLabel: 'ideal ms/member' }),
        ...perOperation(calls, 'member', o.members),
      ],
      notes: [
        `ideal = ${o.members} creates / (${o.clouds} clouds × ${o.concurrency} slots) × ${o.latencyMs} ms = ${round(ideal, 0)} ms: create calls only, perfectly packed.`,
        `members per cloud: ${Object.entries(body.clouds as Record<string, number>).map(([k, v]) => `${k} ${v}`).join(', ')}; provider calls: ${Object.entries(calls).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
      ],
      details: { elapsedMs: round(elapsedMs), idealMs: round(ideal), calls, clouds: body.clouds },
    };
  });
}

/** POST /api/v2/clusters?wait=true: answers 201 with the cluster once its create operation ended. */
async function create(client: BenchClient, name: string, size: number): Promise<any> {
  const answer = await client.request('POST', '/api/v2/clusters?wait=true', { name, size, template: { image: 'ubuntu-24.04', size: 'small' } });
  if (answer.status !== 201) throw new Error(`cluster create answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}
