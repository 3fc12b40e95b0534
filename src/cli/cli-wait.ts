// --wait and `operations watch`: polls an operation until it ends. On a terminal a spinner line
// shows its state, steps and elapsed time; otherwise a plain line per change. Progress goes to
// stderr (stdout keeps the result for -o json). Ctrl-C stops the waiting, not the operation.
import { CliError, EXIT } from './cli-errors.js';
import type { ApiClient } from './cli-http.js';

export interface Operation {
  id: string;
  kind: string;
  state: string;
  cloud: string | null;
  target: string | null;
  error: { message?: string; code?: string } | null;
  steps: Array<{ step: string; state: string; at: string; detail?: string }>;
  [key: string]: unknown;
}

const FINISHED = new Set(['succeeded', 'failed', 'interrupted']);
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const POLL_MS = 500;

export interface WaitIo {
  stderr: NodeJS.WriteStream;
  /** Spinner and line rewriting when true; plain lines otherwise. */
  tty: boolean;
}

export async function waitForOperation(client: ApiClient, first: Operation, io: WaitIo): Promise<Operation> {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  let op = first;
  let frame = 0;
  let lastPlain = '';
  let stop: (() => void) | undefined;
  const interrupted = new Promise<never>((_, reject) => {
    const onSigint = () =>
      reject(new CliError(`stopped waiting; operation ${op.id} goes on`, EXIT.interrupted, `follow it with: dispatcher operations watch ${op.id}`));
    process.once('SIGINT', onSigint);
    stop = () => process.off('SIGINT', onSigint);
  });
  interrupted.catch(() => undefined); // handled by the race below
  const show = () => {
    const steps = op.steps.map((s) => (s.state === 'failed' ? `${s.step}✗` : s.step)).join(' → ') || (op.state === 'queued' ? 'waiting for a slot' : 'starting');
    if (io.tty) {
      const glyph = FINISHED.has(op.state) ? (op.state === 'succeeded' ? '✔' : '✗') : SPINNER[frame++ % SPINNER.length];
      io.stderr.write(`\r\x1b[K${glyph} ${op.kind} ${op.id.slice(0, 8)} ${op.state} · ${steps} · ${elapsed()}`);
    } else {
      const line = `operation ${op.id} ${op.kind} ${op.state}: ${steps}`;
      if (line !== lastPlain) io.stderr.write(`${new Date().toISOString()} ${line} (${elapsed()})\n`);
      lastPlain = line;
    }
  };
  try {
    for (;;) {
      show();
      if (FINISHED.has(op.state)) break;
      await Promise.race([delay(io.tty ? 100 : POLL_MS), interrupted]);
      // On a terminal the spinner turns every 100 ms; the operation is read every POLL_MS.
      if (!io.tty || frame % (POLL_MS / 100) === 0) {
        const answer = await Promise.race([client.request('GET', `api/v2/operations/${encodeURIComponent(op.id)}`), interrupted]);
        op = answer.body as Operation;
      }
    }
  } finally {
    stop?.();
    if (io.tty) io.stderr.write('\n');
  }
  return op;
}

/** Throws the failure of a finished operation (exit 8); returns it when it succeeded. */
export function requireSuccess(op: Operation): Operation {
  if (op.state === 'succeeded') return op;
  const reason = op.error?.message ?? op.state;
  throw new CliError(`operation ${op.id} (${op.kind}) ${op.state}: ${reason}${op.error?.code ? ` [${op.error.code}]` : ''}`, EXIT.operationFailed);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
