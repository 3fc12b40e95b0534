// Limits that hold across every instance over one PostgreSQL: a check runs in a transaction
// holding the scope's row of `admission_locks` FOR UPDATE, so checks of one scope (a cloud's
// allocation, the admins) take turns across processes. Starts admitted and not finished are rows
// of `admission_reservations`, counted while their owner's lease lasts. A user's assigns in
// flight are entries of the scope row's `inflight` list instead, each added by one statement (no
// transaction held across the assign): the row lock orders racing adds, so the
// later one sees the earlier; a finished entry is removed later, in one batched statement.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './store-schema.js';

/** Transactions open at once per process: each may need a second pooled connection for the count. */
const MAX_OPEN = 4;
/** Separates an in-flight entry's fields: the owner instance's id first. */
export const ENTRY_SEPARATOR = '\t';
/**
 * How long finished entries wait to be removed together. Until then they only make checks
 * stricter (an entry whose VM is already counted as assigned is not counted twice).
 */
const FLUSH_MS = 200;

export class AdmissionStore {
  private open = 0;
  /** Scopes whose lock row exists (rows are never deleted): their check skips the insert. */
  private readonly known = new Set<string>();
  private readonly waiting: (() => void)[] = [];
  /** Entries of this process that finished and are still in their scope's row, by scope. */
  private readonly finished = new Map<string, string[]>();
  private flushTimer?: NodeJS.Timeout;

  constructor(private readonly db: Kysely<Database>) {}

  /** Runs `work` while this process holds `scope`'s lock (released when `work` ends, commit or not). */
  async withLock<T>(scope: string, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    if (!this.known.has(scope)) {
      await this.db.insertInto('admission_locks').values({ scope }).onConflict((oc) => oc.column('scope').doNothing()).execute();
      this.known.add(scope);
    }
    await this.enter();
    try {
      return await this.db.transaction().execute(async (trx) => {
        await trx.selectFrom('admission_locks').select('scope').where('scope', '=', scope).forUpdate().execute();
        return work(trx);
      });
    } finally {
      this.leave();
    }
  }

  /** Starts admitted on `cloud` by live instances and not finished. */
  async reserved(trx: Transaction<Database>, cloud: string, now = new Date()): Promise<number> {
    const row = await trx
      .selectFrom('admission_reservations as r')
      .innerJoin('instances as i', 'i.id', 'r.owner')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('r.cloud', '=', cloud)
      .where('i.lease_until', '>', now.toISOString())
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async reserve(trx: Transaction<Database>, cloud: string, owner: string): Promise<string> {
    const id = randomUUID();
    await trx.insertInto('admission_reservations').values({ id, cloud, owner, created_at: new Date().toISOString() }).execute();
    return id;
  }

  async release(id: string): Promise<void> {
    await this.db.deleteFrom('admission_reservations').where('id', '=', id).execute();
  }

  /**
   * Adds `entry` (the owner's id, ENTRY_SEPARATOR, the rest) to `scope`'s in-flight list and
   * answers the list with it, in one statement that also drops this process's finished entries
   * of the scope and those of instances no longer live (a kill -9 mid-assign).
   */
  async enterInflight(scope: string, entry: string, now = new Date()): Promise<string[]> {
    const done = this.finished.get(scope) ?? [];
    this.finished.delete(scope);
    try {
      const { rows } = await sql<{ inflight: string[] }>`
        insert into admission_locks (scope, inflight) values (${scope}, array[${entry}]::text[])
        on conflict (scope) do update set inflight = array_append(array(
          select e from unnest(admission_locks.inflight) as e
          where e <> all(${done}::text[])
            and split_part(e, ${ENTRY_SEPARATOR}, 1) in (select id from instances where lease_until > ${now.toISOString()} and stopped_at is null)
        ), ${entry}::text)
        returning inflight`.execute(this.db);
      return rows[0]?.inflight ?? [entry];
    } catch (err) {
      this.finish(scope, ...done);
      throw err;
    }
  }

  /** Marks entries finished: removed by the scope's next enterInflight here, or by a flush within FLUSH_MS. */
  finish(scope: string, ...entries: string[]): void {
    if (entries.length === 0) return;
    this.finished.set(scope, [...(this.finished.get(scope) ?? []), ...entries]);
    this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  /** Removes every finished entry, of every scope, in one statement. */
  async flush(): Promise<void> {
    this.flushTimer = undefined;
    const scopes: string[] = [];
    const entries: string[] = [];
    for (const [scope, list] of this.finished) {
      for (const entry of list) {
        scopes.push(scope);
        entries.push(entry);
      }
    }
    this.finished.clear();
    if (entries.length === 0) return;
    try {
      await sql`
        update admission_locks as l set inflight = array(select e from unnest(l.inflight) as e where e <> all(f.done))
        from (select scope, array_agg(entry) as done from unnest(${scopes}::text[], ${entries}::text[]) as u(scope, entry) group by scope) as f
        where l.scope = f.scope`.execute(this.db);
    } catch {
      // Left in place they only make checks stricter: the next flush tries again.
      scopes.forEach((scope, i) => this.finish(scope, entries[i] as string));
    }
  }

  /** Reservations of instances whose lease ended (a kill -9 mid-start). */
  async purgeOf(deadOwnersBefore: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('admission_reservations')
      .where('owner', 'not in', (eb) => eb.selectFrom('instances').select('id').where('lease_until', '>', deadOwnersBefore.toISOString()))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private async enter(): Promise<void> {
    if (this.open < MAX_OPEN) {
      this.open++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.open--;
  }
}
