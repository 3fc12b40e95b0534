// Asynchronous work for API v2: an operation is stored `queued` before the work starts, so the
// client gets its id at once (202 + Location) and a restart finds it (compose marks it
// interrupted). The work runs in the background; close() waits for what is still in flight.
import { DispatcherError, toDispatcherError } from '../domain/errors.js';
import type { Operation, OperationFilter, OperationStore } from '../store/operation-store.js';

export interface SubmitInput {
  kind: string;
  cloud?: string;
  target?: string;
  userId?: number;
  request: unknown;
}

export interface Submitted {
  /** The operation as stored when submitted (state `queued`). */
  operation: Operation;
  /** The operation once the work has ended (never rejects: a failure is the operation's `error`). */
  done: Promise<Operation>;
}


export class OperationService {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: {
      operations: OperationStore;
    },
  ) {}

  /** Stores the operation as queued and starts `work(operationId)` in the background. */
  async submit(input: SubmitInput, work: (operationId: string) => Promise<unknown>): Promise<Submitted> {
    const operation = await this.deps.operations.create({ ...input, state: 'queued' });
    const done = (async () => {
      try {
        await work(operation.id);
      } catch (err) {
        await this.failIfNotStarted(operation.id, err);
      }
      const final = await this.deps.operations.get(operation.id);
      if (!final) throw new DispatcherError('internal', `operation ${operation.id} vanished`);
      return final;
    })();
    this.inFlight.add(done);
    void done.catch(() => undefined).finally(() => this.inFlight.delete(done));
    return { operation, done };
  }



  /** The final operation, or undefined when it has not ended within `timeoutMs`. */
  async settle(submitted: Submitted, timeoutMs: number): Promise<Operation | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    try {
      return await Promise.race([submitted.done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  get(id: string): Promise<Operation | undefined> {
    return this.deps.operations.get(id);
  }

  list(filter: OperationFilter & { limit: number }): Promise<Operation[]> {
    return this.deps.operations.list(filter);
  }


  /** Waits for background work still running (graceful shutdown, tests). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Work that failed before the runner picked the operation up (a check, a lookup) must not stay queued. */
  private async failIfNotStarted(id: string, err: unknown): Promise<void> {
    const current = await this.deps.operations.get(id);
    if (!current || current.state !== 'queued') return;
    const error = toDispatcherError(err);
    await this.deps.operations.update(id, {
      state: 'failed',
      error: { kind: error.kind, message: error.message, status: error.status, ...(error.code ? { code: error.code } : {}) },
      steps: [{ step: 'failed', state: 'failed', at: new Date().toISOString(), detail: error.message }],
    });
  }
}
