// Start-up side of the bootstrap admin: what AuthService.bootstrapAdmin did or refused is logged
// and audited (an operator reading the audit log sees a start that reset a password), and a
// generated first password goes to a private file, never to a stream that ends in the log.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { AppLogger } from '../log/log-factory.js';
import type { BootstrapOutcome } from '../services/auth-service.js';
import type { AuditStore } from '../store/audit-store.js';
import { SYSTEM_ACTOR } from './audit-service.js';

export async function reportBootstrap(outcome: BootstrapOutcome, username: string, deps: { audit: AuditStore; logger: AppLogger }): Promise<void> {
  const entry = (action: string, params: Record<string, unknown>, message: string | null) =>
    deps.audit.append({ actor: SYSTEM_ACTOR.username, actorId: null, action, target: username, params, result: 'ok', status: 200, message });
  if (outcome.passwordReset) {
    deps.logger.warn({ user: username, revokedTokens: outcome.revokedTokens }, 'bootstrap admin: password reset from the configuration; its tokens were revoked');
    await entry('bootstrap.password-reset', { revokedTokens: outcome.revokedTokens ?? 0 }, null);
  }
  for (const reason of outcome.refused) {
    deps.logger.warn({ user: username }, `bootstrap admin: ${reason}`);
    await entry('bootstrap.refused', {}, reason);
  }
}

/** Where the first password goes: beside the SQLite database, else the configured data directory. */
export function firstPasswordPath(databaseUrl: string, fallbackDir = './data'): string {
  const sqlitePath = databaseUrl.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length) : '';
  const dir = sqlitePath && sqlitePath !== ':memory:' ? dirname(resolve(sqlitePath)) : resolve(fallbackDir);
  return join(dir, 'initial-admin-password');
}

/**
 * Written once, readable by the owner only (like Jenkins' initialAdminPassword). An existing file
 * (an earlier store's) is never overwritten: a numbered name is taken instead, so the path
 * answered always holds the password just generated.
 */
export function writeFirstPassword(path: string, password: string): string {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? path : `${path}.${n}`;
    let fd: number;
    try {
      fd = openSync(candidate, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && n < 100) continue;
      throw err;
    }
    try {
      writeSync(fd, `${password}\n`);
    } finally {
      closeSync(fd);
    }
    return candidate;
  }
}
