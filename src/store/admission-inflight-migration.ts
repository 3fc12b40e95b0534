// Migration 0010_admission_inflight: a scope's assigns in flight across instances, as entries of
// its `admission_locks` row (PostgreSQL only: with SQLite one process runs, and its user limit is
// checked under an in-process lock). See admission-store.ts for how they are used.
import { sql, type Migration } from 'kysely';
import type { Dialect, MigrationDb as Db } from './store-dialect.js';

export function admissionInflightMigration(dialect: Dialect): Migration {
  return {
    async up(db: Db) {
      if (dialect === 'postgres') await sql`alter table admission_locks add column inflight text[] not null default '{}'`.execute(db);
    },
    async down(db: Db) {
      if (dialect === 'postgres') await sql`alter table admission_locks drop column inflight`.execute(db);
    },
  };
}
