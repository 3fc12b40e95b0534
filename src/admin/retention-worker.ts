// Retention: a background round (an IntervalWorker, `retention.intervalMs`) deletes finished
// history older than its configured age: expired idempotency keys, finished operations, audit
// entries, ended VM records and resolved reconcile findings (docs/operations.md, "Retention").
import type { Config } from '../config/config-schema.js';
import type { Logger } from '../log/logger.js';
import type { PurgeCounts, RetentionStore } from '../store/retention-store.js';

const DAY_MS = 86_400_000;

export interface PurgeReport extends PurgeCounts {
  at: string;
}

export class RetentionWorker {
  private last?: PurgeReport;

  constructor(private readonly deps: { store: RetentionStore; settings: Config['retention']; logger: Logger }) {}

  /** The last round's counts (undefined until one ran in this process). */
  get lastPurge(): PurgeReport | undefined {
    return this.last;
  }

  async purge(now = new Date()): Promise<PurgeReport> {
    const { idempotencyGraceDays, operationsDays, auditDays, vmRecordsDays } = this.deps.settings;
    const before = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
    const counts = await this.deps.store.purge({
      idempotencyKeys: before(idempotencyGraceDays),
      operations: before(operationsDays),
      audit: before(auditDays),
      vmRecords: before(vmRecordsDays),
    });
    this.last = { at: now.toISOString(), ...counts };
    if (Object.values(counts).some((n) => n > 0)) this.deps.logger.info({ retention: counts }, 'retention: old history purged');
    return this.last;
  }
}
