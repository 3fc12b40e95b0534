// VMs the dispatcher created, with what the metrics need: when we asked, when the cloud first
// showed the VM running (or failed), whether the cloud still lists it, and how it ended.
import type { Kysely, Selectable } from 'kysely';
import type { VmRecordsTable } from './admin-schema.js';
import type { Database } from './store-schema.js';
import { PreparedStatement, slotsByColumn } from './prepared-statement.js';

const CREATED_COLUMNS = ['cloud', 'id_vm', 'name', 'image', 'size', 'requested_at', 'created_at', 'running_at', 'last_state', 'last_seen_at', 'owner_user_id'] as const;

export interface VmRecord {
  cloud: string;
  idVm: string;
  name: string;
  image: string;
  size: string;
  requestedAt: string;
  createdAt: string;
  runningAt: string | null;
  failedAt: string | null;
  failureKind: string | null;
  fault: string | null;
  lastState: string;
  lastSeenAt: string | null;
  missingSince: string | null;
  endedAt: string | null;
  endReason: string | null;
  /** Who started it through the dispatcher; null: admins only. */
  ownerUserId: number | null;
}

function toRecord(r: Selectable<VmRecordsTable>): VmRecord {
  return {
    cloud: r.cloud,
    idVm: r.id_vm,
    name: r.name,
    image: r.image,
    size: r.size,
    requestedAt: r.requested_at,
    createdAt: r.created_at,
    runningAt: r.running_at,
    failedAt: r.failed_at,
    failureKind: r.failure_kind,
    fault: r.fault,
    lastState: r.last_state,
    lastSeenAt: r.last_seen_at,
    missingSince: r.missing_since,
    endedAt: r.ended_at,
    endReason: r.end_reason,
    ownerUserId: r.owner_user_id === null || r.owner_user_id === undefined ? null : Number(r.owner_user_id),
  };
}

export class VmRecordStore {
  // Written by every start and every destroy: built and compiled once (prepared-statement.ts).
  private readonly insertCreated = new PreparedStatement(
    (...slots: unknown[]) =>
      this.db
        .insertInto('vm_records')
        .values({ ...slotsByColumn(CREATED_COLUMNS, slots), failed_at: null, failure_kind: null, fault: null, missing_since: null, ended_at: null, end_reason: null })
        .onConflict((oc) => oc.columns(['cloud', 'id_vm']).doNothing()),
    CREATED_COLUMNS.length,
  );
  private readonly endOne = new PreparedStatement((endedAt: string, reason: string, cloud: string, idVm: string) =>
    this.db.updateTable('vm_records').set({ ended_at: endedAt, end_reason: reason }).where('cloud', '=', cloud).where('ended_at', 'is', null).where('id_vm', '=', idVm),
  );

  constructor(private readonly db: Kysely<Database>) {}

  async created(input: { cloud: string; idVm: string; name: string; image: string; size: string; requestedAt: Date; state: string; ownerUserId?: number }): Promise<void> {
    const now = new Date().toISOString();
    const row: Record<(typeof CREATED_COLUMNS)[number], unknown> = {
      cloud: input.cloud,
      id_vm: input.idVm,
      name: input.name,
      image: input.image,
      size: input.size,
      requested_at: input.requestedAt.toISOString(),
      created_at: now,
      running_at: input.state === 'running' ? now : null,
      last_state: input.state,
      last_seen_at: now,
      owner_user_id: input.ownerUserId ?? null,
    };
    await this.insertCreated.run(this.db, ...CREATED_COLUMNS.map((column) => row[column]));
  }

  async get(cloud: string, idVm: string): Promise<VmRecord | undefined> {
    const row = await this.db.selectFrom('vm_records').selectAll().where('cloud', '=', cloud).where('id_vm', '=', idVm).executeTakeFirst();
    return row && toRecord(row);
  }

  /** The owner of a VM we started (null: nobody but admins; undefined: no record of ours). */
  async ownerOf(cloud: string, idVm: string): Promise<number | null | undefined> {
    const row = await this.db.selectFrom('vm_records').select('owner_user_id').where('cloud', '=', cloud).where('id_vm', '=', idVm).executeTakeFirst();
    return row ? (row.owner_user_id === null ? null : Number(row.owner_user_id)) : undefined;
  }

  /** Ids of the cloud's VMs a user started that have not ended. */
  async ownedBy(cloud: string, userId: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('vm_records')
      .select('id_vm')
      .where('owner_user_id', '=', userId)
      .where('cloud', '=', cloud)
      .where('ended_at', 'is', null)
      .execute();
    return rows.map((r) => r.id_vm);
  }

  /** Records not ended (the VM should still exist), of one cloud or all. */
  async open(cloud?: string): Promise<VmRecord[]> {
    let query = this.db.selectFrom('vm_records').selectAll().where('ended_at', 'is', null);
    if (cloud !== undefined) query = query.where('cloud', '=', cloud);
    return (await query.orderBy('requested_at').execute()).map(toRecord);
  }

  /** Open records still waiting for their first `running` (or a failure). */
  async booting(): Promise<VmRecord[]> {
    const rows = await this.db
      .selectFrom('vm_records')
      .selectAll()
      .where('ended_at', 'is', null)
      .where('running_at', 'is', null)
      .where('failed_at', 'is', null)
      .orderBy('requested_at')
      .execute();
    return rows.map(toRecord);
  }

  /** Records that reached running, for startup-time figures (optionally only those requested since). */
  async started(since?: string): Promise<VmRecord[]> {
    let query = this.db.selectFrom('vm_records').selectAll().where('running_at', 'is not', null);
    if (since) query = query.where('requested_at', '>=', since);
    return (await query.execute()).map(toRecord);
  }

  async failed(since?: string): Promise<VmRecord[]> {
    let query = this.db.selectFrom('vm_records').selectAll().where('failed_at', 'is not', null);
    if (since) query = query.where('requested_at', '>=', since);
    return (await query.orderBy('failed_at', 'desc').execute()).map(toRecord);
  }

  /** VMs created per cloud and image (the denominator of image failure rates). */
  async countByImage(since?: string): Promise<Array<{ cloud: string; image: string; created: number }>> {
    let query = this.db.selectFrom('vm_records').select(['cloud', 'image', (eb) => eb.fn.countAll<number>().as('n')]);
    if (since) query = query.where('requested_at', '>=', since);
    const rows = await query.groupBy(['cloud', 'image']).execute();
    return rows.map((r) => ({ cloud: r.cloud, image: r.image, created: Number(r.n) }));
  }

  /** What the cloud showed now: first `running` or `error` is kept, the last state always. */
  async observed(cloud: string, idVm: string, state: string, fault?: string): Promise<void> {
    const now = new Date().toISOString();
    const base = this.db.updateTable('vm_records').where('cloud', '=', cloud).where('id_vm', '=', idVm);
    await base.set({ last_state: state, last_seen_at: now, missing_since: null }).execute();
    if (state === 'running') {
      await base.set({ running_at: now }).where('running_at', 'is', null).where('failed_at', 'is', null).execute();
    } else if (state === 'error') {
      await base.set({ failed_at: now, failure_kind: 'boot', fault: fault ?? null }).where('running_at', 'is', null).where('failed_at', 'is', null).execute();
    }
  }

  async failedToBoot(cloud: string, idVm: string, kind: string, fault: string): Promise<void> {
    await this.db
      .updateTable('vm_records')
      .set({ failed_at: new Date().toISOString(), failure_kind: kind, fault })
      .where('cloud', '=', cloud)
      .where('id_vm', '=', idVm)
      .where('failed_at', 'is', null)
      .where('running_at', 'is', null)
      .execute();
  }

  async missing(cloud: string, idVm: string, since: string): Promise<void> {
    await this.db
      .updateTable('vm_records')
      .set({ missing_since: since })
      .where('cloud', '=', cloud)
      .where('id_vm', '=', idVm)
      .where('missing_since', 'is', null)
      .execute();
  }

  /** Ends one record (or every open record of the cloud); answers how many were open. */
  async end(cloud: string, idVm: string | undefined, reason: 'destroyed' | 'forgotten'): Promise<number> {
    if (idVm !== undefined) return this.endOne.changed(this.db, new Date().toISOString(), reason, cloud, idVm);
    const ended = await this.db
      .updateTable('vm_records')
      .set({ ended_at: new Date().toISOString(), end_reason: reason })
      .where('cloud', '=', cloud)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    return Number(ended.numUpdatedRows);
  }
}
