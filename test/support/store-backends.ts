// One store suite, many backends (after Kysely's own tests): SQLite always, PostgreSQL when
// DATABASE_URL is set. Each open() gets a fresh database (a temp file, or a fresh PG schema).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/store-open.js';

export interface TestStore extends Store {
  /** Closes the store and deletes what open() made. */
  destroy(): Promise<void>;
  /** The URL (and schema) that reaches the same data, for restart tests. */
  url: string;
  schema?: string;
}

export interface StoreBackend {
  label: string;
  open(): Promise<TestStore>;
}

export function postgresUrl(): string | undefined {
  const url = process.env.DATABASE_URL;
  return url && /^postgres(ql)?:\/\//.test(url) ? url : undefined;
}

export function storeBackends(): StoreBackend[] {
  const backends: StoreBackend[] = [{ label: 'sqlite', open: openSqliteStore }];
  const url = postgresUrl();
  if (url) backends.push({ label: 'postgres', open: () => openPostgresStore(url) });
  return backends;
}

export async function openSqliteStore(): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'dispatcher-store-'));
  const url = `sqlite:${join(dir, 'test.sqlite')}`;
  const store = await openStore(url);
  return {
    ...store,
    url,
    async destroy() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function openPostgresStore(url: string): Promise<TestStore> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const store = await openStore(url, { schema });
  return {
    ...store,
    url,
    schema,
    async destroy() {
      await store.close();
      await dropSchema(url, schema);
    },
  };
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}
