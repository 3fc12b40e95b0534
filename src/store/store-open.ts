// Opens the store named by a URL: `sqlite:<path>` (embedded default) or `postgres://…`
// (scale-out: several dispatcher instances over one database). Migrations run before use.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, sql, PostgresDialect, SqliteDialect, type SqliteDatabase as KyselySqliteDatabase, type SqliteStatement } from 'kysely';
import pg from 'pg';
import type { Database } from './store-schema.js';
import { migrationProvider, ping, type Dialect } from './store-migrations.js';

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** PostgreSQL only: a schema to live in (created if missing); tests use one per run. */
  schema?: string;
}

export async function openStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const dialect: Dialect = url.startsWith('sqlite:') ? 'sqlite' : 'postgres';
  const db = dialect === 'sqlite' ? openSqlite(url.slice('sqlite:'.length)) : await openPostgres(url, options.schema);
  const store: Store = {
    db,
    dialect,
    ping: () => ping(db),
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
  return store;
}

function openSqlite(path: string): Kysely<Database> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SqliteDatabase(path);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  database.pragma('synchronous = NORMAL');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
}

/**
 * Kysely's SQLite driver prepares every query anew, and preparing costs about as much as running
 * a small query. Our SQL comes from a few builders (values are parameters), so the prepared
 * statements are kept by SQL text. Reusing one is safe: the driver runs one query at a time.
 */
function withStatementCache(database: SqliteDatabase.Database, max = 500): KyselySqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    prepare(sql: string): SqliteStatement {
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        // Bounded: `in (?, ?, …)` lists make one text per length.
        if (statements.size >= max) statements.delete(statements.keys().next().value as string);
        statements.set(sql, statement);
      }
      return statement;
    },
    close: () => database.close(),
  };
}

async function openPostgres(url: string, schema?: string): Promise<Kysely<Database>> {
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
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

async function currentSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('PostgreSQL: no current schema (search_path names none that exists)');
  return schema;
}
