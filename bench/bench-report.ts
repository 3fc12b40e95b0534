// What a scenario produces, and how it is shown: each figure next to the baseline measured in the
// same run and their ratio (shared machines are noisy; a ratio of two figures taken side by side
// survives the noise better than either figure), the goal, and whether it was met.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';

export interface Goal {
  /** What the goal is on: the ratio figure/baseline, or the figure itself. */
  on: 'ratio' | 'figure';
  op: '<=' | '>=';
  value: number;
}

export interface Metric {
  name: string;
  figure: number;
  unit: string;
  baseline?: number;
  /** What the baseline is (e.g. "bare express", "100 VMs", "ideal"). */
  baselineLabel?: string;
  /** figure / baseline. */
  ratio?: number;
  goal?: Goal;
  /** Undefined when the metric has no goal (shown for understanding only). */
  met?: boolean;
}

export interface ScenarioResult {
  scenario: string;
  title: string;
  metrics: Metric[];
  /** What was counted and how, in a sentence or two each. */
  notes: string[];
  /** Raw figures (per-round samples, call counters …) for whoever reads the JSON. */
  details: Record<string, unknown>;
  durationMs: number;
}

export function metric(input: Omit<Metric, 'ratio' | 'met'>): Metric {
  const ratio = input.baseline === undefined || input.baseline === 0 ? undefined : input.figure / input.baseline;
  let met: boolean | undefined;
  if (input.goal) {
    const value = input.goal.on === 'ratio' ? ratio : input.figure;
    met = value !== undefined && Number.isFinite(value) && (input.goal.op === '<=' ? value <= input.goal.value : value >= input.goal.value);
  }
  return { ...input, ...(ratio === undefined ? {} : { ratio }), ...(met === undefined ? {} : { met }) };
}

function num(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toString();
  if (abs >= 100) return value.toFixed(1);
  if (abs >= 1 || abs === 0) return value.toFixed(2);
  return value.toPrecision(2);
}

export function goalText(goal: Goal | undefined, unit: string): string {
  if (!goal) return '-';
  const op = goal.op === '<=' ? '≤' : '≥';
  return goal.on === 'ratio' ? `${op} ${goal.value}×` : `${op} ${num(goal.value)} ${unit}`.trim();
}

function verdict(met: boolean | undefined): string {
  return met === undefined ? 'info' : met ? 'met' : 'MISSED';
}

/** The lines printed as soon as a scenario finishes. */
export function formatScenario(result: ScenarioResult): string {
  const lines = [`\n== ${result.scenario}: ${result.title} (${(result.durationMs / 1000).toFixed(1)} s)`];
  for (const m of result.metrics) {
    const baseline = m.baseline === undefined ? '' : `  baseline (${m.baselineLabel ?? 'baseline'}) ${num(m.baseline)} ${m.unit}`;
    const ratio = m.ratio === undefined ? '' : `  ratio ${num(m.ratio)}×`;
    lines.push(`   ${m.name}: ${num(m.figure)} ${m.unit}${baseline}${ratio}  goal ${goalText(m.goal, m.unit)}  ${verdict(m.met)}`);
  }
  for (const note of result.notes) lines.push(`   · ${note}`);
  return lines.join('\n');
}

/** The final table, one row per metric. */
export function formatTable(results: ScenarioResult[]): string {
  const header = ['scenario', 'metric', 'figure', 'baseline', 'ratio', 'goal', 'result'];
  const rows = results.flatMap((r) =>
    r.metrics.map((m) => [
      r.scenario,
      m.name,
      `${num(m.figure)} ${m.unit}`.trim(),
      m.baseline === undefined ? '-' : `${num(m.baseline)} (${m.baselineLabel ?? 'baseline'})`,
      m.ratio === undefined ? '-' : `${num(m.ratio)}×`,
      goalText(m.goal, m.unit),
      verdict(m.met),
    ]),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export interface Machine {
  nproc: number;
  cpuModel: string;
  memTotalGiB: number;
  node: string;
  platform: string;
  /** 1-minute load average when the report was written: how busy the shared machine was. */
  loadAverage: number;
}

export function machine(): Machine {
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc; // the CPUs this process may use
  } catch {
    // no nproc binary: the count of CPUs the OS reports will do
  }
  return {
    nproc,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memTotalGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage: Math.round(loadavg()[0] * 100) / 100,
  };
}

export function writeReport(path: string, report: { command: string; startedAt: string; loadAtStart: number; results: ScenarioResult[] }): void {
  mkdirSync(dirname(path), { recursive: true });
  const body = { ...report, machine: machine(), finishedAt: new Date().toISOString() };
  writeFileSync(path, `${JSON.stringify(body, null, 2)}\n`);
}
