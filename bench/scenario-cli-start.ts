// cli-start: how long `dispatcher <command>` takes to start and answer something that needs no
// server (--version, then the full help, which walks the whole command table), against bare
// `node` started the same way in the same run. The CLI imports no server code (drivers, store,
// express, joi); the goal is 150 ms for the whole process, the overhead over node shown beside.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuild } from './bench-build.js';
import { metric } from './bench-report.js';
import { timed, type Scenario } from './bench-scenario.js';

export interface CliStartOptions {
  runs: number;
}

const DEFAULTS: CliStartOptions = { runs: 25 };

export const cliStart: Scenario<CliStartOptions> = {
  name: 'cli-start',
  title: 'dispatcher CLI start time (--version, help) against bare node',
  smoke: { runs: 2 },
  run: (options = {}) => timed(cliStart, () => run({ ...DEFAULTS, ...options })),
};

function wallMs(args: string[]): number {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) throw new Error(`${args.join(' ')} exited ${child.status}: ${child.stderr}`);
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function run(o: CliStartOptions) {
  const tree = await ensureBuild();
  const cli = (argv: string[]) => [
    '--input-type=module',
    '-e',
    `const { runCli } = await import(${JSON.stringify(join(tree, 'src', 'cli', 'cli-main.js'))});
process.exitCode = await runCli(${JSON.stringify(argv)}, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, version: '0' });`,
  ];
  const bare = ['--input-type=module', '-e', 'process.stdout.write("0\\n")'];
  // Interleaved rounds: a burst of load on the shared machine hits all three alike.
  const samples = { bare: [] as number[], version: [] as number[], help: [] as number[] };
  wallMs(cli(['--version'])); // warm the file cache
  for (let i = 0; i < o.runs; i++) {
    samples.bare.push(wallMs(bare));
    samples.version.push(wallMs(cli(['--version'])));
    samples.help.push(wallMs(cli(['help'])));
  }
  const base = median(samples.bare);
  return {
    metrics: [
      metric({ name: 'dispatcher --version (median)', figure: median(samples.version), unit: 'ms', baseline: base, baselineLabel: 'bare node', goal: { on: 'figure', op: '<=', value: 150 } }),
      metric({ name: 'dispatcher help (median)', figure: median(samples.help), unit: 'ms', baseline: base, baselineLabel: 'bare node', goal: { on: 'figure', op: '<=', value: 150 } }),
      metric({ name: 'CLI overhead over node', figure: Math.max(0, median(samples.version) - base), unit: 'ms' }),
    ],
    notes: [
      `${o.runs} interleaved rounds of three processes each: bare node (-e), the CLI's --version, the CLI's help; medians of wall time from spawn to exit.`,
      'The CLI runs from the transpiled tree, as bin/dispatcher.js runs dist/ (the bin adds one package.json read).',
    ],
    details: { samplesMs: samples },
  };
}
