// The audit log: who changed what, when, and how it ended. Rows are only ever appended; pages are
// read newest first by id (keyset pagination, stable while new rows arrive).
import type { Kysely, Selectable } from 'kysely';
import type { AuditLogTable } from './admin-schema.js';
import type { Database } from './store-schema.js';

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  actorId: number | null;
  action: string;
  target: string;
  params: Record<string, unknown>;
  result: 'ok' | 'error';
  status: number;
  message: string | null;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'>;

function toEntry(r: Selectable<AuditLogTable>): AuditEntry {
  return {
    id: Number(r.id),
    at: r.at,
    actor: r.actor,
    actorId: r.actor_id === null ? null : Number(r.actor_id),
    action: r.action,
    target: r.target,
    params: JSON.parse(r.params) as Record<string, unknown>,
    result: r.result === 'ok' ? 'ok' : 'error',
    status: Number(r.status),
    message: r.message,
  };
}

export class AuditStore {
  constructor(private readonly db: Kysely<Database>) {}

  async append(entry: NewAuditEntry): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        at: new Date().toISOString(),
        actor: entry.actor,
        actor_id: entry.actorId,
        action: entry.action,
        target: entry.target,
        params: JSON.stringify(entry.params),
        result: entry.result,
        status: entry.status,
        message: entry.message,
      })
      .execute();
  }

  /** Newest first; `before` is the id of the last entry of the previous page. */
  async page(options: { limit: number; before?: number; action?: string; actor?: string }): Promise<AuditEntry[]> {
    let query = this.db.selectFrom('audit_log').selectAll();
    if (options.before !== undefined) query = query.where('id', '<', options.before);
    if (options.action) query = query.where('action', '=', options.action);
    if (options.actor) query = query.where('actor', '=', options.actor);
    const rows = await query.orderBy('id', 'desc').limit(options.limit).execute();
    return rows.map(toEntry);
  }
}
