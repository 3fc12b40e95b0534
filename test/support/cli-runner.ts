// Runs the real `dispatcher` binary (bin/dispatcher.js over dist/, built first when stale) as
// an operator would: its own HOME/XDG_CONFIG_HOME, stdin given or closed, or on a pseudo-terminal
// through util-linux `script`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = join(process.cwd(), 'bin', 'dispatcher.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Builds dist/ when a source is newer (the binary runs the build, not the TypeScript). */
export function buildOnce(): void {
  const run = spawnSync(process.execPath, ['scripts/build-if-needed.mjs'], { stdio: 'inherit' });
  if (run.status !== 0) throw new Error('npm run build failed');
}

export class CliHome {
  readonly dir = mkdtempSync(join(tmpdir(), 'dispatcher-cli-'));

  constructor(private readonly base: Record<string, string> = {}) {}

  get configDir(): string {
    return join(this.dir, 'config', 'cloud-dispatcher');
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return { PATH: process.env.PATH ?? '', HOME: this.dir, XDG_CONFIG_HOME: join(this.dir, 'config'), ...this.base, ...extra };
  }

  run(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
    const child = spawn(process.execPath, [BIN, ...args], { env: this.env(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    return collect(child, options.input);
  }

  /** The command on a pseudo-terminal (stdin, stdout and stderr are TTYs); output is what the terminal showed. */
  runOnTty(args: string[], options: { env?: Record<string, string> } = {}): Promise<CliRun> {
    const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { env: this.env(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    return collect(child, undefined, false);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function collect(child: ReturnType<typeof spawn>, input: string | undefined, closeStdin = true): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  if (input !== undefined) child.stdin?.end(input);
  else if (closeStdin) child.stdin?.end();
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function json(run: CliRun): any {
  try {
    return JSON.parse(run.stdout);
  } catch {
    throw new Error(`not JSON (exit ${run.code}): ${run.stdout}\nstderr: ${run.stderr}`);
  }
}
