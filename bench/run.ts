// `npm run bench` runs every scenario; `npm run bench -- fanout memory` runs those named.
// Each result is printed as it comes, then a table of all, and the JSON report is written to
// bench/results/latest.json (or --out <path>). --strict: exit 1 when a goal is missed.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './bench-build.js';
import { formatScenario, formatTable, machine, writeReport, type ScenarioResult } from './bench-report.js';
import { SCENARIOS } from './bench-scenarios.js';

const USAGE = `usage: npm run bench [-- [--strict] [--out <file>] [scenario …]]
scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}
PostgreSQL figures (assign-throughput) are added when DATABASE_URL is set.
BENCH_CPU_PROF=<dir> writes a CPU profile of every server under test into <dir>.`;

function parse(argv: string[]): { names: string[]; out: string; strict: boolean } {
  const names: string[] = [];
  let out = join(ROOT, 'bench', 'results', 'latest.json');
  let strict = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === '--strict') strict = true;
    else if (arg === '--out') out = argv[++i] ?? out;
    else if (SCENARIOS.some((s) => s.name === arg)) names.push(arg);
    else {
      console.error(`unknown scenario or option: ${arg}\n${USAGE}`);
      process.exit(2);
    }
  }
  return { names, out, strict };
}

async function main(): Promise<void> {
  const { names, out, strict } = parse(process.argv.slice(2));
  const chosen = names.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => names.includes(s.name));
  const startedAt = new Date().toISOString();
  const loadAtStart = Math.round(loadavg()[0] * 100) / 100;
  const results: ScenarioResult[] = [];
  const failed: string[] = [];
  for (const scenario of chosen) {
    process.stdout.write(`\n… ${scenario.name}: ${scenario.title}\n`);
    try {
      const result = await scenario.run();
      results.push(result);
      console.log(formatScenario(result));
    } catch (err) {
      failed.push(scenario.name);
      console.error(`\n!! ${scenario.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
  writeReport(out, { command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`, startedAt, loadAtStart, results });
  const m = machine();
  console.log(`\n${formatTable(results)}\n\n${m.nproc} CPUs (${m.cpuModel}), ${m.memTotalGiB} GiB, node ${m.node}; load average ${loadAtStart} at start, ${m.loadAverage} at the end`);
  console.log(`report: ${out}`);
  const missed = results.flatMap((r) => r.metrics.filter((m) => m.met === false).map((m) => `${r.scenario}: ${m.name}`));
  if (missed.length > 0) console.log(`goals missed: ${missed.length}\n  ${missed.join('\n  ')}`);
  if (failed.length > 0) {
    console.error(`scenarios that failed to run: ${failed.join(', ')}`);
    process.exit(2);
  }
  if (strict && missed.length > 0) process.exit(1);
}

await main();
