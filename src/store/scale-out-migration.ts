// Migration 0008_scale_out: what several instances over one PostgreSQL coordinate through.
// `instances`: one row per process with a lease its heartbeat renews (operations and idempotency
// keys of an owner whose lease expired may be taken over). `admission_locks`: one row per scope
// (`cloud:<name>`, `user:<name>`, `admins`) locked FOR UPDATE while a limit is checked.
// `admission_reservations`: starts admitted and not finished, counted against the allocation by
// every instance. `worker_holders`: which instance last took each singleton worker's advisory lock.
// On PostgreSQL a trigger NOTIFYs `dispatcher_settings` (payload: the schema) on every change of
// the operator's settings, so every instance re-reads them at once.
import { sql, type Migration } from 'kysely';
import type { Dialect, MigrationDb as Db } from './store-dialect.js';

const SETTINGS_TABLES = ['cloud_overrides', 'cloud_aliases', 'user_limits'];

export function scaleOutMigration(dialect: Dialect): Migration {
  return {
    async up(db: Db) {
      await db.schema
        .createTable('instances')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('pid', 'integer', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('heartbeat_at', 'text', (c) => c.notNull())
        .addColumn('lease_until', 'text', (c) => c.notNull())
        .addColumn('stopped_at', 'text')
        .execute();
      await db.schema.createTable('admission_locks').addColumn('scope', 'text', (c) => c.primaryKey()).execute();
      await db.schema
        .createTable('admission_reservations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('cloud', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('admission_reservations_cloud').on('admission_reservations').column('cloud').execute();
      await db.schema
        .createTable('worker_holders')
        .addColumn('worker', 'text', (c) => c.primaryKey())
        .addColumn('instance_id', 'text', (c) => c.notNull())
        .addColumn('since', 'text', (c) => c.notNull())
        .execute();
      if (dialect !== 'postgres') return;
      await sql`create or replace function dispatcher_settings_notify() returns trigger language plpgsql as $$
        begin perform pg_notify('dispatcher_settings', current_schema()); return null; end $$`.execute(db);
      for (const table of SETTINGS_TABLES) {
        await sql`create trigger ${sql.raw(`${table}_notify`)} after insert or update or delete on ${sql.table(table)}
          for each statement execute function dispatcher_settings_notify()`.execute(db);
      }
    },
    async down(db: Db) {
      if (dialect === 'postgres') {
        for (const table of SETTINGS_TABLES) await sql`drop trigger if exists ${sql.raw(`${table}_notify`)} on ${sql.table(table)}`.execute(db);
        await sql`drop function if exists dispatcher_settings_notify()`.execute(db);
      }
      for (const table of ['worker_holders', 'admission_reservations', 'admission_locks', 'instances']) await db.schema.dropTable(table).execute();
    },
  };
}
