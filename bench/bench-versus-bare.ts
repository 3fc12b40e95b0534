// What the dispatcher adds on top of serving a JSON answer itself: one GET on a fake cloud of
// preloaded VMs (latency 0: the cloud costs nothing) against a bare Express app serving the very
// answer the dispatcher gave, both in child processes, loaded by autocannon in short rounds that
// alternate between them (ABBA) so that noise from other work on the machine falls on both.
// api-overhead (v1 /nodes) and v2-list (a v2 page) are this measurement on two routes.
import autocannon from 'autocannon';
import { sqliteDatabase, startBareApp, startDispatcher, withCleanup, type BareChild, type DispatcherChild } from './bench-harness.js';
import { BenchClient, round } from './bench-http.js';
import { metric, type ScenarioResult } from './bench-report.js';
import { fakeCloud } from './bench-scenario.js';

export interface VersusBareOptions {
  vms: number;
  /** Measured seconds per server, split into `rounds` alternating rounds. */
  seconds: number;
  rounds: number;
  connections: number;
}

export interface VersusBareRoute {
  /** The request (path and query) sent to both servers. */
  url: string;
  /** Checks the captured answer (throws when it is not what the scenario measures). */
  check(body: any): void;
  goal: number;
}

interface Tally {
  requests: number;
  seconds: number;
  cpuMicros: number;
  rounds: number[];
}

export async function versusBare(o: VersusBareOptions, route: VersusBareRoute): Promise<Omit<ScenarioResult, 'scenario' | 'title' | 'durationMs' | 'notes'> & { notes: string[] }> {
  return withCleanup(async (cleanup) => {
    const database = cleanup.database(sqliteDatabase());
    const [dispatcher, bare] = await Promise.all([
      cleanup.server(
        startDispatcher({ config: { clouds: [fakeCloud('bench', { preload: { count: o.vms } }, { default: true })] }, databaseUrl: database.url }),
      ),
      cleanup.server(startBareApp()),
    ]);
    const client = new BenchClient(dispatcher.baseUrl, dispatcher.token, 1);
    const captured = await client.ok('GET', route.url);
    client.close();
    route.check(captured.body);
    await bare.ask('serve', { path: new URL(route.url, 'http://x').pathname, body: captured.body });
    const bytes = Buffer.byteLength(JSON.stringify(captured.body));

    const headers = { authorization: `Bearer ${dispatcher.token}` }; // sent to both: same request bytes
    const load = async (server: Target, seconds: number, tally?: Tally) => {
      const cpuBefore = await server.cpu();
      const result = await autocannon({ url: `${server.baseUrl}${route.url}`, connections: o.connections, duration: seconds, headers });
      const cpu = (await server.cpu()) - cpuBefore;
      if (result.errors > 0 || result.non2xx > 0) throw new Error(`${route.url}: ${result.errors} errors and ${result.non2xx} non-2xx answers from ${server.baseUrl}`);
      if (tally) {
        tally.requests += result['2xx'];
        tally.seconds += result.duration;
        tally.cpuMicros += cpu;
        tally.rounds.push(round(result['2xx'] / result.duration, 1));
      }
    };
    const tallies = { dispatcher: empty(), bare: empty() };
    const targets = { dispatcher: target(dispatcher), bare: target(bare) };
    // Warm both (JIT, sockets) before anything is counted.
    await load(targets.dispatcher, Math.min(1, o.seconds / o.rounds));
    await load(targets.bare, Math.min(1, o.seconds / o.rounds));
    const per = o.seconds / o.rounds;
    for (let r = 0; r < o.rounds; r++) {
      const order: Array<[Target, Tally]> = [
        [targets.dispatcher, tallies.dispatcher],
        [targets.bare, tallies.bare],
      ];
      for (const [server, tally] of r % 2 === 0 ? order : order.reverse()) await load(server, per, tally);
    }

    const rate = (t: Tally) => t.requests / t.seconds;
    const cpuPer = (t: Tally) => t.cpuMicros / 1000 / t.requests;
    return {
      metrics: [
        metric({ name: 'requests/s', figure: rate(tallies.dispatcher), unit: 'req/s', baseline: rate(tallies.bare), baselineLabel: 'bare express', goal: { on: 'ratio', op: '>=', value: route.goal } }),
        metric({ name: 'server CPU per request', figure: cpuPer(tallies.dispatcher), unit: 'ms', baseline: cpuPer(tallies.bare), baselineLabel: 'bare express' }),
      ],
      notes: [
        `${o.rounds} alternating rounds of ${round(per, 1)} s per server, ${o.connections} connections, after 1 s of warm-up each; answers of ${round(bytes / 1024, 0)} KiB.`,
        'The bare app serializes the same object per request (res.json), so JSON encoding is in both figures.',
      ],
      details: { answerBytes: bytes, dispatcher: tallies.dispatcher, bare: tallies.bare },
    };
  });
}

interface Target {
  baseUrl: string;
  cpu(): Promise<number>;
}

function target(server: DispatcherChild | BareChild): Target {
  return { baseUrl: server.baseUrl, cpu: () => (server as BareChild).ask('cpu', {}) };
}

function empty(): Tally {
  return { requests: 0, seconds: 0, cpuMicros: 0, rounds: [] };
}
