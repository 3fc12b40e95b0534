// The purge queries of the retention worker (src/admin/retention-worker.ts): finished history
// older than a cut-off, so no table grows forever. Nothing still in use is touched: operations
// queued or running, open VM records, open reconcile findings, keys not yet expired.
import type { Kysely } from 'kysely';
import type { Database } from './store-schema.js';

export interface PurgeCutoffs {
  /** Idempotency keys that expired before this. */
  idempotencyKeys: string;
  /** Operations that finished before this. */
  operations: string;
  /** Audit entries written before this. */
  audit: string;
  /** VM records that ended, and reconcile findings resolved, before this. */
  vmRecords: string;
}

export interface PurgeCounts {
  idempotencyKeys: number;
  operations: number;
  audit: number;
  vmRecords: number;
  findings: number;
}

const UNFINISHED = ['queued', 'running'];

export class RetentionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async purge(cutoffs: PurgeCutoffs): Promise<PurgeCounts> {
    const deleted = (result: { numDeletedRows: bigint }) => Number(result.numDeletedRows);
    const idempotencyKeys = deleted(await this.db.deleteFrom('idempotency_keys').where('expires_at', '<', cutoffs.idempotencyKeys).executeTakeFirst());
    const operations = deleted(
      await this.db
        .deleteFrom('operations')
        .where('finished_at', 'is not', null)
        .where('finished_at', '<', cutoffs.operations)
        .where('state', 'not in', UNFINISHED)
        .executeTakeFirst(),
    );
    const audit = deleted(await this.db.deleteFrom('audit_log').where('at', '<', cutoffs.audit).executeTakeFirst());
    const vmRecords = deleted(
      await this.db.deleteFrom('vm_records').where('ended_at', 'is not', null).where('ended_at', '<', cutoffs.vmRecords).executeTakeFirst(),
    );
    const findings = deleted(
      await this.db.deleteFrom('vm_findings').where('resolved_at', 'is not', null).where('resolved_at', '<', cutoffs.vmRecords).executeTakeFirst(),
    );
    return { idempotencyKeys, operations, audit, vmRecords, findings };
  }
}
