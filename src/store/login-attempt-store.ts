// Login attempt counters in the store, so every instance and both API versions count against
// the same numbers. One row per key, a fixed window: the upsert increments (or restarts an
// expired window) atomically and answers the new count, so concurrent guesses cannot slip past.
import { sql, type Kysely } from 'kysely';
import type { Database } from './store-schema.js';

export class LoginAttemptStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Counts one attempt against `key`; answers the count in the current window and when it began. */
  async hit(key: string, windowMs: number, now = new Date()): Promise<{ count: number; windowStart: Date }> {
    const at = now.toISOString();
    const cutoff = new Date(now.getTime() - windowMs).toISOString();
    const row = await this.db
      .insertInto('login_attempts')
      .values({ key, window_start: at, failures: 1 })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          failures: sql<number>`case when login_attempts.window_start <= ${cutoff} then 1 else login_attempts.failures + 1 end`,
          window_start: sql<string>`case when login_attempts.window_start <= ${cutoff} then ${at} else login_attempts.window_start end`,
        }),
      )
      .returning(['failures', 'window_start'])
      .executeTakeFirstOrThrow();
    return { count: Number(row.failures), windowStart: new Date(row.window_start) };
  }

  /** Takes back one attempt (a login that succeeded does not count). */
  async undo(key: string): Promise<void> {
    await this.db.updateTable('login_attempts').set({ failures: sql<number>`failures - 1` }).where('key', '=', key).where('failures', '>', 0).execute();
  }

  /** Drops windows that ended before `before`. */
  async prune(before: Date): Promise<number> {
    const result = await this.db.deleteFrom('login_attempts').where('window_start', '<', before.toISOString()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
