// The built-in tracker's records. Assignment is one conditional UPDATE (…WHERE status_desc =
// 'FREE'), so of two concurrent assigns exactly one changes a row, on SQLite and PostgreSQL alike.
import type { Kysely, Selectable } from 'kysely';
import type { Database, TrackerNodesTable } from './store-schema.js';

export type TrackerRow = Selectable<TrackerNodesTable>;

const MAX_SERIAL = 2 ** 31 - 1;

export class TrackerStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(cloud: string, statuses?: string[]): Promise<TrackerRow[]> {
    let query = this.db.selectFrom('tracker_nodes').selectAll().where('cloud', '=', cloud);
    if (statuses) query = query.where('status_desc', 'in', statuses);
    return normalize(await query.orderBy('id').execute());
  }

  /** The record of one VM (unique per cloud), through the (cloud, id_vm) unique index. */
  async byId(cloud: string, idVm: string): Promise<TrackerRow | undefined> {
    const row = await this.db.selectFrom('tracker_nodes').selectAll().where('cloud', '=', cloud).where('id_vm', '=', idVm).executeTakeFirst();
    return row && normalize([row])[0];
  }

  /** One record by the tracker's own id (the primary key), if it is of this cloud. */
  async byRecordId(cloud: string, id: number): Promise<TrackerRow | undefined> {
    // A serial is a 32-bit integer on PostgreSQL: a larger id names no record (and would be a query error there).
    if (id > MAX_SERIAL) return undefined;
    const row = await this.db.selectFrom('tracker_nodes').selectAll().where('id', '=', id).where('cloud', '=', cloud).executeTakeFirst();
    return row && normalize([row])[0];
  }

  /** Every record carrying the hostname (a name is not unique: clouds allow twins), oldest first, through an index. */
  async byHostname(cloud: string, hostname: string): Promise<TrackerRow[]> {
    const rows = await this.db.selectFrom('tracker_nodes').selectAll().where('cloud', '=', cloud).where('hostname', '=', hostname).orderBy('id').execute();
    return normalize(rows);
  }

  /** Inserts the record, or leaves an existing one for the same VM alone. */
  async upsert(row: { cloud: string; id_vm: string; hostname: string; status: number; status_desc: string; recipe: string }): Promise<void> {
    const now = new Date().toISOString();
    await this.db
      .insertInto('tracker_nodes')
      .values({ ...row, user: '', recipe_id: 0, created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(['cloud', 'id_vm']).doNothing())
      .execute();
  }

  /**
   * Moves the record of exactly one VM from one of `from` to `to`; answers it as moved, or
   * undefined when it was in no such state. RETURNING saves reading the record back.
   */
  async transition(
    cloud: string,
    idVm: string,
    from: string[],
    to: { status: number; status_desc: string; user: string; recipe?: string },
  ): Promise<TrackerRow | undefined> {
    const row = await this.db
      .updateTable('tracker_nodes')
      .set({ ...to, updated_at: new Date().toISOString() })
      .where('cloud', '=', cloud)
      .where('id_vm', '=', idVm)
      .where('status_desc', 'in', from)
      .returningAll()
      .executeTakeFirst();
    return row && normalize([row])[0];
  }

  async remove(cloud: string, idVm: string): Promise<void> {
    await this.db.deleteFrom('tracker_nodes').where('cloud', '=', cloud).where('id_vm', '=', idVm).execute();
  }
}

/** pg answers serial ids as numbers but counts as strings; keep every id a number. */
function normalize(rows: TrackerRow[]): TrackerRow[] {
  return rows.map((r) => ({ ...r, id: Number(r.id), status: Number(r.status), recipe_id: Number(r.recipe_id) }));
}
