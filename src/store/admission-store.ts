// Limits that hold across every instance over one PostgreSQL: a check runs in a transaction
// holding the scope's row of `admission_locks` FOR UPDATE, so checks of one scope (a cloud's
// allocation, a user's limit, the admins) take turns across processes. Starts admitted and
// not finished are rows of `admission_reservations`, counted while their owner's lease lasts.
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './store-schema.js';

/** Transactions open at once per process: each may need a second pooled connection for the count. */
const MAX_OPEN = 4;

export class AdmissionStore {
  private open = 0;
  /** Scopes whose lock row exists (rows are never deleted): their check skips the insert. */
  private readonly known = new Set<string>();
  private readonly waiting: (() => void)[] = [];

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
