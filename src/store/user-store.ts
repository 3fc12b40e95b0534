// Users and API tokens. Only hashes are stored: a scrypt hash of each password (hashed by the
// auth service) and a SHA-256 of each token (tokens are 256 random bits, so a fast hash is enough).
import type { Kysely, Selectable } from 'kysely';
import type { Database, UsersTable } from './store-schema.js';

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

export class UserStore {
  constructor(private readonly db: Kysely<Database>) {}

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
    const row = await this.db
      .updateTable('users')
      .set({
        ...(changes.passwordHash !== undefined ? { password_hash: changes.passwordHash } : {}),
        ...(changes.role !== undefined ? { role: changes.role } : {}),
        ...(changes.active !== undefined ? { active: changes.active ? 1 : 0 } : {}),
        updated_at: new Date().toISOString(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
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
    const row = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .selectAll('users')
      .where('api_tokens.token_hash', '=', tokenHash)
      .where('api_tokens.revoked_at', 'is', null)
      .where('api_tokens.expires_at', '>', now.toISOString())
      .where('users.active', '=', 1)
      .executeTakeFirst();
    return row && strip(toUser(row));
  }

  async revokeToken(tokenHash: string): Promise<boolean> {
    const result = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: new Date().toISOString() })
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async revokeAllTokens(userId: number): Promise<number> {
    const result = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: new Date().toISOString() })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Drops tokens that expired before `before`; keeps the table from growing forever. */
  async purgeExpiredTokens(before = new Date()): Promise<number> {
    const result = await this.db.deleteFrom('api_tokens').where('expires_at', '<', before.toISOString()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
