// The real dispatcher process (src/main.ts under tsx) with a test's environment: its output
// captured, its exit awaited. Callers stop it by its PID (child.kill).
import { spawn, type ChildProcess } from 'node:child_process';

export interface Launched {
  child: ChildProcess;
  out: () => string;
  err: () => string;
}

export function launchMain(env: Record<string, string>): Launched {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH, DISPATCHER_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk) => (out += chunk));
  child.stderr?.on('data', (chunk) => (err += chunk));
  return { child, out: () => out, err: () => err };
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}
