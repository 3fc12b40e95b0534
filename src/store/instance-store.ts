// The instances sharing one database: each process registers itself and renews a lease with its
// heartbeat; an instance is live while its lease has not run out (times are the instances'
// clocks, ISO strings: the instances are expected to run NTP-synced clocks, as PostgreSQL's
// replicas are). Also records which instance holds each singleton worker's advisory lock.
import type { Kysely } from 'kysely';
import type { Database } from './store-schema.js';
import type { InstancesTable } from './scale-out-schema.js';

export type InstanceRow = InstancesTable;

export class InstanceStore {
  constructor(private readonly db: Kysely<Database>) {}

  async register(row: Omit<InstanceRow, 'stopped_at'>): Promise<void> {
    await this.db.insertInto('instances').values({ ...row, stopped_at: null }).execute();
  }

  /** Pushes the lease forward; false when the row is gone (an operator removed it) or was stopped. */
  async renew(id: string, now: Date, leaseMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('instances')
      .set({ heartbeat_at: now.toISOString(), lease_until: new Date(now.getTime() + leaseMs).toISOString() })
      .where('id', '=', id)
      .where('stopped_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** A clean stop ends the lease at once: others may take over what is left without waiting. */
  async stop(id: string, now = new Date()): Promise<void> {
    await this.db.updateTable('instances').set({ stopped_at: now.toISOString(), lease_until: now.toISOString() }).where('id', '=', id).execute();
  }

  async live(now = new Date()): Promise<InstanceRow[]> {
    return this.db.selectFrom('instances').selectAll().where('lease_until', '>', now.toISOString()).orderBy('started_at').execute();
  }

  async liveIds(now = new Date()): Promise<Set<string>> {
    return new Set((await this.live(now)).map((r) => r.id));
  }

  /** Rows of instances whose lease ended long ago (status would otherwise list every past process). */
  async purgeEnded(before: Date): Promise<number> {
    const result = await this.db.deleteFrom('instances').where('lease_until', '<', before.toISOString()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async holderTook(worker: string, instanceId: string, now = new Date()): Promise<void> {
    await this.db
      .insertInto('worker_holders')
      .values({ worker, instance_id: instanceId, since: now.toISOString() })
      .onConflict((oc) => oc.column('worker').doUpdateSet({ instance_id: instanceId, since: now.toISOString() }))
      .execute();
  }

  async holders(): Promise<{ worker: string; instance_id: string; since: string }[]> {
    return this.db.selectFrom('worker_holders').selectAll().orderBy('worker').execute();
  }
}
