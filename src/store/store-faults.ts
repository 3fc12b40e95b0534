// Store errors become typed at the store's boundary, the way drivers type provider errors: a
// duplicate row is a conflict (409), anything else the database or its file did — read-only,
// disk full, locked, connection lost — is 503 StoreUnavailable. Never a 500 "internal error".
import type { CompiledQuery, DatabaseConnection, DatabaseIntrospector, Dialect, DialectAdapter, Driver, Kysely, QueryCompiler, QueryResult, TransactionSettings } from 'kysely';
import { DispatcherError } from '../domain/errors.js';

export function storeFault(err: unknown): DispatcherError {
  if (err instanceof DispatcherError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && (code.startsWith('SQLITE_CONSTRAINT') || /^23\d{3}$/.test(code))) {
    return new DispatcherError('conflict', `the store refused the change: ${message}`, { code: 'StoreConflict', cause: err });
  }
  return new DispatcherError('unavailable', `the store failed: ${message}`, { code: 'StoreUnavailable', cause: err });
}

async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw storeFault(err);
  }
}

/** Statements run through a store (transaction control included): what the benchmark counts per operation. */
export interface StoreCounters {
  statements: number;
  /**
   * Milliseconds spent inside the driver's call that runs a statement, up to its return. On
   * SQLite that is the statement's whole execution (better-sqlite3 runs it before returning):
   * the benchmark's floor for an operation's CPU. On PostgreSQL only the sending.
   */
  driverMs: number;
  /** SQLite: the commits of group-commit batches (each a BEGIN and COMMIT the driver adds; not in `statements`). */
  batchCommits?: number;
}

/**
 * Wraps a dialect so every query's failure is typed; `check` runs before each query (the SQLite
 * file guard) and `counters` counts them.
 */
export function faultMappingDialect(inner: Dialect, check: () => void = () => {}, counters: StoreCounters = { statements: 0, driverMs: 0 }): Dialect {
  return {
    createAdapter: (): DialectAdapter => inner.createAdapter(),
    createQueryCompiler: (): QueryCompiler => inner.createQueryCompiler(),
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    createIntrospector: (db: Kysely<any>): DatabaseIntrospector => rereadingIntrospector(inner.createIntrospector(db)),
    createDriver: (): Driver => new FaultMappingDriver(inner.createDriver(), check, counters),
  };
}

class MappedConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly check: () => void,
    private readonly counters: StoreCounters,
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    this.counters.statements++;
    return mapped(() => {
      this.check();
      const started = performance.now();
      try {
        return this.inner.executeQuery<R>(query);
      } finally {
        this.counters.driverMs += performance.now() - started;
      }
    });
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class FaultMappingDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly check: () => void,
    private readonly counters: StoreCounters,
  ) {}

  init(): Promise<void> {
    return mapped(() => this.inner.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new MappedConnection(await mapped(() => this.inner.acquireConnection()), this.check, this.counters);
  }

  // Transactions run their statements through the connection given: ours, so they are typed too.
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return mapped(() => this.inner.beginTransaction(connection, settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return mapped(() => this.inner.commitTransaction(connection));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return mapped(() => this.inner.rollbackTransaction(connection));
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await mapped(async () => this.inner.savepoint?.(connection, name, compile));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await mapped(async () => this.inner.rollbackToSavepoint?.(connection, name, compile));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await mapped(async () => this.inner.releaseSavepoint?.(connection, name, compile));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection((connection as MappedConnection).inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

const DROPPED_MEANWHILE = new Set<unknown>(['3F000', '42P01', '42703']);

/**
 * Kysely's PostgreSQL introspection (its migrator's "does my table exist?") reads every schema of
 * the database; a schema, table or column dropped while it runs (another dispatcher's, a test's
 * down-migration) fails the read with 3F000, 42P01 or 42703 naming it (the column through
 * pg_get_serial_sequence, which looks the column up afresh), and reading again, after a
 * short pause, is all it takes.
 */
function rereadingIntrospector(inner: DatabaseIntrospector): DatabaseIntrospector {
  const again = async <T>(read: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await read();
      } catch (err) {
        const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
        if (attempt >= 30 || !DROPPED_MEANWHILE.has(cause?.code)) throw err;
        // A moment's pause, growing: a burst of drops (a test's schemas torn down) passes.
        await new Promise((resolve) => setTimeout(resolve, Math.min(50, attempt * 5)));
      }
    }
  };
  return {
    getSchemas: () => again(() => inner.getSchemas()),
    getTables: (options) => again(() => inner.getTables(options)),
    getMetadata: (options) => again(() => inner.getMetadata(options)),
  };
}
