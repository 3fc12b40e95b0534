// This process as one of the instances over a shared database: registered at start, its lease
// renewed by a heartbeat every `heartbeatMs` and ended by a clean stop. Another instance takes
// over this one's operations, idempotency keys and admission reservations only once the lease
// (`leaseMs`, several heartbeats long) has run out.
import { hostname } from 'node:os';
import type { Logger } from '../log/logger.js';
import type { InstanceRow, InstanceStore } from '../store/instance-store.js';

export interface LeaseTiming {
  heartbeatMs: number;
  leaseMs: number;
}

export class InstanceRegistry {
  private timer?: NodeJS.Timeout;
  private readonly startedAt = new Date();
  private lastRenewal = Date.now();

  constructor(
    readonly id: string,
    private readonly deps: { store: InstanceStore; timing: LeaseTiming; version: string; logger: Logger },
  ) {}

  async register(): Promise<void> {
    const now = new Date();
    await this.deps.store.register({
      id: this.id,
      host: hostname(),
      pid: process.pid,
      version: this.deps.version,
      started_at: this.startedAt.toISOString(),
      heartbeat_at: now.toISOString(),
      lease_until: new Date(now.getTime() + this.deps.timing.leaseMs).toISOString(),
    });
    // Rows of instances gone for a day only clutter status.
    await this.deps.store.purgeEnded(new Date(now.getTime() - 24 * 3600_000));
    this.timer = setInterval(() => void this.renew(), this.deps.timing.heartbeatMs);
    this.timer.unref();
  }

  async isLive(owner: string): Promise<boolean> {
    return owner === this.id || (await this.deps.store.liveIds()).has(owner);
  }

  liveIds(): Promise<Set<string>> {
    return this.deps.store.liveIds();
  }

  live(): Promise<InstanceRow[]> {
    return this.deps.store.live();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.deps.store.stop(this.id).catch((err: unknown) => this.deps.logger.warn({ err }, 'could not end this instance lease'));
  }

  private async renew(): Promise<void> {
    try {
      await this.deps.store.renew(this.id, new Date(), this.deps.timing.leaseMs);
      this.lastRenewal = Date.now();
    } catch (err) {
      // Past the lease, others may take this instance's operations over: say so loudly.
      const expired = Date.now() - this.lastRenewal > this.deps.timing.leaseMs;
      this.deps.logger[expired ? 'error' : 'warn']({ err, leaseExpired: expired }, 'instance heartbeat not written');
    }
  }
}
