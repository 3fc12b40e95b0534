// Migration 0009_clusters: clusters (a user's named group of VMs with a desired size and a
// template), their members (one row per VM the cluster asked for, written with its request id
// BEFORE the start is sent, so a crash mid-create resumes without a duplicate), and the images
// the dispatcher saved from VMs (only those may be deleted through the API).
import type { Migration } from 'kysely';
import type { MigrationDb as Db } from './store-dialect.js';

export function clustersMigration(): Migration {
  return {
    async up(db: Db) {
      await db.schema
        .createTable('clusters')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('desired_size', 'integer', (c) => c.notNull())
        .addColumn('template', 'text', (c) => c.notNull())
        .addColumn('placement', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('clusters_user').on('clusters').columns(['user_id', 'created_at']).execute();
      await db.schema
        .createTable('cluster_members')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('cluster_id', 'text', (c) => c.notNull().references('clusters.id').onDelete('cascade'))
        .addColumn('cloud', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull().unique())
        .addColumn('vm_id', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .execute();
      await db.schema.createIndex('cluster_members_cluster').on('cluster_members').columns(['cluster_id', 'created_at']).execute();
      await db.schema
        .createTable('saved_images')
        .addColumn('cloud', 'text', (c) => c.notNull())
        .addColumn('image_id', 'text', (c) => c.notNull())
        .addColumn('vm_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'integer')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('saved_images_pk', ['cloud', 'image_id'])
        .execute();
    },
    async down(db: Db) {
      await db.schema.dropTable('saved_images').execute();
      await db.schema.dropTable('cluster_members').execute();
      await db.schema.dropTable('clusters').execute();
    },
  };
}
