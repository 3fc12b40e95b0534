// Plain up/down migrations, run at start under Kysely's migration lock (safe with several
// instances over one PostgreSQL). New migrations are appended, never edited.
import { sql, type Migration, type MigrationProvider } from 'kysely';
import { adminMigration } from './admin-migration.js';
import { vmIdentityMigration } from './vm-identity-migration.js';
import { clustersMigration } from './cluster-migration.js';
import { durableOperationsMigration } from './operation-migration.js';
import { securityMigration } from './security-migration.js';
import { scaleOutMigration } from './scale-out-migration.js';
import { admissionInflightMigration } from './admission-inflight-migration.js';
import { idColumn, serialId, type Dialect, type MigrationDb as Db } from './store-dialect.js';

export function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_users_tokens': {
      async up(db: Db) {
        await db.schema
          .createTable('users')
          .addColumn('id', serialId(dialect), idColumn(dialect))
          .addColumn('username', 'text', (c) => c.notNull().unique())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('api_tokens')
          .addColumn('id', serialId(dialect), idColumn(dialect))
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .execute();
        await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();
      },
      async down(db: Db) {
        await db.schema.dropTable('api_tokens').execute();
        await db.schema.dropTable('users').execute();
      },
    },
    '0002_tracker_operations': {
      async up(db: Db) {
        await db.schema
          .createTable('tracker_nodes')
          .addColumn('id', serialId(dialect), idColumn(dialect))
          .addColumn('cloud', 'text', (c) => c.notNull())
          .addColumn('id_vm', 'text', (c) => c.notNull())
          .addColumn('hostname', 'text', (c) => c.notNull())
          .addColumn('user', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('status', 'integer', (c) => c.notNull())
          .addColumn('status_desc', 'text', (c) => c.notNull())
          .addColumn('recipe', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('recipe_id', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addUniqueConstraint('tracker_nodes_cloud_vm', ['cloud', 'id_vm'])
          .execute();
        await db.schema.createIndex('tracker_nodes_cloud_host').on('tracker_nodes').columns(['cloud', 'hostname']).execute();
        await db.schema
          .createTable('operations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('cloud', 'text')
          .addColumn('target', 'text')
          .addColumn('user_id', 'integer')
          .addColumn('request', 'text', (c) => c.notNull())
          .addColumn('result', 'text')
          .addColumn('error', 'text')
          .addColumn('steps', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('finished_at', 'text')
          .execute();
        await db.schema.createIndex('operations_state').on('operations').columns(['state', 'created_at']).execute();
      },
      async down(db: Db) {
        await db.schema.dropTable('operations').execute();
        await db.schema.dropTable('tracker_nodes').execute();
      },
    },
    '0003_idempotency': {
      // One row per (user, Idempotency-Key): inserted before the work starts (the primary key makes
      // the reservation atomic), completed with the answer to replay for 24 h.
      async up(db: Db) {
        await db.schema
          .createTable('idempotency_keys')
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('fingerprint', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('status', 'integer')
          .addColumn('body', 'text')
          .addColumn('location', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('idempotency_keys_pk', ['user_id', 'key'])
          .execute();
        await db.schema.createIndex('idempotency_keys_expiry').on('idempotency_keys').column('expires_at').execute();
      },
      async down(db: Db) {
        await db.schema.dropTable('idempotency_keys').execute();
      },
    },
    '0004_admin': adminMigration(dialect),
    '0005_vm_identity': vmIdentityMigration,
    '0006_durable_operations': durableOperationsMigration(),
    '0007_security': securityMigration(dialect),
    '0008_scale_out': scaleOutMigration(dialect),
    '0009_clusters': clustersMigration(),
    '0010_admission_inflight': admissionInflightMigration(dialect),
  };
}

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}

/** A cheap round trip, for /readyz. */
export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
