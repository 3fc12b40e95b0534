// What a migration needs to know about the SQL dialect it runs on. Its own module so that
// store-migrations.ts (which lists the migrations) and each migration module (which takes the
// dialect) do not import each other.
import type { ColumnDefinitionBuilder, Kysely } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

// Migrations see the schema of their own time, not today's Database type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type MigrationDb = Kysely<any>;

/** An auto-increment integer primary key's type, spelled per dialect. */
export function serialId(dialect: Dialect) {
  return dialect === 'postgres' ? ('serial' as const) : ('integer' as const);
}

/** The column builder of that auto-increment primary key. */
export function idColumn(dialect: Dialect) {
  return (col: ColumnDefinitionBuilder) => (dialect === 'postgres' ? col.primaryKey() : col.primaryKey().autoIncrement());
}
