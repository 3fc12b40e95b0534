// 0007_security: the store-backed login throttle (shared by every instance and both API
// versions), the readiness write probe's row, and the owner of each VM the dispatcher starts.
import type { Dialect, MigrationDb as Db } from './store-dialect.js';

export function securityMigration(_dialect: Dialect) {
  return {
    async up(db: Db) {
      await db.schema
        .createTable('login_attempts')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('window_start', 'text', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('login_attempts_window').on('login_attempts').column('window_start').execute();
      await db.schema.createTable('store_probe').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('at', 'text', (c) => c.notNull()).execute();
      // Null: started outside the dispatcher (or before 0007): such VMs belong to admins only.
      await db.schema.alterTable('vm_records').addColumn('owner_user_id', 'integer').execute();
      await db.schema.createIndex('vm_records_owner').on('vm_records').columns(['owner_user_id', 'cloud']).execute();
    },
    async down(db: Db) {
      await db.schema.dropIndex('vm_records_owner').execute();
      await db.schema.alterTable('vm_records').dropColumn('owner_user_id').execute();
      await db.schema.dropTable('store_probe').execute();
      await db.schema.dropTable('login_attempts').execute();
    },
  };
}
