// One owner for an operation's whole life: created (queued for v2's background work, running for
// a synchronous call), each step written to the store as it happens, then ONE final transition
// that is conditional on the operation being unfinished — a late writer never overwrites a final
// state. Work whose outcome at the cloud is unknown ends in neither state: it stays `running` and
// the recovery pass (operation-recovery.ts) resolves it, here or after a restart.
import { randomUUID } from 'node:crypto';
import { DispatcherError, toDispatcherError } from '../domain/errors.js';
import type { Logger } from '../log/logger.js';
import { UNFINISHED_STATES } from '../domain/operation-model.js';
import type { Operation, OperationError, OperationFilter, OperationStep, OperationStore } from '../store/operation-store.js';
import { StepLog, type StepRecorder } from './operation-steps.js';

export interface SubmitInput {
  kind: string;
  cloud?: string;
  target?: string;
  userId?: number;
  request: unknown;
}

export interface RunInput extends SubmitInput {
  /** Continue an operation created earlier by submit() (v2 asynchronous work). */
  operationId?: string;
  /** The cloud request id of a start: stored on the operation before the cloud is called. */
  requestId?: string;
}

export interface Submitted {
  /** The operation as stored when submitted (state `queued`). */
  operation: Operation;
  /** The operation once the work has ended (never rejects: a failure is the operation's `error`). */
  done: Promise<Operation>;
}

export type { StepRecorder } from './operation-steps.js';

/**
 * Thrown by work whose effect at the cloud is unknown and could not be looked up yet: the
 * operation stays unfinished, with its steps and request id, for the next recovery pass.
 */
export class UnresolvedOutcome extends DispatcherError {
  constructor(message: string, readonly outcome: DispatcherError) {
    super(outcome.kind, message, { code: outcome.code ?? 'OutcomeUnknown', cause: outcome });
  }
}

/** Thrown by a recovery handler when nothing can resolve the operation: it ends `interrupted`. */
export class Unrecoverable extends Error {}

/** Resumes one unfinished operation found by a recovery pass; returns its result or throws as run() work does. */
export type RecoveryHandler = (op: Operation, steps: StepRecorder) => Promise<unknown>;

export interface RecoveryReport {
  resolved: number;
  failed: number;
  interrupted: number;
  unresolved: number;
}

const RECOVERY_BATCH = 16;

export class OperationService {
  /** Operations this process is working on: a recovery pass leaves them alone. */
  private readonly active = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private handlers: Record<string, RecoveryHandler> = {};
  private timer?: NodeJS.Timeout;
  private pass?: Promise<RecoveryReport>;

  constructor(
    private readonly deps: {
      operations: OperationStore;
      /** This process's id, written as the owner of what it runs (the scale-out work leases it). */
      instanceId: string;
      logger?: Logger;
      /** Whether another instance is alive (its lease runs) and so still runs what it owns. */
      isLive?: (owner: string) => boolean | Promise<boolean>;
      /** Runs store writes in one transaction (Store.atomically); without it each write commits alone. */
      atomically?: <T>(work: () => Promise<T>) => Promise<T>;
    },
  ) {}

  get instanceId(): string {
    return this.deps.instanceId;
  }

  /** Stores the operation as queued and starts `work(operationId)` in the background. */
  async submit(input: SubmitInput, work: (operationId: string) => Promise<unknown>): Promise<Submitted> {
    const id = randomUUID();
    this.active.add(id);
    let operation: Operation;
    try {
      operation = await this.deps.operations.create({ ...input, id, state: 'queued', owner: this.instanceId });
    } catch (err) {
      this.active.delete(id);
      throw err;
    }
    const done = this.track(
      (async () => {
        try {
          await work(id);
        } catch (err) {
          // run() already wrote its failure; this one is for work that failed before run() took it over.
          if (!(err instanceof UnresolvedOutcome)) await this.finish(id, failure(err, []));
        } finally {
          this.active.delete(id);
        }
        const final = await this.deps.operations.get(id);
        if (!final) throw new DispatcherError('internal', `operation ${id} vanished`);
        return final;
      })(),
    );
    return { operation, done };
  }

  /** Runs `work` as a recorded operation (a new one, or the submitted `operationId`), returning what it returns. */
  async run<T>(input: RunInput, work: (steps: StepRecorder) => Promise<T>): Promise<T> {
    const { operationId, requestId, ...fields } = input;
    let id: string;
    if (operationId) {
      id = operationId;
      const taken = await this.deps.operations.update(id, { state: 'running', ...(requestId ? { requestId } : {}) });
      if (!taken) throw new DispatcherError('conflict', `operation ${id} has already ended`, { code: 'OperationFinished' });
    } else {
      id = randomUUID();
      this.active.add(id);
    }
    try {
      if (!operationId) await this.deps.operations.create({ ...fields, id, state: 'running', owner: this.instanceId, requestId });
      return await this.execute(id, [], fields.target ?? null, work);
    } finally {
      if (!operationId) this.active.delete(id);
    }
  }

  /** Whether another operation already sent a create with this request id (a retry after a crash). */
  async requestIdSentBefore(requestId: string, exceptId: string): Promise<boolean> {
    return (await this.deps.operations.othersWithRequestId(requestId, exceptId)).length > 0;
  }

  /** Registers how each kind of operation is resumed after a crash (kinds without one end `interrupted`). */
  recoverWith(handlers: Record<string, RecoveryHandler>): void {
    this.handlers = handlers;
  }

  /**
   * One recovery pass: every unfinished operation that no live process runs is claimed and
   * resumed by its kind's handler. At start this finds what the previous process left; later
   * passes pick up outcomes that could not be looked up the first time.
   */
  recover(onlyOwn = false): Promise<RecoveryReport> {
    this.pass ??= this.track(this.recoverOnce(onlyOwn)).finally(() => (this.pass = undefined));
    return this.pass;
  }

  /**
   * Runs a pass now, then every `intervalMs` (until close). With several instances only the one
   * that `holds` the recovery worker takes dead instances' operations over; every instance
   * still resumes its own unresolved ones.
   */
  startRecovery(intervalMs: number, holds: () => Promise<boolean> = async () => true): void {
    const failed = (err: unknown) => this.deps.logger?.error({ err }, 'operation recovery pass failed');
    const round = () => void holds().catch(() => false).then((all) => this.recover(!all)).catch(failed);
    round();
    this.timer = setInterval(round, intervalMs);
    this.timer.unref();
  }

  /**
   * The final operation, or undefined when it has not ended within `timeoutMs` — or when its work
   * returned with the outcome unknown (it runs on until a recovery pass resolves it).
   */
  async settle(submitted: Submitted, timeoutMs: number): Promise<Operation | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    try {
      const op = await Promise.race([submitted.done, timeout]);
      return op && !(UNFINISHED_STATES as readonly string[]).includes(op.state) ? op : undefined;
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

  /** Waits for background work still running (graceful shutdown, tests) and stops the recovery timer. */
  async drain(): Promise<void> {
    clearInterval(this.timer);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async recoverOnce(onlyOwn: boolean): Promise<RecoveryReport> {
    const report: RecoveryReport = { resolved: 0, failed: 0, interrupted: 0, unresolved: 0 };
    const pending = (await this.deps.operations.listUnfinished()).filter((op) => !this.active.has(op.id) && (!onlyOwn || op.owner === this.instanceId));
    // A few at once: lookups of a cloud that is down each wait for the call timeout.
    for (let i = 0; i < pending.length; i += RECOVERY_BATCH) {
      await Promise.all(pending.slice(i, i + RECOVERY_BATCH).map(async (op) => {
        const outcome = await this.recoverOne(op);
        if (outcome) report[outcome]++;
      }));
    }
    if (report.resolved + report.failed + report.interrupted + report.unresolved > 0) {
      this.deps.logger?.warn({ ...report }, 'unfinished operations recovered');
    }
    return report;
  }

  private async recoverOne(op: Operation): Promise<keyof RecoveryReport | undefined> {
    if (op.owner !== this.instanceId) {
      // A live owner (its lease runs) keeps its operation; a dead one's is claimed, one claimer wins.
      if (op.owner !== null && (await (this.deps.isLive ?? (() => false))(op.owner))) return undefined;
      if (!(await this.deps.operations.claim(op.id, op.owner, this.instanceId))) return undefined;
    }
    if (this.active.has(op.id)) return undefined;
    this.active.add(op.id);
    try {
      const handler = this.handlers[op.kind] ?? (() => Promise.reject(new Unrecoverable(`no way to resume a ${op.kind} operation`)));
      await this.execute(op.id, op.steps, op.target, (steps) => handler(op, steps));
      return 'resolved';
    } catch (err) {
      if (err instanceof UnresolvedOutcome) return 'unresolved';
      if (err instanceof Unrecoverable) return 'interrupted';
      return 'failed';
    } finally {
      this.active.delete(op.id);
    }
  }

  /** Runs work on an operation this process holds, writing its steps as they happen and its end once. */
  private async execute<T>(id: string, previous: OperationStep[], initialTarget: string | null, work: (steps: StepRecorder) => Promise<T>): Promise<T> {
    const log = new StepLog(id, previous, initialTarget, this.deps);
    try {
      const value = await work(log);
      await log.write({ state: 'succeeded', result: value ?? null, steps: log.steps, target: log.current });
      return value;
    } catch (err) {
      const { steps, current: target } = log;
      if (err instanceof UnresolvedOutcome) {
        // Pass after pass while a cloud is down: one `unresolved` step, keeping when it first
        // happened (the resolution counts from then) and saying the latest reason.
        const last = previous.at(-1);
        const again = last?.step === 'unresolved' ? last : undefined;
        const kept = again ? previous.slice(0, -1) : steps;
        await log.write({ steps: [...kept, { step: 'unresolved', state: 'failed', at: again?.at ?? new Date().toISOString(), detail: err.message }], ...(target ? { target } : {}) });
        throw err;
      }
      if (err instanceof Unrecoverable) {
        await log.write({ ...failure(new DispatcherError('unavailable', err.message, { code: 'Interrupted' }), steps, target), state: 'interrupted' });
        throw err;
      }
      await log.write(failure(err, steps, target));
      throw toDispatcherError(err);
    }
  }

  /** Conditional: an operation that already ended (a failure written by run(), a recovery) keeps its state. */
  private async finish(id: string, end: Parameters<OperationStore['update']>[1]): Promise<void> {
    await this.deps.operations.update(id, end);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    void promise.catch(() => undefined).finally(() => this.inFlight.delete(promise));
    return promise;
  }
}

/** The one failure record: the error, and a `failed` step after what was done. */
function failure(err: unknown, steps: OperationStep[], target?: string) {
  const error = toDispatcherError(err);
  const record: OperationError = { kind: error.kind, message: error.message, status: error.status, ...(error.code ? { code: error.code } : {}) };
  return {
    state: 'failed' as const,
    error: record,
    steps: [...steps, { step: 'failed', state: 'failed' as const, at: new Date().toISOString(), detail: error.message }],
    ...(target ? { target } : {}),
  };
}
