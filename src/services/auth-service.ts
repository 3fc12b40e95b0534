// Passwords are scrypt hashes with a per-user salt; tokens are 256 random bits handed out once
// and stored as SHA-256 hashes, with an expiry, revocable one by one or all of a user's at once.
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { DispatcherError } from '../domain/errors.js';
import type { Role, User, UserStore } from '../store/user-store.js';
import type { LoginThrottle } from './login-throttle.js';

/** Where failed logins are reported (with the client address, for fail2ban-style tooling). */
export interface AuthLog {
  warn(obj: object, msg: string): void;
}

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return timingSafeEqual(key, expected);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The scrypt of a random password nobody kept, with the parameters of every stored hash: spent on
 * unknown users so a login takes as long either way. A constant, not made at import: each scrypt
 * holds a 16 MB buffer that glibc may keep in a pool thread's arena for the life of the process.
 */
const DUMMY_HASH = 'scrypt$16384$8$1$EtrIBO9hPCVpL2tGgVjQOg==$ITqSNXTjVXjani3T4bRfkBbDhkU0TnTSz3HG+TEzwL8=';

export class AuthService {
  constructor(
    private readonly users: UserStore,
    private readonly tokenTtlSeconds: number,
    private readonly guard: { throttle?: LoginThrottle; log?: AuthLog } = {},
  ) {}

  /** `client` is the caller's address as the trust-proxy setting reads it (throttled and logged). */
  async login(username: string, password: string, client = 'unknown'): Promise<{ token: string; expiresAt: Date; user: User }> {
    const counted = await this.guard.throttle?.attempt(username, client);
    const user = await this.users.findByName(username);
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok || !user.active) {
      this.guard.log?.warn({ client, username: username.slice(0, 128), known: Boolean(user) }, 'failed login');
      throw new DispatcherError('forbidden', 'Forbidden', { code: 'BadCredentials' });
    }
    if (counted) await this.guard.throttle?.succeeded(counted);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.tokenTtlSeconds * 1000);
    await this.users.addToken(user.id, hashToken(token), expiresAt);
    const { passwordHash: _hash, ...plain } = user;
    return { token, expiresAt, user: plain };
  }

  authenticate(token: string): Promise<User | undefined> {
    return this.users.userForToken(hashToken(token));
  }

  revoke(token: string): Promise<boolean> {
    return this.users.revokeToken(hashToken(token));
  }

  async createUser(username: string, password: string, role: Role): Promise<User> {
    const clash = await this.users.findByNameIgnoringCase(username);
    if (clash) throw new DispatcherError('conflict', clash.username === username ? `user ${username} exists` : `user ${clash.username} exists (names differ only in case)`, { subject: 'user' });
    return this.users.create(username, await hashPassword(password), role);
  }

  async setPassword(userId: number, password: string): Promise<User | undefined> {
    return this.users.update(userId, { passwordHash: await hashPassword(password) });
  }

  /**
   * The bootstrap admin from the configuration. With a password: created when absent; its
   * password reset (and every token revoked) when it differs. It is never silently re-enabled
   * or re-promoted: an operator who disabled or demoted it meant it, so that is only reported.
   * With no password and no user at all, one is generated and returned (the caller stores it).
   */
  async bootstrapAdmin(username: string, password?: string): Promise<BootstrapOutcome> {
    const existing = await this.users.findByName(username);
    if (password) {
      if (!existing) {
        const clash = await this.users.findByNameIgnoringCase(username);
        if (clash) return { created: false, refused: [`user ${clash.username} exists (names differ only in case); ${username} was not created`] };
        await this.users.create(username, await hashPassword(password), 'admin');
        return { created: true, refused: [] };
      }
      const refused: string[] = [];
      if (!existing.active) refused.push(`user ${username} is disabled; DISPATCHER_ADMIN_PASSWORD does not re-enable it`);
      if (existing.role !== 'admin') refused.push(`user ${username} has role ${existing.role}; DISPATCHER_ADMIN_PASSWORD does not promote it`);
      if (await verifyPassword(password, existing.passwordHash)) return { created: false, refused };
      await this.users.update(existing.id, { passwordHash: await hashPassword(password) });
      const revokedTokens = await this.users.revokeAllTokens(existing.id);
      return { created: false, passwordReset: true, revokedTokens, refused };
    }
    if ((await this.users.count()) > 0) return { created: false, refused: [] };
    const generated = randomBytes(18).toString('base64url');
    await this.users.create(username, await hashPassword(generated), 'admin');
    return { created: true, generatedPassword: generated, refused: [] };
  }
}

export interface BootstrapOutcome {
  created: boolean;
  /** Only when no user existed and no password was configured: the caller writes it to a private file. */
  generatedPassword?: string;
  passwordReset?: boolean;
  revokedTokens?: number;
  /** What the configuration asked for but was not done (re-enable, re-promote), for a warning and an audit row. */
  refused: string[];
}
