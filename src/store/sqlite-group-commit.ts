// SQLite with group commit: the writes that arrive in one turn of the event loop share one
// transaction, committed before the loop waits again (setImmediate), and each write's promise
// resolves only once that commit is done. A caller hears of a write when it is as durable as with
// a commit of its own, and N concurrent requests' writes cost one WAL commit instead of N: on
// this schema the commit (the changed pages appended to the WAL) is most of a small write's cost.
//
// Kysely's own SQLite driver holds the single connection for the whole of each query, so the
// next query could not start before the previous one's commit; here a plain query takes no lock.
// An explicit transaction (db.transaction(), Store.atomically) still has the connection to
// itself: it first commits the open batch, and plain queries wait until it ends.
import type SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, type DatabaseConnection, type Dialect, type Driver, type QueryResult } from 'kysely';
import type { StoreCounters } from './store-faults.js';

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

/** SQLite behind Kysely with group commit; `counters` gets the batches' commits and their time. */
export function groupCommitDialect(database: SqliteDatabase.Database, counters: StoreCounters): Dialect {
  // The adapter, compiler and introspector are SQLite's own; only the driver differs.
  const base = new SqliteDialect({ database });
  return {
    createAdapter: () => base.createAdapter(),
    createQueryCompiler: () => base.createQueryCompiler(),
    createIntrospector: (db) => base.createIntrospector(db),
    createDriver: () => new GroupCommitDriver(new StatementCache(database), counters),
  };
}

class GroupConnection implements DatabaseConnection {
  constructor(private readonly driver: GroupCommitDriver) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.driver.execute<R>(this, query);
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('the SQLite store does not stream query results');
  }
}

class GroupCommitDriver implements Driver {
  /** The connection whose explicit transaction is open, and what its end resolves. */
  private owner?: { connection: DatabaseConnection; ended: Promise<void>; end: () => void };
  /** The writes (and the reads among them) waiting for the open batch's commit. */
  private batch?: Waiter[];

  constructor(
    private readonly statements: StatementCache,
    private readonly counters: StoreCounters,
  ) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new GroupConnection(this);
  }

  async releaseConnection(): Promise<void> {}

  // Transaction control goes through the connection given, as in Kysely's driver: the wrappers
  // around it (fault mapping, statement counters) see BEGIN and COMMIT like any statement.
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    while (this.owner) await this.owner.ended;
    this.commitBatch();
    let end = () => {};
    const ended = new Promise<void>((resolve) => (end = resolve));
    this.owner = { connection: innermost(connection), ended, end };
    try {
      await connection.executeQuery(CompiledQuery.raw('begin'));
    } catch (err) {
      this.release();
      throw err;
    }
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    // A failed commit leaves the transaction open: Kysely rolls it back next, and that releases.
    await connection.executeQuery(CompiledQuery.raw('commit'));
    this.release();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      // SQLite may have rolled it back already (a full disk): a second rollback would fail.
      if (this.statements.inTransaction) await connection.executeQuery(CompiledQuery.raw('rollback'));
    } finally {
      this.release();
    }
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${identifier(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${identifier(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${identifier(name)}`));
  }

  async destroy(): Promise<void> {
    this.commitBatch();
    this.statements.close();
  }

  /** Runs a statement now; a plain one answers once the batch it ran in is committed. */
  async execute<R>(connection: DatabaseConnection, query: CompiledQuery): Promise<QueryResult<R>> {
    while (this.owner && this.owner.connection !== connection) await this.owner.ended;
    const statement = this.statements.prepare(query.sql);
    // A statement of the open explicit transaction, or a read with no batch open, has nothing to
    // wait for; a read inside a batch may have read the batch's writes.
    if (this.owner || (statement.readonly && !this.batch)) return runStatement<R>(statement, query);
    const batch = this.batch ?? this.openBatch();
    let result: QueryResult<R>;
    try {
      result = runStatement<R>(statement, query);
    } catch (err) {
      // Most failures undo the statement alone; some (a full disk, an I/O error) roll the whole
      // transaction back, and the batch's earlier writes with it.
      if (!this.statements.inTransaction) this.failBatch(batch, err);
      throw err;
    }
    await new Promise<void>((resolve, reject) => batch.push({ resolve, reject }));
    return result;
  }

  private openBatch(): Waiter[] {
    this.run('begin');
    const batch: Waiter[] = [];
    this.batch = batch;
    setImmediate(() => this.commitBatch());
    return batch;
  }

  private commitBatch(): void {
    const batch = this.batch;
    if (!batch) return;
    try {
      if (!this.statements.inTransaction) throw new Error('the store transaction of this batch was rolled back');
      this.run('commit');
      this.counters.batchCommits = (this.counters.batchCommits ?? 0) + 1;
    } catch (err) {
      try {
        if (this.statements.inTransaction) this.statements.execute(CompiledQuery.raw('rollback'));
      } catch {
        // Nothing left to undo: the failure is the batch's answer either way.
      }
      this.failBatch(batch, err);
      return;
    }
    this.batch = undefined;
    for (const waiter of batch) waiter.resolve();
  }

  private failBatch(batch: Waiter[], err: unknown): void {
    if (this.batch === batch) this.batch = undefined;
    for (const waiter of batch.splice(0)) waiter.reject(err);
  }

  /** A batch's BEGIN or COMMIT, timed with the statements (a commit is where SQLite writes the WAL). */
  private run(command: 'begin' | 'commit'): void {
    const started = performance.now();
    try {
      this.statements.execute(CompiledQuery.raw(command));
    } finally {
      this.counters.driverMs += performance.now() - started;
    }
  }

  private release(): void {
    const owner = this.owner;
    this.owner = undefined;
    owner?.end();
  }
}

/**
 * Prepared statements kept by SQL text: preparing costs about as much as running a small query,
 * and our SQL comes from a few builders (values are parameters). Bounded, since `in (?, ?, …)`
 * lists make one text per length.
 */
class StatementCache {
  private readonly statements = new Map<string, SqliteDatabase.Statement>();

  constructor(
    private readonly database: SqliteDatabase.Database,
    private readonly max = 500,
  ) {}

  get inTransaction(): boolean {
    return this.database.inTransaction;
  }

  execute<R>(query: CompiledQuery): QueryResult<R> {
    return runStatement<R>(this.prepare(query.sql), query);
  }

  close(): void {
    this.database.close();
  }

  prepare(sql: string): SqliteDatabase.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.database.prepare(sql);
      if (this.statements.size >= this.max) this.statements.delete(this.statements.keys().next().value as string);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** Runs a prepared statement as Kysely's SQLite driver would: rows for a reader, counts for a write. */
function runStatement<R>(statement: SqliteDatabase.Statement, query: CompiledQuery): QueryResult<R> {
  const parameters = query.parameters as unknown[];
  if (statement.reader) return { rows: statement.all(parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

/** The driver's own connection under the wrappers (fault mapping, store groups) that hold it as `inner`. */
function innermost(connection: DatabaseConnection): DatabaseConnection {
  let current = connection;
  while (!(current instanceof GroupConnection)) {
    const inner = (current as { inner?: DatabaseConnection }).inner;
    if (!inner) break;
    current = inner;
  }
  return current;
}

function identifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
