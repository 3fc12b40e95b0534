// A background loop: one round, then wait intervalMs, then the next (rounds never overlap).
// Every round ends in a heart-beat, carrying the error when the round failed.
import type { Logger } from '../log/logger.js';
import type { Heartbeats } from './heartbeats.js';

export class IntervalWorker {
  private timer?: NodeJS.Timeout;
  private current?: Promise<void>;
  private active = false;

  constructor(
    readonly name: string,
    readonly intervalMs: number,
    private readonly round: () => Promise<unknown>,
    private readonly deps: { heartbeats: Heartbeats; logger: Logger },
  ) {}

  start(): void {
    if (this.active) return;
    this.active = true;
    this.deps.heartbeats.started(this.name, this.intervalMs);
    this.schedule();
  }

  async stop(): Promise<void> {
    this.active = false;
    clearTimeout(this.timer);
    this.deps.heartbeats.stopped(this.name);
    await this.current;
  }

  get running(): boolean {
    return this.active;
  }

  private schedule(): void {
    if (!this.active) return;
    this.timer = setTimeout(() => {
      this.current = this.tick().finally(() => {
        this.current = undefined;
        this.schedule();
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.round();
      this.deps.heartbeats.beat(this.name);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.deps.logger.warn({ worker: this.name, err }, 'background round failed');
      this.deps.heartbeats.beat(this.name, message);
    }
  }
}
