// What every scenario file exports, and the few pieces of configuration they share.
import { metric, type Metric, type ScenarioResult } from './bench-report.js';

export interface Scenario<O extends object = object> {
  name: string;
  title: string;
  /** Runs at the full size unless options say otherwise. */
  run(options?: Partial<O>): Promise<ScenarioResult>;
  /** Options small enough for the smoke test (a well-formed result in a second or two). */
  smoke: Partial<O>;
}

/** A fake cloud entry as a config file would hold it. Boot, stop and delete are instant unless said. */
export function fakeCloud(name: string, options: Record<string, unknown> = {}, entry: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    driver: 'fake',
    ...entry,
    options: { latencyMs: 0, bootDelayMs: 0, stopDelayMs: 0, destroyDelayMs: 0, ...options },
  };
}

/** Times a scenario body and fills in its name, title and duration. */
export async function timed(
  scenario: { name: string; title: string },
  body: () => Promise<Omit<ScenarioResult, 'scenario' | 'title' | 'durationMs'>>,
): Promise<ScenarioResult> {
  const started = performance.now();
  const result = await body();
  return { scenario: scenario.name, title: scenario.title, ...result, durationMs: Math.round(performance.now() - started) };
}

/** Per-operation differences between two snapshots of the fake clouds' call counters, summed over clouds. */
export function callDelta(before: Record<string, Record<string, number>>, after: Record<string, Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [cloud, calls] of Object.entries(after)) {
    for (const [operation, n] of Object.entries(calls)) {
      const delta = n - (before[cloud]?.[operation] ?? 0);
      if (delta !== 0) out[operation] = (out[operation] ?? 0) + delta;
    }
  }
  return out;
}

/** The store statements per operation (an info row), when the server under test counts them (builds before it did not). */
export function perOperation(calls: Record<string, number>, what: string, count: number): Metric[] {
  if (calls.storeStatements === undefined || count === 0) return [];
  const out = [metric({ name: `store statements per ${what}`, figure: calls.storeStatements / count, unit: 'stmts' })];
  // SQLite's group commits (decision 0004): how many requests' writes shared each commit.
  if (calls.storeBatchCommits !== undefined) out.push(metric({ name: `SQLite commits per ${what}`, figure: calls.storeBatchCommits / count, unit: 'commits' }));
  return out;
}
