// The brute-force brake on password logins, for v1 /auth and v2 /auth/tokens alike: a counter per
// username (guesses spread over many addresses) and one per client address (one address trying
// many usernames), both in the store. Each attempt counts up front, atomically; a success takes
// its attempt back, so only failures add up and parallel guesses cannot overshoot the limit.
import { DispatcherError } from '../domain/errors.js';
import type { LoginAttemptStore } from '../store/login-attempt-store.js';

export interface ThrottleOptions {
  windowMs: number;
  max: number;
}

export class LoginThrottle {
  private prunedAt = 0;

  constructor(
    private readonly attempts: LoginAttemptStore,
    private readonly options: ThrottleOptions,
  ) {}

  static keys(username: string, client: string): string[] {
    // NFKC + lower case: `Admin`, `ADMIN` and full-width look-alikes share one counter.
    return [`user:${username.normalize('NFKC').toLowerCase().slice(0, 256)}`, `client:${client}`];
  }

  /** Counts an attempt; 429 (with Retry-After) once either counter is past the limit. */
  async attempt(username: string, client: string, now = new Date()): Promise<string[]> {
    const keys = LoginThrottle.keys(username, client);
    const hits = await Promise.all(keys.map((key) => this.attempts.hit(key, this.options.windowMs, now)));
    await this.prune(now);
    const over = hits.filter((h) => h.count > this.options.max);
    if (over.length > 0) {
      const until = Math.max(...over.map((h) => h.windowStart.getTime() + this.options.windowMs));
      const retryAfterMs = Math.max(1000, until - now.getTime());
      throw new DispatcherError('rate-limited', `too many login attempts; retry in ${Math.ceil(retryAfterMs / 1000)} s`, { code: 'RateLimited', retryAfterMs });
    }
    return keys;
  }

  async succeeded(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.attempts.undo(key)));
  }

  private async prune(now: Date): Promise<void> {
    if (now.getTime() - this.prunedAt < this.options.windowMs) return;
    this.prunedAt = now.getTime();
    await this.attempts.prune(new Date(now.getTime() - this.options.windowMs));
  }
}
