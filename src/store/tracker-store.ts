// The built-in tracker's records. Assignment is one conditional UPDATE (…WHERE status_desc =
// 'FREE'), so of two concurrent assigns exactly one changes a row, on SQLite and PostgreSQL alike.
import type { Kysely, Selectable } from 'kysely';
import type { Database, TrackerNodesTable } from './store-schema.js';
import { PreparedShapes, PreparedStatement } from './prepared-statement.js';

export type TrackerRow = Selectable<TrackerNodesTable>;

const MAX_SERIAL = 2 ** 31 - 1;

export class TrackerStore {
  // The statements of every start, assign and release, built and compiled once (prepared-statement.ts).
  private readonly rowById = new PreparedStatement((cloud: string, idVm: string) =>
    this.db.selectFrom('tracker_nodes').selectAll().where('cloud', '=', cloud).where('id_vm', '=', idVm),
  );
  private readonly rowsByHostname = new PreparedStatement((cloud: string, hostname: string) =>
    this.db.selectFrom('tracker_nodes').selectAll().where('cloud', '=', cloud).where('hostname', '=', hostname).orderBy('id'),
  );
  private readonly insertNew = new PreparedStatement(
    (cloud: string, idVm: string, hostname: string, status: number, statusDesc: string, recipe: string, createdAt: string, updatedAt: string) =>
      this.db
        .insertInto('tracker_nodes')
        .values({ cloud, id_vm: idVm, hostname, status, status_desc: statusDesc, recipe, user: '', recipe_id: 0, created_at: createdAt, updated_at: updatedAt })
        .onConflict((oc) => oc.columns(['cloud', 'id_vm']).doNothing()),
  );
  private readonly transitions = new PreparedShapes<unknown[], TrackerRow>();
  private readonly removeOne = new PreparedStatement((cloud: string, idVm: string) =>
    this.db.deleteFrom('tracker_nodes').where('cloud', '=', cloud).where('id_vm', '=', idVm),
  );

  constructor(private readonly db: Kysely<Database>) {}

  async list(cloud: string, statuses?: string[]): Promise<TrackerRow[]> {
    let query = this.db.selectFrom('tracker_nodes').selectAll().where('cloud', '=', cloud);
    if (statuses) query = query.where('status_desc', 'in', statuses);
    return normalize(await query.orderBy('id').execute());
  }

  /** The record of one VM (unique per cloud), through the (cloud, id_vm) unique index. */
  async byId(cloud: string, idVm: string): Promise<TrackerRow | undefined> {
    const row = await this.rowById.first(this.db, cloud, idVm);
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
    return normalize((await this.rowsByHostname.run(this.db, cloud, hostname)).rows);
  }

  /** Inserts the record, or leaves an existing one for the same VM alone. */
  async upsert(row: { cloud: string; id_vm: string; hostname: string; status: number; status_desc: string; recipe: string }): Promise<void> {
    const now = new Date().toISOString();
    await this.insertNew.run(this.db, row.cloud, row.id_vm, row.hostname, row.status, row.status_desc, row.recipe, now, now);
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
    const recipe = to.recipe !== undefined;
    // One statement per (from states, with or without recipe): a few fixed combinations.
    const statement = this.transitions.get(`${from.join(',')}|${recipe}`, recipe ? 7 : 6, (...slots: unknown[]) =>
      this.db
        .updateTable('tracker_nodes')
        .set({
          status: slots[0] as number,
          status_desc: slots[1] as string,
          user: slots[2] as string,
          ...(recipe ? { recipe: slots[6] as string } : {}),
          updated_at: slots[3] as string,
        })
        .where('cloud', '=', slots[4] as string)
        .where('id_vm', '=', slots[5] as string)
        .where('status_desc', 'in', from)
        .returningAll(),
    );
    const args: unknown[] = [to.status, to.status_desc, to.user, new Date().toISOString(), cloud, idVm];
    if (recipe) args.push(to.recipe);
    const row = await statement.first(this.db, ...args);
    return row && normalize([row])[0];
  }

  async remove(cloud: string, idVm: string): Promise<void> {
    await this.removeOne.run(this.db, cloud, idVm);
  }
}

/** pg answers serial ids as numbers but counts as strings; keep every id a number. */
function normalize(rows: TrackerRow[]): TrackerRow[] {
  return rows.map((r) => ({ ...r, id: Number(r.id), status: Number(r.status), recipe_id: Number(r.recipe_id) }));
}
