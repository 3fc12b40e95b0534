// Every down migration, on each backend: from the latest schema, down one step at a time to
// nothing (only Kysely's own tables left), then up again one step at a time. At each level the
// schema on the way up (a fresh build from nothing) must equal the one the way down left: the same
// tables, columns (type, nullability, default), indexes and triggers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Migrator, sql } from 'kysely';
import type { Dialect, MigrationDb as Db } from '../../src/store/store-dialect.js';
import { migrationProvider, migrations } from '../../src/store/store-migrations.js';
import { storeBackends, type TestStore } from '../support/store-backends.js';

// Migrations that change only PostgreSQL's schema (what they add serves several instances).
const POSTGRES_ONLY = new Set(['0010_admission_inflight']);

interface Snapshot {
  tables: Record<string, string[]>;
  indexes: string[];
  triggers: string[];
}

async function snapshot(db: Db, dialect: Dialect, schema: string | undefined): Promise<Snapshot> {
  const tables = (await db.introspection.getTables()).filter((t) => dialect === 'sqlite' || t.schema === schema);
  const columns = Object.fromEntries(
    tables
      .map((t) => [t.name, t.columns.map((c) => `${c.name} ${c.dataType}${c.isNullable ? '' : ' not null'}${c.hasDefaultValue ? ' default' : ''}`).sort()] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  if (dialect === 'sqlite') {
    const { rows } = await sql<{ type: string; name: string; tbl_name: string }>`select type, name, tbl_name from sqlite_master where type in ('index', 'trigger') and name not like 'kysely_%' and tbl_name not like 'kysely_%'`.execute(db);
    return {
      tables: columns,
      indexes: rows.filter((r) => r.type === 'index').map((r) => `${r.tbl_name}.${r.name}`).sort(),
      triggers: rows.filter((r) => r.type === 'trigger').map((r) => `${r.tbl_name}.${r.name}`).sort(),
    };
  }
  const indexes = await sql<{ tablename: string; indexname: string }>`select tablename, indexname from pg_indexes where schemaname = ${schema} and tablename not like 'kysely_%'`.execute(db);
  const triggers = await sql<{ table: string; name: string }>`select event_object_table as table, trigger_name as name from information_schema.triggers where trigger_schema = ${schema}`.execute(db);
  const functions = await sql<{ name: string }>`select p.proname as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = ${schema}`.execute(db);
  return {
    tables: columns,
    indexes: indexes.rows.map((r) => `${r.tablename}.${r.indexname}`).sort(),
    triggers: [...new Set(triggers.rows.map((r) => `${r.table}.${r.name}`)), ...functions.rows.map((r) => `function ${r.name}`)].sort(),
  };
}

for (const backend of storeBackends()) {
  describe(`migrations on ${backend.label}`, () => {
    let store: TestStore;
    before(async () => {
      store = await backend.open(); // migrated to the latest version
    });
    after(async () => store?.destroy());

    it('go down step by step to nothing and up again, with the same schema at every level', async () => {
      const db = store.db as unknown as Db;
      const schema = store.dialect === 'postgres' ? store.schema : undefined;
      const migrator = new Migrator({ db, provider: migrationProvider(store.dialect), migrationTableSchema: schema });
      const names = Object.keys(migrations(store.dialect)).sort();
      assert.ok(names.length >= 9, `only ${names.length} migrations`);
      const applied = async () => (await migrator.getMigrations()).filter((m) => m.executedAt).map((m) => m.name);
      assert.deepEqual(await applied(), names);

      // down[k]: the schema with the first k migrations applied, as the down migrations leave it.
      const down: Snapshot[] = [];
      down[names.length] = await snapshot(db, store.dialect, schema);
      for (let k = names.length - 1; k >= 0; k--) {
        const { error, results } = await migrator.migrateDown();
        assert.equal(error, undefined, `down ${names[k]}: ${(error as Error | undefined)?.message}`);
        assert.deepEqual(results?.map((r) => [r.migrationName, r.direction, r.status]), [[names[k], 'Down', 'Success']]);
        assert.deepEqual(await applied(), names.slice(0, k));
        down[k] = await snapshot(db, store.dialect, schema);
      }
      assert.deepEqual(down[0], { tables: {}, indexes: [], triggers: [] }, 'nothing left once every migration is down');
      for (let k = 1; k <= names.length; k++) {
        if (store.dialect === 'sqlite' && POSTGRES_ONLY.has(names[k - 1])) continue;
        assert.notDeepEqual(down[k], down[k - 1], `${names[k - 1]} changes the schema`);
      }

      for (let k = 1; k <= names.length; k++) {
        const { error, results } = await migrator.migrateUp();
        assert.equal(error, undefined, `up ${names[k - 1]}: ${(error as Error | undefined)?.message}`);
        assert.deepEqual(results?.map((r) => [r.migrationName, r.direction, r.status]), [[names[k - 1], 'Up', 'Success']]);
        assert.deepEqual(await snapshot(db, store.dialect, schema), down[k], `the schema after ${names[k - 1]} up equals the one its down left`);
      }
      assert.deepEqual(await applied(), names);
    });
  });
}
