// Operations: every mutation (start, stop, release, firewall change …) is recorded with the steps
// it took, so that a failure half-way leaves a record an operator can read (and v2 serves it).
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Database, OperationsTable } from './store-schema.js';

export const OPERATION_STATES = ['queued', 'running', 'succeeded', 'failed', 'interrupted'] as const;
export type OperationState = (typeof OPERATION_STATES)[number];

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

export class OperationStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: { kind: string; cloud?: string; target?: string; userId?: number; request: unknown; state?: OperationState }): Promise<Operation> {
    const now = new Date().toISOString();
    const row = {
      id: randomUUID(),
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
    };
    await this.db.insertInto('operations').values(row).execute();
    return toOperation(row);
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

  async update(
    id: string,
    changes: { state?: OperationState; target?: string; result?: unknown; error?: OperationError; steps?: OperationStep[] },
  ): Promise<void> {
    const now = new Date().toISOString();
    const finished = changes.state && ['succeeded', 'failed', 'interrupted'].includes(changes.state);
    await this.db
      .updateTable('operations')
      .set({
        ...(changes.state ? { state: changes.state } : {}),
        ...(changes.target !== undefined ? { target: changes.target } : {}),
        ...(changes.result !== undefined ? { result: JSON.stringify(changes.result) } : {}),
        ...(changes.error ? { error: JSON.stringify(changes.error) } : {}),
        ...(changes.steps ? { steps: JSON.stringify(changes.steps) } : {}),
        ...(finished ? { finished_at: now } : {}),
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
  }

  /** At start: work that was running when the process died is marked interrupted, not lost. */
  async interruptRunning(): Promise<number> {
    const now = new Date().toISOString();
    const result = await this.db
      .updateTable('operations')
      .set({ state: 'interrupted', updated_at: now, finished_at: now })
      .where('state', 'in', ['queued', 'running'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
