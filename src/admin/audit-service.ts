// Every admin change goes through run(): the change, then one audit row saying who asked for
// what, when, and how it ended (refusals included). A failing audit write is logged, never
// turned into a failure of a change that already happened.
import { toDispatcherError } from '../domain/errors.js';
import type { Logger } from '../log/logger.js';
import type { AuditEntry, AuditStore } from '../store/audit-store.js';

export interface Actor {
  id?: number;
  username: string;
}

/** Who acts when the process itself does (a reload at start, a test). */
export const SYSTEM_ACTOR: Actor = { username: 'system' };

export class AuditService {
  constructor(
    private readonly store: AuditStore,
    private readonly logger: Logger,
  ) {}

  async run<T>(actor: Actor, action: string, target: string, params: Record<string, unknown>, work: () => Promise<T>): Promise<T> {
    try {
      const value = await work();
      await this.write({ actor: actor.username, actorId: actor.id ?? null, action, target, params, result: 'ok', status: 200, message: null });
      return value;
    } catch (err) {
      const error = toDispatcherError(err);
      await this.write({
        actor: actor.username,
        actorId: actor.id ?? null,
        action,
        target,
        params,
        result: 'error',
        status: error.status,
        message: error.kind === 'internal' ? 'internal error' : error.message,
      });
      throw err;
    }
  }

  /** Entries newest first, older than the entry id `before` when given. */
  list(options: { limit: number; before?: number; action?: string; actor?: string }): Promise<AuditEntry[]> {
    return this.store.page(options);
  }

  private async write(entry: Parameters<AuditStore['append']>[0]): Promise<void> {
    try {
      await this.store.append(entry);
    } catch (err) {
      this.logger.error({ err, audit: entry }, 'could not write the audit log');
    }
  }
}
