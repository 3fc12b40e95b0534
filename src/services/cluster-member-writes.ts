// The members' outcomes of one convergence pass, written a batch at a time: every outcome that
// arrives in one turn of the event loop (a round of creates answering together) goes into one
// statement instead of one each. Nothing durable waits on it: a member's outcome is already
// recorded by its own vm.start operation (found by the member's request id), which is what a
// recovery pass reads for a member still `starting`; the row is the cluster's summary of it.
import type { ClusterMember, ClusterStore } from '../store/cluster-store.js';

export class MemberWrites {
  private pending: ClusterMember[] = [];
  private readonly writes: Promise<void>[] = [];
  private failure: unknown;

  constructor(private readonly store: ClusterStore) {}

  /** Queues the member's row as given (whole: state, VM id, error, start time). */
  add(member: ClusterMember): void {
    this.pending.push(member);
    if (this.pending.length === 1) setImmediate(() => this.flush());
  }

  /** Writes what is queued and waits for every write; rejects with the first write that failed. */
  async settled(): Promise<void> {
    this.flush();
    await Promise.all(this.writes);
    if (this.failure !== undefined) throw this.failure;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    // Caught here (kept for settled()) so a failed write is never an unhandled rejection meanwhile.
    this.writes.push(this.store.updateMembers(batch).catch((err: unknown) => {
      this.failure ??= err;
    }));
  }
}
