// Users and API tokens. Only hashes are stored: a scrypt hash of each password (hashed by the
// auth service) and a SHA-256 of each token (tokens are 256 random bits, so a fast hash is enough).
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, UsersTable } from './store-schema.js';
import { TokenCache } from './token-cache.js';

/** admin: everything; operator: every VM and assignment (an orchestrator's account), no admin routes; user: what it owns. */
export type Role = 'admin' | 'operator' | 'user';
export const ROLES: readonly Role[] = ['admin', 'operator', 'user'];

export interface User {
  id: number;
  username: string;
  role: Role;
  active: boolean;
  createdAt: string;
}

export interface UserWithHash extends User {
  passwordHash: string;
}

type Row = Selectable<UsersTable>;

function toUser(row: Row): UserWithHash {
  return {
    id: Number(row.id),
    username: row.username,
    role: row.role,
    active: Number(row.active) === 1,
    createdAt: row.created_at,
    passwordHash: row.password_hash,
  };
}

function strip({ passwordHash: _hash, ...user }: UserWithHash): User {
  return user;
}

/** What the token cache needs to hear of changes made by other instances (the coordinator gives it). */
export interface ChangeFeed {
  /** Whether every change is heard right now. */
  listening(): boolean;
  onAuthChanged(listener: () => void): void;
}

/** A checked token is trusted from memory at most this long, even when no change was heard (a silently dead LISTEN). */
const CACHE_MAX_AGE_MS = 60_000;

export class UserStore {
  private readonly tokens = new TokenCache();
  /** PostgreSQL: changes are announced to the other instances in their own transaction. */
  private announce = false;

  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Turns the token cache on. `feed` says when changes made elsewhere can be heard (SQLite: one
   * process, always); `announce` makes this store NOTIFY its own changes to the others.
   */
  cacheTokens(feed: ChangeFeed, announce: boolean): void {
    this.announce = announce;
    feed.onAuthChanged(() => this.tokens.invalidate());
    this.tokens.trust(() => feed.listening());
  }

  async create(username: string, passwordHash: string, role: Role): Promise<User> {
    const now = new Date().toISOString();
    const row = await this.db
      .insertInto('users')
      .values({ username, password_hash: passwordHash, role, active: 1, created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    return strip(toUser(row));
  }

  async findByName(username: string): Promise<UserWithHash | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return row && toUser(row);
  }

  /** The user whose name equals `username` ignoring ASCII case (`Admin` beside `admin` is refused). */
  async findByNameIgnoringCase(username: string): Promise<User | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', ['username']), '=', username.toLowerCase()))
      .executeTakeFirst();
    return row && strip(toUser(row));
  }

  async findById(id: number): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && strip(toUser(row));
  }

  async list(): Promise<User[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('id').execute();
    return rows.map((r) => strip(toUser(r)));
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async update(id: number, changes: { passwordHash?: string; role?: Role; active?: boolean }): Promise<User | undefined> {
    const row = await this.changing((db) => db
      .updateTable('users')
      .set({
        ...(changes.passwordHash !== undefined ? { password_hash: changes.passwordHash } : {}),
        ...(changes.role !== undefined ? { role: changes.role } : {}),
        ...(changes.active !== undefined ? { active: changes.active ? 1 : 0 } : {}),
        updated_at: new Date().toISOString(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst());
    return row && strip(toUser(row));
  }

  async addToken(userId: number, tokenHash: string, expiresAt: Date): Promise<void> {
    await this.db
      .insertInto('api_tokens')
      .values({ user_id: userId, token_hash: tokenHash, created_at: new Date().toISOString(), expires_at: expiresAt.toISOString(), revoked_at: null })
      .execute();
  }

  /** The active user owning a live (unexpired, unrevoked) token, or undefined. */
  async userForToken(tokenHash: string, now = new Date()): Promise<User | undefined> {
    const at = now.getTime();
    const cached = this.tokens.get(tokenHash, at);
    if (cached) return cached;
    const mark = this.tokens.mark();
    const row = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .selectAll('users')
      .select('api_tokens.expires_at')
      .where('api_tokens.token_hash', '=', tokenHash)
      .where('api_tokens.revoked_at', 'is', null)
      .where('api_tokens.expires_at', '>', now.toISOString())
      .where('users.active', '=', 1)
      .executeTakeFirst();
    if (!row) return undefined;
    const user = strip(toUser(row));
    this.tokens.put(mark, tokenHash, user, Math.min(Date.parse(row.expires_at), at + CACHE_MAX_AGE_MS));
    return user;
  }

  async revokeToken(tokenHash: string): Promise<boolean> {
    const result = await this.changing((db) => db
      .updateTable('api_tokens')
      .set({ revoked_at: new Date().toISOString() })
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst());
    return Number(result.numUpdatedRows) > 0;
  }

  async revokeAllTokens(userId: number): Promise<number> {
    const result = await this.changing((db) => db
      .updateTable('api_tokens')
      .set({ revoked_at: new Date().toISOString() })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst());
    return Number(result.numUpdatedRows);
  }

  /**
   * A change that can turn a token away (revocation, a user disabled, demoted or re-passworded):
   * cached checks are dropped before (a lookup in flight is not kept) and after (nothing cached
   * meanwhile survives), and on PostgreSQL the NOTIFY commits with the change itself.
   */
  private async changing<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    this.tokens.invalidate();
    try {
      if (!this.announce) return await work(this.db);
      return await this.db.transaction().execute(async (trx) => {
        const result = await work(trx);
        await sql`select pg_notify('dispatcher_auth', current_schema())`.execute(trx);
        return result;
      });
    } finally {
      this.tokens.invalidate();
    }
  }

  /** Drops tokens that expired before `before`; keeps the table from growing forever. */
  async purgeExpiredTokens(before = new Date()): Promise<number> {
    const result = await this.db.deleteFrom('api_tokens').where('expires_at', '<', before.toISOString()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
