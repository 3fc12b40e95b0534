// What an operation's work records as it goes (the StepRecorder its work is handed), and how:
// each write is one conditional update of the operation row, and the bookkeeping the work
// queued with `later` rides on it (on PostgreSQL in one transaction: one commit, all or nothing).
import type { OperationStep, OperationStore } from '../store/operation-store.js';

export interface StepRecorder {
  readonly operationId: string;
  /**
   * Notes a completed step (written to the store before it resolves); with `target`, the
   * operation's target is set in the same write (the VM a create made, in one statement).
   */
  done(step: string, detail?: string, target?: string): Promise<void>;
  /**
   * Notes a completed step that no recovery depends on, kept in memory and written with the next
   * write (a step, the target, the operation's end): one commit less where the next write follows
   * without a cloud call between. With `target`, the target goes with that write too.
   */
  note(step: string, detail?: string, target?: string): void;
  /**
   * A store write (bookkeeping: a VM record, a tracker row) to run with the operation's next
   * write, in one transaction when the service is given `atomically` (PostgreSQL: one commit,
   * and the two land together), else just before it. Only for writes that no cloud call
   * separates from that next write. A group that fails is run again one write at a time.
   */
  later(write: () => Promise<unknown>): void;
  /** Sets the operation's target (e.g. the VM id once known). */
  target(id: string): Promise<void>;
}

type Change = Parameters<OperationStore['update']>[1];

export class StepLog implements StepRecorder {
  readonly steps: OperationStep[];
  /** The operation's target as the work last set it. */
  current?: string;
  /** A target set by note() and not yet written (every write but a bare step carries it). */
  private targetNoted = false;
  private readonly pending: Array<() => Promise<unknown>> = [];

  constructor(
    readonly operationId: string,
    previous: OperationStep[],
    initialTarget: string | null,
    private readonly deps: { operations: OperationStore; atomically?: <T>(work: () => Promise<T>) => Promise<T> },
  ) {
    this.steps = [...previous];
    this.current = initialTarget ?? undefined;
  }

  async done(step: string, detail?: string, target?: string): Promise<void> {
    this.steps.push(stepDone(step, detail));
    if (target !== undefined) this.current = target;
    const withTarget = target !== undefined || this.targetNoted;
    this.targetNoted = false;
    await this.write(withTarget ? { steps: this.steps, target: this.current } : { steps: this.steps });
  }

  note(step: string, detail?: string, target?: string): void {
    this.steps.push(stepDone(step, detail));
    if (target === undefined) return;
    this.current = target;
    this.targetNoted = true;
  }

  later(write: () => Promise<unknown>): void {
    this.pending.push(write);
  }

  async target(id: string): Promise<void> {
    this.current = id;
    this.targetNoted = false;
    await this.write({ steps: this.steps, target: id });
  }

  /** Every write of the operation comes here, the writes `later` queued with it. */
  async write(change: Change): Promise<void> {
    const { operations, atomically } = this.deps;
    if (this.pending.length === 0) {
      await operations.update(this.operationId, change);
      return;
    }
    const group = this.pending.splice(0);
    const together = async () => {
      for (const queued of group) await queued();
      await operations.update(this.operationId, change);
    };
    if (!atomically) return together();
    try {
      await atomically(together);
    } catch {
      // Rolled back. One write at a time then, as without a transaction: bookkeeping that fails
      // and says so in the log (a VM record) must not hold the operation's end back, and on
      // PostgreSQL one failed statement fails the whole transaction.
      await together();
    }
  }
}

function stepDone(step: string, detail?: string): OperationStep {
  return detail ? { step, state: 'done', at: new Date().toISOString(), detail } : { step, state: 'done', at: new Date().toISOString() };
}
