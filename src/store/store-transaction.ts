// One transaction for a group of writes made by different stores, without handing a transaction
// object through every port: inside `atomically(work)`, every query any store sends (through the
// store's own Kysely instance) runs on the group's connection, in its transaction. A group is
// one commit instead of one per write (on PostgreSQL one WAL flush; on SQLite one WAL commit) and
// all-or-nothing: an operation's end and the bookkeeping it concludes land together or not at all.
//
// The work of a group must be store writes only, with no cloud or HTTP call inside: on SQLite
// the one connection is the group's until it ends, and every other query waits for it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { CompiledQuery, type DatabaseConnection, type Dialect, type Driver, type QueryCompiler, type QueryResult, type TransactionSettings, type Kysely } from 'kysely';

interface Group {
  /** The group's connection, set once its transaction has its connection. */
  connection?: DatabaseConnection;
  /** False once the work has ended: a query it left running then takes a connection of its own. */
  open: boolean;
  /** Nested Kysely transactions inside the group become savepoints, numbered. */
  savepoints: number;
}

/** A query of a group, on the group's connection: releasing it is the group's business. */
class JoinedConnection implements DatabaseConnection {
  constructor(
    readonly group: Group,
    readonly inner: DatabaseConnection,
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.inner.executeQuery<R>(query);
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

export class StoreTransactions {
  private readonly groups = new AsyncLocalStorage<Group>();

  /** Wraps a dialect so that the queries of a group share its connection. */
  dialect(inner: Dialect): Dialect {
    return { ...bound(inner), createDriver: () => new JoiningDriver(inner.createDriver(), this) };
  }

  /** The open group this async context belongs to, if any. */
  current(): Group | undefined {
    const group = this.groups.getStore();
    return group?.open ? group : undefined;
  }

  /**
   * Runs `work` with every store query in one transaction, committed when it resolves and rolled
   * back when it rejects. Inside a group already, `work` joins it (one transaction, outermost commits).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async atomically<T>(db: Kysely<any>, work: () => Promise<T>): Promise<T> {
    if (this.current()) return work();
    const group: Group = { open: true, savepoints: 0 };
    // The transaction's own connection is taken inside the group (JoiningDriver sees it has none
    // yet and gives it a real one); the work's queries then find it and join.
    return this.groups.run(group, () =>
      db.transaction().execute(async () => {
        try {
          return await work();
        } finally {
          group.open = false;
        }
      }),
    );
  }
}

function bound(inner: Dialect): Omit<Dialect, 'createDriver'> {
  return {
    createAdapter: () => inner.createAdapter(),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createIntrospector: (db) => inner.createIntrospector(db),
  };
}

class JoiningDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly transactions: StoreTransactions,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const group = this.transactions.current();
    if (!group) return this.inner.acquireConnection();
    if (group.connection) return new JoinedConnection(group, group.connection);
    group.connection = await this.inner.acquireConnection();
    return group.connection;
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    if (connection instanceof JoinedConnection) return Promise.resolve();
    return this.inner.releaseConnection(connection);
  }

  // A store that opens its own transaction inside a group (db.transaction()) gets a savepoint:
  // its rollback undoes its own writes only, and its commit waits for the group's.
  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (!(connection instanceof JoinedConnection)) return this.inner.beginTransaction(connection, settings);
    await connection.executeQuery(CompiledQuery.raw(`savepoint joined_${++connection.group.savepoints}`));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    if (!(connection instanceof JoinedConnection)) return this.inner.commitTransaction(connection);
    await connection.executeQuery(CompiledQuery.raw(`release savepoint joined_${connection.group.savepoints--}`));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (!(connection instanceof JoinedConnection)) return this.inner.rollbackTransaction(connection);
    const name = `joined_${connection.group.savepoints--}`;
    await connection.executeQuery(CompiledQuery.raw(`rollback to savepoint ${name}`));
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${name}`));
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.savepoint?.(unjoined(connection), name, compile);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.rollbackToSavepoint?.(unjoined(connection), name, compile);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.releaseSavepoint?.(unjoined(connection), name, compile);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

function unjoined(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof JoinedConnection ? connection.inner : connection;
}
