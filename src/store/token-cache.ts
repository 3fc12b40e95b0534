// The token check is on every request; its answer changes only when a token is revoked or its
// user changed. So a checked token is kept in memory with its user and expiry, and every such
// change — here through UserStore, on another instance through a PostgreSQL NOTIFY — drops the
// whole cache. A lookup that raced with a change is not kept (the generation moved), so on one
// instance a revoked token never passes once the revocation answered. While changes cannot be
// heard (the LISTEN connection is down) the cache is not used at all.
import type { User } from './user-store.js';

interface Entry {
  user: User;
  expiresAt: number;
}

export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;
  private heard: () => boolean = () => false;

  constructor(private readonly max = 10_000) {}

  /** Turns the cache on: `heard()` says whether every change (this instance's and others') reaches invalidate(). */
  trust(heard: () => boolean): void {
    this.heard = heard;
    this.invalidate();
  }

  get(tokenHash: string, now: number): User | undefined {
    if (!this.heard()) return undefined;
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.expiresAt > now) return entry.user;
    this.entries.delete(tokenHash);
    return undefined;
  }

  /** The generation to pass to put() after the store answered. */
  mark(): number {
    return this.generation;
  }

  put(mark: number, tokenHash: string, user: User, expiresAt: number): void {
    if (mark !== this.generation || !this.heard()) return;
    // Bounded: the oldest entry goes first (a Map iterates in insertion order).
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(tokenHash, { user, expiresAt });
  }

  invalidate(): void {
    this.generation++;
    this.entries.clear();
  }
}
