// Migration 0004_admin: what operators change at run time (cloud overrides, aliases, user limits,
// VM flags), the VM creations the metrics are computed from, and the audit log. Kept in its own
// module so store-migrations.ts only names it.
import type { Migration } from 'kysely';
import { idColumn, serialId, type Dialect, type MigrationDb as Db } from './store-dialect.js';

export function adminMigration(dialect: Dialect): Migration {
  return {
    async up(db: Db) {
      await db.schema
        .createTable('cloud_overrides')
        .addColumn('cloud', 'text', (c) => c.primaryKey())
        .addColumn('enabled', 'integer')
        .addColumn('allocation', 'integer')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('cloud_aliases')
        .addColumn('alias', 'text', (c) => c.primaryKey())
        .addColumn('cloud', 'text', (c) => c.notNull())
        .addColumn('removed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('user_limits')
        .addColumn('username', 'text', (c) => c.primaryKey())
        .addColumn('max_assigned', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('vm_flags')
        .addColumn('cloud', 'text', (c) => c.notNull())
        .addColumn('id_vm', 'text', (c) => c.notNull())
        .addColumn('hostname', 'text', (c) => c.notNull())
        .addColumn('retiring', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('reason', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('vm_flags_pk', ['cloud', 'id_vm'])
        .execute();
      await db.schema.createIndex('vm_flags_host').on('vm_flags').columns(['cloud', 'hostname']).execute();
      await db.schema
        .createTable('vm_records')
        .addColumn('cloud', 'text', (c) => c.notNull())
        .addColumn('id_vm', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('image', 'text', (c) => c.notNull())
        .addColumn('size', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('running_at', 'text')
        .addColumn('failed_at', 'text')
        .addColumn('failure_kind', 'text')
        .addColumn('fault', 'text')
        .addColumn('last_state', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text')
        .addColumn('missing_since', 'text')
        .addColumn('ended_at', 'text')
        .addColumn('end_reason', 'text')
        .addPrimaryKeyConstraint('vm_records_pk', ['cloud', 'id_vm'])
        .execute();
      await db.schema.createIndex('vm_records_open').on('vm_records').columns(['ended_at', 'cloud']).execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', serialId(dialect), idColumn(dialect))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'integer')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('message', 'text')
        .execute();
    },
    async down(db: Db) {
      for (const table of ['audit_log', 'vm_records', 'vm_flags', 'user_limits', 'cloud_aliases', 'cloud_overrides']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
