// Migration 0005_vm_identity: what the reconciler finds out of step with the clouds, one row per
// VM id (never per name): `missing` (we hold it, the cloud no longer lists it: assign refuses it),
// `unknown` (the cloud lists a VM with our ownership tag and we hold no record of it) and
// `stuck-releasing` (released, yet the cloud still lists it). A row kept after it is resolved
// (adopted, destroyed, forgotten) says what became of the VM until retention purges it.
// VM flags (retiring) were always keyed (cloud, id_vm) but read by hostname; they are read by
// id now, so the hostname index goes.
import type { Migration } from 'kysely';
import type { MigrationDb as Db } from './store-dialect.js';

export const vmIdentityMigration: Migration = {
  async up(db: Db) {
    await db.schema
      .createTable('vm_findings')
      .addColumn('cloud', 'text', (c) => c.notNull())
      .addColumn('id_vm', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('hostname', 'text')
      .addColumn('detail', 'text')
      .addColumn('first_seen_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('resolution', 'text')
      .addColumn('resolved_at', 'text')
      .addColumn('resolved_by', 'text')
      .addPrimaryKeyConstraint('vm_findings_pk', ['cloud', 'id_vm'])
      .execute();
    await db.schema.createIndex('vm_findings_resolved').on('vm_findings').columns(['resolved_at']).execute();
    await db.schema.dropIndex('vm_flags_host').execute();
  },
  async down(db: Db) {
    await db.schema.createIndex('vm_flags_host').on('vm_flags').columns(['cloud', 'hostname']).execute();
    await db.schema.dropTable('vm_findings').execute();
  },
};
