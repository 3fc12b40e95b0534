// Idempotency keys (API v2 `Idempotency-Key`): a key is reserved by one INSERT before the work
// starts — the (user, key) primary key makes that atomic on SQLite and PostgreSQL alike, so of
// two concurrent duplicates exactly one runs — then completed with the answer to replay.
import type { Kysely, Selectable } from 'kysely';
import type { Database, IdempotencyKeysTable } from './store-schema.js';

export interface StoredAnswer {
  status: number;
  body: unknown;
  location?: string;
}

export type Reservation =
  /** The key is ours: run the request, then complete() or abandon() it. */
  | { outcome: 'reserved' }
  /** The same request ran before: replay its answer. */
  | { outcome: 'replay'; answer: StoredAnswer }
  /** The same request is still running under this key. */
  | { outcome: 'in-progress' }
  /** The key was used for another request. */
  | { outcome: 'mismatch' };

type Row = Selectable<IdempotencyKeysTable>;

export class IdempotencyStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly ttlMs = 24 * 3600_000,
    /** This process's instance id, written on the keys it reserves. */
    private readonly owner: string | null = null,
  ) {}

  async reserve(userId: number, key: string, fingerprint: string, now = new Date()): Promise<Reservation> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted = await this.db
        .insertInto('idempotency_keys')
        .values({
          user_id: userId,
          key,
          fingerprint,
          state: 'pending',
          status: null,
          body: null,
          location: null,
          created_at: now.toISOString(),
          expires_at: new Date(now.getTime() + this.ttlMs).toISOString(),
          owner: this.owner,
        })
        .onConflict((oc) => oc.columns(['user_id', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst();
      if (inserted) return { outcome: 'reserved' };

      const row = await this.find(userId, key);
      if (!row) continue; // removed between our insert and read (abandoned or purged): try again
      if (row.expires_at <= now.toISOString()) {
        // An expired key is free again; deleting only that very row keeps a racing fresh reservation.
        await this.db
          .deleteFrom('idempotency_keys')
          .where('user_id', '=', userId)
          .where('key', '=', key)
          .where('expires_at', '=', row.expires_at)
          .execute();
        continue;
      }
      if (row.fingerprint !== fingerprint) return { outcome: 'mismatch' };
      if (row.state !== 'done' || row.status === null) return { outcome: 'in-progress' };
      return {
        outcome: 'replay',
        answer: { status: Number(row.status), body: row.body === null ? undefined : JSON.parse(row.body), ...(row.location ? { location: row.location } : {}) },
      };
    }
    return { outcome: 'in-progress' };
  }

  async complete(userId: number, key: string, answer: StoredAnswer): Promise<void> {
    await this.db
      .updateTable('idempotency_keys')
      .set({
        state: 'done',
        status: answer.status,
        body: answer.body === undefined ? null : JSON.stringify(answer.body),
        location: answer.location ?? null,
      })
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .execute();
  }

  /** Frees a reservation whose request failed before it changed anything, so the client may retry. */
  async abandon(userId: number, key: string): Promise<void> {
    await this.db.deleteFrom('idempotency_keys').where('user_id', '=', userId).where('key', '=', key).where('state', '=', 'pending').execute();
  }

  /**
   * At start: the pending keys of processes that are gone (their requests died with them) are
   * freed, so the documented retry with the same key runs again instead of answering 409 for 24 h.
   * The retry re-uses the key's request id, so a start it repeats is looked up, not made twice.
   */
  async releasePendingOfDead(isLive: (owner: string) => boolean): Promise<number> {
    const owners = await this.db.selectFrom('idempotency_keys').select('owner').distinct().where('state', '=', 'pending').execute();
    const dead = owners.map((r) => r.owner).filter((o): o is string => o !== null && o !== this.owner && !isLive(o));
    let query = this.db.deleteFrom('idempotency_keys').where('state', '=', 'pending');
    query = query.where((eb) => (dead.length > 0 ? eb.or([eb('owner', 'is', null), eb('owner', 'in', dead)]) : eb('owner', 'is', null)));
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async purgeExpired(now = new Date()): Promise<number> {
    const result = await this.db.deleteFrom('idempotency_keys').where('expires_at', '<=', now.toISOString()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private async find(userId: number, key: string): Promise<Row | undefined> {
    return this.db.selectFrom('idempotency_keys').selectAll().where('user_id', '=', userId).where('key', '=', key).executeTakeFirst();
  }
}
