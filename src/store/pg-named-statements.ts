// PostgreSQL parses and plans every statement it is sent, unless the statement is a named one it
// prepared earlier on that connection. The hot statements (prepared-statement.ts: a start, an
// assign, a release) never change their text, so each gets a name: the first run on a connection
// prepares it, every later one only binds and executes. PostgreSQL runs on the same cores as the
// dispatcher in the small deployments, so its CPU per operation is ours too.
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

/** The names given to the hot statements' texts (the same text has the same name on every connection). */
export class StatementNames {
  private readonly names = new Map<string, string>();
  private next = 0;

  /** Marks a text as hot: from now on it runs as a named statement. */
  add(sql: string): void {
    if (!this.names.has(sql)) this.names.set(sql, `cd_${++this.next}`);
  }

  nameOf(sql: string): string | undefined {
    return this.names.get(sql);
  }

  /**
   * A new name for a text whose prepared statement went stale (its table changed under it: a
   * migration). The old one stays prepared on the connections that have it, unused.
   */
  renew(sql: string): string {
    const name = `cd_${++this.next}`;
    this.names.set(sql, name);
    return name;
  }
}

/** The statement was prepared before its table changed (PostgreSQL: "cached plan must not change result type"). */
const STALE_PLAN = '0A000';

/** A pool whose clients run the hot statements as named ones (what Kysely's PostgresDialect is given). */
export function namingPool(pool: pg.Pool, names: StatementNames): PostgresPool {
  const clients = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    async connect() {
      const client = await pool.connect();
      let named = clients.get(client);
      if (!named) {
        named = namingClient(client, names);
        clients.set(client, named);
      }
      return named;
    },
    end: () => pool.end(),
  };
}

function namingClient(client: pg.PoolClient, names: StatementNames): PostgresPoolClient {
  async function run<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    const name = names.nameOf(sql);
    const values = parameters as unknown[];
    if (!name) return client.query(sql, values) as unknown as Promise<PostgresQueryResult<R>>;
    try {
      return (await client.query({ name, text: sql, values })) as unknown as PostgresQueryResult<R>;
    } catch (err) {
      if ((err as { code?: unknown }).code !== STALE_PLAN) throw err;
      return (await client.query({ name: names.renew(sql), text: sql, values })) as unknown as PostgresQueryResult<R>;
    }
  }
  return {
    query: ((sqlOrCursor: string | PostgresCursor<unknown>, parameters?: ReadonlyArray<unknown>) =>
      typeof sqlOrCursor === 'string' ? run(sqlOrCursor, parameters ?? []) : client.query(sqlOrCursor as never)) as PostgresPoolClient['query'],
    release: () => client.release(),
  };
}
