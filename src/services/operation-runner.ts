// Runs a mutation as a recorded operation: every step it completes is noted, and a failure
// half-way leaves the operation `failed` with its steps and cause, for the operator to read.
import { toDispatcherError } from '../domain/errors.js';
import type { OperationStep, OperationStore } from '../store/operation-store.js';

export interface StepRecorder {
  /** Notes a completed step. */
  done(step: string, detail?: string): void;
  /** Sets the operation's target (e.g. the VM id once known). */
  target(id: string): void;
}

export interface OperationContext {
  kind: string;
  cloud?: string;
  target?: string;
  userId?: number;
  request: unknown;
  /** Set to reuse an operation created earlier (v2 asynchronous work). */
  operationId?: string;
}

export class OperationRunner {
  constructor(private readonly operations: OperationStore) {}

  async run<T>(context: OperationContext, work: (steps: StepRecorder) => Promise<T>): Promise<T> {
    const id =
      context.operationId ??
      (await this.operations.create({ kind: context.kind, cloud: context.cloud, target: context.target, userId: context.userId, request: context.request })).id;
    if (context.operationId) await this.operations.update(id, { state: 'running' });
    const steps: OperationStep[] = [];
    let target: string | undefined;
    const recorder: StepRecorder = {
      done: (step, detail) => steps.push({ step, state: 'done', at: new Date().toISOString(), ...(detail ? { detail } : {}) }),
      target: (value) => {
        target = value;
      },
    };
    try {
      const value = await work(recorder);
      await this.operations.update(id, { state: 'succeeded', result: value ?? null, steps, target });
      return value;
    } catch (err) {
      const error = toDispatcherError(err);
      steps.push({ step: 'failed', state: 'failed', at: new Date().toISOString(), detail: error.message });
      await this.operations.update(id, {
        state: 'failed',
        steps,
        target,
        error: { kind: error.kind, message: error.message, status: error.status, ...(error.code ? { code: error.code } : {}) },
      });
      throw error;
    }
  }
}
