// The real dispatcher process (src/main.ts under tsx) with a test's environment: its output
// captured, its exit awaited. Callers stop it by its PID (child.kill).
import { spawn, type ChildProcess } from 'node:child_process';

export interface Launched {
  child: ChildProcess;
  out: () => string;
  err: () => string;
}

/** `command` replaces `node --import tsx src/main.ts` (e.g. the built dist/main.js). */
export function launchMain(env: Record<string, string>, command: readonly string[] = [process.execPath, '--import', 'tsx', 'src/main.ts']): Launched {
  const [cmd, ...args] = command;
  const child = spawn(cmd as string, args, {
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

export interface ApiAnswer {
  status: number;
  body: any;
}

/** JSON over HTTP to a launched process, with its bearer token (the body parsed when there is one). */
export function bearerClient(base: string, token: () => string | undefined) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token() ?? ''}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}
