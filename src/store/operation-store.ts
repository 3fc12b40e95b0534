// Operations: every mutation (start, stop, release, firewall change …) is recorded with the steps
// it took, so that a failure half-way leaves a record an operator can read (and v2 serves it).
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, UpdateResult } from 'kysely';
import type { Database, OperationsTable } from './store-schema.js';
import { OPERATION_STATES, UNFINISHED_STATES, type OperationState } from '../domain/operation-model.js';
import { PreparedShapes, slotsByColumn } from './prepared-statement.js';

export interface OperationStep {
  step: string;
  state: 'done' | 'failed';
  at: string;
  detail?: string;
}

export interface OperationError {
  kind: string;
  message: string;
  code?: string;
  status: number;
}

export interface Operation {
  id: string;
  kind: string;
  state: OperationState;
  cloud: string | null;
  target: string | null;
  userId: number | null;
  request: unknown;
  result: unknown;
  error: OperationError | null;
  steps: OperationStep[];
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** The instance id of the process that runs it. */
  owner: string | null;
  /** The cloud request id of a start (stored before the cloud is called). */
  requestId: string | null;
}

function toOperation(row: Selectable<OperationsTable>): Operation {
  return {
    id: row.id,
    kind: row.kind,
    state: row.state as OperationState,
    cloud: row.cloud,
    target: row.target,
    userId: row.user_id === null ? null : Number(row.user_id),
    request: JSON.parse(row.request),
    result: row.result === null ? null : JSON.parse(row.result),
    error: row.error === null ? null : JSON.parse(row.error),
    steps: JSON.parse(row.steps),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    owner: row.owner ?? null,
    requestId: row.request_id ?? null,
  };
}

export interface OperationFilter {
  userId?: number;
  cloud?: string;
  state?: OperationState;
  kind?: string;
  before?: { createdAt: string; id: string };
  limit?: number;
}

type Row = Selectable<OperationsTable>;

export class OperationStore {
  // Every operation is one insert and a few updates: built and compiled once (prepared-statement.ts).
  private readonly inserts = new PreparedShapes<unknown[], never>();
  private readonly updates = new PreparedShapes<unknown[], UpdateResult>();

  constructor(private readonly db: Kysely<Database>) {}

  async create(input: NewOperation): Promise<Operation> {
    const now = new Date().toISOString();
    const row = {
      id: input.id ?? randomUUID(),
      kind: input.kind,
      state: input.state ?? 'running',
      cloud: input.cloud ?? null,
      target: input.target ?? null,
      user_id: input.userId ?? null,
      request: JSON.stringify(input.request ?? {}),
      result: null,
      error: null,
      steps: '[]',
      created_at: now,
      updated_at: now,
      finished_at: null,
      owner: input.owner ?? null,
      request_id: input.requestId ?? null,
    };
    await this.insertRow(row);
    return toOperation(row);
  }

  private async insertRow(row: Row): Promise<void> {
    const columns = Object.keys(row) as Array<keyof Row>;
    const statement = this.inserts.get(columns.join(','), columns.length, (...slots: unknown[]) => this.db.insertInto('operations').values(slotsByColumn(columns, slots)));
    await statement.run(this.db, ...columns.map((column) => row[column]));
  }

  async get(id: string): Promise<Operation | undefined> {
    const row = await this.db.selectFrom('operations').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toOperation(row);
  }

  /** Newest first; `before` continues a page (keyset on created_at, id). */
  async list(filter: OperationFilter = {}): Promise<Operation[]> {
    let query = this.db.selectFrom('operations').selectAll();
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
    if (filter.cloud) query = query.where('cloud', '=', filter.cloud);
    if (filter.state) query = query.where('state', '=', filter.state);
    if (filter.kind) query = query.where('kind', '=', filter.kind);
    const before = filter.before;
    if (before) {
      query = query.where((eb) =>
        eb.or([eb('created_at', '<', before.createdAt), eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)])]),
      );
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit ?? 100).execute();
    return rows.map(toOperation);
  }


  async countByState(): Promise<Record<OperationState, number>> {
    const rows = await this.db
      .selectFrom('operations')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    const counts = Object.fromEntries(OPERATION_STATES.map((s) => [s, 0])) as Record<OperationState, number>;
    for (const row of rows) counts[row.state as OperationState] = Number(row.n);
    return counts;
  }

  /** Operations per kind and state (the metrics' gauge); only pairs that occur. */
  async countByKindAndState(): Promise<Array<{ kind: string; state: OperationState; count: number }>> {
    const rows = await this.db
      .selectFrom('operations')
      .select(['kind', 'state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy(['kind', 'state'])
      .execute();
    return rows.map((row) => ({ kind: row.kind, state: row.state as OperationState, count: Number(row.n) }));
  }

  /**
   * Changes an unfinished operation; answers false (and changes nothing) once it is finished, so a
   * late writer — a resumed run, a recovery pass, a slow background task — never overwrites a final state.
   */
  async update(id: string, changes: OperationChanges): Promise<boolean> {
    const now = new Date().toISOString();
    const finished = changes.state && !(UNFINISHED_STATES as readonly string[]).includes(changes.state);
    const set: Partial<Row> = {
      ...(changes.state ? { state: changes.state } : {}),
      ...(changes.target !== undefined ? { target: changes.target } : {}),
      ...(changes.result !== undefined ? { result: JSON.stringify(changes.result) } : {}),
      ...(changes.error ? { error: JSON.stringify(changes.error) } : {}),
      ...(changes.steps ? { steps: JSON.stringify(changes.steps) } : {}),
      ...(changes.requestId !== undefined ? { request_id: changes.requestId } : {}),
      ...(finished ? { finished_at: now } : {}),
      updated_at: now,
    };
    // One statement per set of columns changed (a handful of shapes), the values bound per run.
    const columns = Object.keys(set) as Array<keyof Row>;
    const statement = this.updates.get(columns.join(','), columns.length + 1, (...slots: unknown[]) =>
      this.db
        .updateTable('operations')
        .set(slotsByColumn(columns, slots))
        .where('id', '=', slots[columns.length] as string)
        .where('state', 'in', [...UNFINISHED_STATES]),
    );
    return (await statement.changed(this.db, ...columns.map((column) => set[column]), id)) > 0;
  }

  /** Unfinished operations, oldest first (what a recovery pass looks at). */
  async listUnfinished(limit = 500): Promise<Operation[]> {
    const rows = await this.db
      .selectFrom('operations')
      .selectAll()
      .where('state', 'in', [...UNFINISHED_STATES])
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .limit(limit)
      .execute();
    return rows.map(toOperation);
  }

  /** Takes an unfinished operation over from `from` (its previous owner): of two claimers, one wins. */
  async claim(id: string, from: string | null, to: string): Promise<boolean> {
    let query = this.db
      .updateTable('operations')
      .set({ owner: to, updated_at: new Date().toISOString() })
      .where('id', '=', id)
      .where('state', 'in', [...UNFINISHED_STATES]);
    query = from === null ? query.where('owner', 'is', null) : query.where('owner', '=', from);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Other operations that sent a create with this request id (a retry with the same Idempotency-Key). */
  async othersWithRequestId(requestId: string, exceptId: string): Promise<Operation[]> {
    const rows = await this.db.selectFrom('operations').selectAll().where('request_id', '=', requestId).where('id', '!=', exceptId).execute();
    return rows.map(toOperation);
  }
}

export interface NewOperation {
  /** Chosen by the caller when it must know the id before the row exists (the service marks it in flight first). */
  id?: string;
  kind: string;
  cloud?: string;
  target?: string;
  userId?: number;
  request: unknown;
  state?: OperationState;
  owner?: string;
  requestId?: string;
}

export interface OperationChanges {
  state?: OperationState;
  target?: string;
  result?: unknown;
  error?: OperationError;
  steps?: OperationStep[];
  requestId?: string;
}
