// Opens the store named by a URL: `sqlite:<path>` (embedded default) or `postgres://…`
// (scale-out: several dispatcher instances over one database). Migrations run before use.
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, sql, PostgresDialect } from 'kysely';
import type { Database } from './store-schema.js';
import { migrationProvider, ping } from './store-migrations.js';
import type { Dialect } from './store-dialect.js';
import { faultMappingDialect, type StoreCounters } from './store-faults.js';
import { checkMarker, fileGuard, prepareSqlitePath, StoreOpenError, writeMarker } from './sqlite-file.js';
import { StoreTransactions } from './store-transaction.js';
import { namingPool } from './pg-named-statements.js';
import { HOT_STATEMENTS } from './prepared-statement.js';
import { groupCommitDialect } from './sqlite-group-commit.js';

export { StoreOpenError } from './sqlite-file.js';

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Statements run so far (the benchmark reports them per operation). */
  readonly counters: StoreCounters;
  ping(): Promise<void>;
  /**
   * Runs `work` with every query of every store in one transaction (store-transaction.ts): one
   * commit, all or nothing. `work` makes store writes only: no cloud or HTTP call inside.
   */
  atomically<T>(work: () => Promise<T>): Promise<T>;
  /** Readiness: a real write (a read-only file, a full disk, a lost SQLite file all fail it). */
  writeProbe(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** PostgreSQL only: a schema to live in (created if missing); tests use one per run. */
  schema?: string;
  /** SQLite: create the database even though its marker says one existed (database.initialise). */
  initialise?: boolean;
  /** PostgreSQL: the hot statements as named ones (database.preparedStatements; default true). */
  preparedStatements?: boolean;
}

export async function openStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const dialect: Dialect = url.startsWith('sqlite:') ? 'sqlite' : 'postgres';
  const counters: StoreCounters = { statements: 0, driverMs: 0 };
  const transactions = new StoreTransactions();
  const sqlite = dialect === 'sqlite' ? openSqlite(url.slice('sqlite:'.length), options.initialise ?? false, counters, transactions) : undefined;
  const db = sqlite ? sqlite.db : await openPostgres(url, counters, transactions, options);
  const store: Store = {
    db,
    dialect,
    counters,
    ping: () => ping(db),
    atomically: (work) => transactions.atomically(db, work),
    async writeProbe() {
      const lost = sqlite?.guard?.gone();
      if (lost) throw new Error(lost);
      const at = new Date().toISOString();
      await db.insertInto('store_probe').values({ id: 1, at }).onConflict((oc) => oc.column('id').doUpdateSet({ at })).execute();
    },
    close: () => db.destroy(),
  };
  // Kysely looks for its migration tables in every schema unless told which: on a PostgreSQL
  // shared with other schemas (or other dispatchers), it would find theirs and skip creating ours.
  const migrationTableSchema = dialect === 'postgres' ? await currentSchema(db) : undefined;
  const migrator = new Migrator({ db, provider: migrationProvider(dialect), migrationTableSchema });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`store migration ${failed} failed: ${(error as Error).message ?? String(error)}`);
  }
  if (sqlite?.file) writeMarker(sqlite.file, options.initialise ?? false);
  return store;
}

function openSqlite(path: string, initialise: boolean, counters: StoreCounters, transactions: StoreTransactions): { db: Kysely<Database>; file?: string; guard?: ReturnType<typeof fileGuard> } {
  const memory = path === ':memory:';
  const file = memory ? undefined : prepareSqlitePath(path);
  if (file) checkMarker(file, initialise);
  let database: SqliteDatabase.Database;
  try {
    database = new SqliteDatabase(file ?? path);
    database.pragma('journal_mode = WAL');
  } catch (err) {
    throw new StoreOpenError(`database.url sqlite:${path}: cannot open: ${(err as Error).message}`);
  }
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  database.pragma('synchronous = NORMAL');
  // better-sqlite3 builds SQLite with a 16 MB page cache per connection (SQLite's own default is
  // 2 MB). The file's pages stay in the kernel's cache anyway; 16 MB of our own copies was the
  // largest native cost of a dispatcher holding 10,000 VMs, for no measurable gain per operation.
  database.pragma('cache_size = -2000');
  const guard = file ? fileGuard(file) : undefined;
  const dialect = transactions.dialect(faultMappingDialect(groupCommitDialect(database, counters), guard?.check, counters));
  return { db: new Kysely<Database>({ dialect }), file, guard };
}

async function openPostgres(url: string, counters: StoreCounters, transactions: StoreTransactions, { schema, preparedStatements = true }: StoreOptions): Promise<Kysely<Database>> {
  // Loaded here, not at import: a SQLite store never needs the driver (its import is ~3 MB of heap).
  const { default: pg } = await import('pg');
  if (schema) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`create schema if not exists ${schema}`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  const dialect = new PostgresDialect({ pool: preparedStatements ? namingPool(pool, HOT_STATEMENTS) : pool });
  return new Kysely<Database>({ dialect: transactions.dialect(faultMappingDialect(dialect, undefined, counters)) });
}

async function currentSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('PostgreSQL: no current schema (search_path names none that exists)');
  return schema;
}
