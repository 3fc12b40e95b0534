// Migration 0006_durable_operations: an operation names the process that runs it (`owner`, an
// instance id the scale-out work will lease) and the cloud request id of the create it sends
// (`request_id`, stored before the cloud is called, so an unknown outcome can be looked up).
// Idempotency keys name their owner too, so a restart frees only the keys of dead processes.
import type { Migration } from 'kysely';
import type { MigrationDb as Db } from './store-dialect.js';

export function durableOperationsMigration(): Migration {
  return {
    async up(db: Db) {
      await db.schema.alterTable('operations').addColumn('owner', 'text').execute();
      await db.schema.alterTable('operations').addColumn('request_id', 'text').execute();
      await db.schema.createIndex('operations_request_id').on('operations').column('request_id').execute();
      await db.schema.alterTable('idempotency_keys').addColumn('owner', 'text').execute();
    },
    async down(db: Db) {
      await db.schema.alterTable('idempotency_keys').dropColumn('owner').execute();
      await db.schema.dropIndex('operations_request_id').execute();
      await db.schema.alterTable('operations').dropColumn('request_id').execute();
      await db.schema.alterTable('operations').dropColumn('owner').execute();
    },
  };
}
