// The messages between the benchmark (parent) and a server under test (child process). The
// servers run in their own processes so the load generator never shares their event loop or core.
import { readFileSync } from 'node:fs';

/** What a dispatcher child is started with (sent as its first command-line argument, JSON). */
export interface DispatcherChildSpec {
  /** A raw configuration (as a config file would hold); `server` and `database` are filled in. */
  config: Record<string, unknown>;
  databaseUrl: string;
  /** PostgreSQL only: the schema to live in (created if missing, dropped by the parent). */
  schema?: string;
}

/** The first message of every child: where it listens, and a token for the admin. */
export interface ReadyMessage {
  type: 'ready';
  port: number;
  token: string;
}

export interface StartedVm {
  id: string;
  name: string;
}

export interface OperationSummary {
  id: string;
  kind: string;
  state: string;
  target: string | null;
  steps: Array<{ step: string; at: string; detail?: string }>;
}

/** Commands a dispatcher child answers, with their arguments and answers. */
export interface DispatcherCommands {
  /** Provider calls per cloud and operation, as the fake drivers count them. */
  calls: { args: Record<string, never>; value: Record<string, Record<string, number>> };
  /** process.memoryUsage() after a full GC. */
  memory: { args: Record<string, never>; value: MemoryFigures };
  /** CPU time the server process has used so far, in µs (user + system): less noisy than wall time. */
  cpu: { args: Record<string, never>; value: number };
  /** The main thread's time busy and idle so far, in ms (performance.eventLoopUtilization()). */
  loop: { args: Record<string, never>; value: { active: number; idle: number } };
  /** Starts VMs through VmService (tracked FREE, as the API would), `concurrency` at a time. */
  start: { args: { cloud: string; count: number; prefix: string; concurrency: number }; value: StartedVm[] };
  /**
   * The server's CPU per statement (µs) for `count` trivial statements (`select 1`) run through
   * its store, `inFlight` at a time: the least any statement of an operation costs the server.
   */
  statementCost: { args: { count: number; inFlight: number }; value: number };
  /** The most recent operations of a kind, newest first. */
  operations: { args: { kind: string; limit: number }; value: OperationSummary[] };
}

export type CommandName = keyof DispatcherCommands;

export interface CommandMessage {
  type: 'command';
  id: number;
  name: string;
  args: unknown;
}

export interface ReplyMessage {
  type: 'reply';
  id: number;
  value?: unknown;
  error?: string;
}

/** Bare-app children take one command: the JSON body to serve. */
export interface BareCommands {
  serve: { args: { path: string; body: unknown }; value: true };
  memory: { args: Record<string, never>; value: MemoryFigures };
  cpu: { args: Record<string, never>; value: number };
}

export function isCommand(message: unknown): message is CommandMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'command';
}

type Handlers = Record<string, (args: never) => unknown>;

/**
 * Child side: answers the parent's commands in order of arrival. `close` ends the child; so does
 * the parent going away (an interrupted benchmark must not leave servers behind).
 */
export function answerCommands(handlers: Handlers, close: () => Promise<void>): void {
  let closing = false;
  const finish = (code: number) => {
    if (closing) return;
    closing = true;
    const force = setTimeout(() => process.exit(code), 5_000);
    force.unref();
    close().then(
      () => process.exit(code),
      () => process.exit(1),
    );
  };
  process.on('disconnect', () => finish(0));
  process.on('message', (message: unknown) => {
    if (!isCommand(message)) return;
    if (message.name === 'close') {
      process.send?.({ type: 'reply', id: message.id, value: true } satisfies ReplyMessage, () => finish(0));
      return;
    }
    const handler = handlers[message.name];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command ${message.name}`);
        return (handler as (args: unknown) => unknown)(message.args);
      })
      .then(
        (value) => process.send?.({ type: 'reply', id: message.id, value } satisfies ReplyMessage),
        (err: unknown) => process.send?.({ type: 'reply', id: message.id, error: err instanceof Error ? err.message : String(err) } satisfies ReplyMessage),
      );
  });
}

export function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/**
 * process.memoryUsage(), plus on Linux the split of RSS into anonymous memory (heap, malloc) and
 * file-backed pages (the node binary and libraries, shared with every node process).
 */
export interface MemoryFigures extends NodeJS.MemoryUsage {
  rssAnon?: number;
  rssFile?: number;
}

/** A full GC first, so that RSS reflects what is live rather than what is not yet collected. */
export function measuredMemory(): MemoryFigures {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  const usage: MemoryFigures = process.memoryUsage();
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    usage.rssAnon = kib('RssAnon');
    usage.rssFile = kib('RssFile');
  } catch {
    // not Linux: RSS alone
  }
  return usage;
}
