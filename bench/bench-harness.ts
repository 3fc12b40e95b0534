// Starting and stopping what a scenario measures: servers in child processes (compiled JS, see
// bench-build.ts), each on an ephemeral port of 127.0.0.1, and a database per server (a temp
// SQLite file, or a PostgreSQL schema dropped afterwards).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropSchema } from '../test/support/store-backends.js';
import { ensureBuild, startFlags } from './bench-build.js';
import type { BareCommands, CommandMessage, DispatcherChildSpec, DispatcherCommands, ReadyMessage, ReplyMessage } from './bench-ipc.js';

const READY_TIMEOUT_MS = 60_000;
const COMMAND_TIMEOUT_MS = 120_000;

type CommandTable<C> = { [K in keyof C]: { args: unknown; value: unknown } };

export interface ChildServer<C extends CommandTable<C>> {
  baseUrl: string;
  token: string;
  pid: number;
  ask<K extends keyof C & string>(name: K, args: C[K]['args']): Promise<C[K]['value']>;
  /** Stops the server and waits for its process to end (killed if it does not within 10 s). */
  close(): Promise<void>;
}

export type DispatcherChild = ChildServer<DispatcherCommands>;
export type BareChild = ChildServer<BareCommands>;

export interface ChildOptions {
  /** Node flags for the child (e.g. `--max-old-space-size`); BENCH_CPU_PROF=<dir> adds --cpu-prof. */
  execArgv?: string[];
  /** Variables added to the child's environment (e.g. glibc's MALLOC_ARENA_MAX). */
  env?: Record<string, string>;
}

export async function startDispatcher(spec: DispatcherChildSpec, options: ChildOptions = {}): Promise<DispatcherChild> {
  return startChild<DispatcherCommands>('bench-server.js', [JSON.stringify(spec)], options);
}

export async function startBareApp(options: ChildOptions = {}): Promise<BareChild> {
  return startChild<BareCommands>('bench-bare-server.js', [], options);
}

async function startChild<C extends CommandTable<C>>(script: string, args: string[], options: ChildOptions): Promise<ChildServer<C>> {
  // BENCH_BUILD=<dir>: run the servers of another tree transpiled earlier (before/after comparisons).
  const build = process.env.BENCH_BUILD ?? (await ensureBuild());
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = fork(join(build, 'bench', script), args, {
    // The flags of `npm start` (e.g. --max-semi-space-size): the figures describe the product as it starts.
    execArgv: ['--expose-gc', ...startFlags(build), ...profile, ...(options.execArgv ?? [])],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, ...options.env },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const ready = await new Promise<ReadyMessage>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready: ${stderr.trim()}`));
    });
    child.on('message', (message: ReadyMessage) => {
      if (message?.type !== 'ready') return;
      clearTimeout(timer);
      resolve(message);
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });

  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  child.on('message', (message: ReplyMessage) => {
    if (message?.type !== 'reply') return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(`${script}: ${message.error}`));
    else waiter?.resolve(message.value);
  });
  child.once('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${script} exited (${code}): ${stderr.trim()}`));
    pending.clear();
  });

  const send = (name: string, commandArgs: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (!child.connected) return reject(new Error(`${script} is not running: ${stderr.trim()}`));
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${script}: ${name} did not answer within ${COMMAND_TIMEOUT_MS} ms`));
      }, COMMAND_TIMEOUT_MS);
      pending.set(id, {
        resolve: (value) => (clearTimeout(timer), resolve(value)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      });
      child.send({ type: 'command', id, name, args: commandArgs } satisfies CommandMessage);
    });

  return {
    baseUrl: `http://127.0.0.1:${ready.port}`,
    token: ready.token,
    pid: child.pid ?? 0,
    ask: (name, commandArgs) => send(name, commandArgs) as never,
    close: () => stopChild(child, exited, () => send('close', {})),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>, askToClose: () => Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await askToClose().catch(() => undefined);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export interface BenchDatabase {
  /** `sqlite` or `postgres` (a figure is labelled with it). */
  kind: 'sqlite' | 'postgres';
  url: string;
  schema?: string;
  drop(): Promise<void>;
}

/** A fresh SQLite file in a temp directory, removed by drop(). */
export function sqliteDatabase(): BenchDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'dispatcher-bench-'));
  return { kind: 'sqlite', url: `sqlite:${join(dir, 'bench.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** A schema of its own on the PostgreSQL at `url` (the child creates it), dropped by drop(). */
export function postgresDatabase(url: string, label: string): BenchDatabase {
  const schema = `bench_${label}_${process.pid}_${Date.now().toString(36)}`.replace(/[^a-z0-9_]/g, '_');
  return {
    kind: 'postgres',
    url,
    schema,
    drop: () => dropSchema(url, schema),
  };
}

/** Undo steps run in reverse order (servers stop before their databases are dropped), errors kept from hiding the result. */
export class Cleanup {
  private readonly steps: Array<() => Promise<unknown>> = [];

  defer(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  async server<S extends { close(): Promise<void> }>(starting: Promise<S>): Promise<S> {
    const server = await starting;
    this.defer(() => server.close());
    return server;
  }

  database(database: BenchDatabase): BenchDatabase {
    this.defer(() => database.drop());
    return database;
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      await step().catch((err: unknown) => process.stderr.write(`bench cleanup: ${err instanceof Error ? err.message : String(err)}\n`));
    }
  }
}

/** Runs `body`, then stops every server and drops every database it registered, whatever happened. */
export async function withCleanup<T>(body: (cleanup: Cleanup) => Promise<T>): Promise<T> {
  const cleanup = new Cleanup();
  try {
    return await body(cleanup);
  } finally {
    await cleanup.run();
  }
}
