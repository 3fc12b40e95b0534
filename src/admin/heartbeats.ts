// Background workers beat after each round; status shows how long ago, and calls a worker late
// when it missed two rounds (a stuck pass, a dead timer, a store that stopped answering).
export interface Heartbeat {
  worker: string;
  intervalMs: number;
  running: boolean;
  startedAt: string;
  lastBeatAt: string | null;
  secondsSinceLastBeat: number | null;
  late: boolean;
  lastError: string | null;
  rounds: number;
}

interface Entry {
  intervalMs: number;
  running: boolean;
  startedAt: number;
  lastBeat?: number;
  lastError?: string;
  rounds: number;
}

/** A worker is late after this many intervals without a beat (plus a second of slack). */
const LATE_AFTER_INTERVALS = 2;

export class Heartbeats {
  private readonly workers = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  started(worker: string, intervalMs: number): void {
    this.workers.set(worker, { intervalMs, running: true, startedAt: this.now(), rounds: 0 });
  }

  stopped(worker: string): void {
    const entry = this.workers.get(worker);
    if (entry) entry.running = false;
  }

  beat(worker: string, error?: string): void {
    const entry = this.workers.get(worker);
    if (!entry) return;
    entry.lastBeat = this.now();
    entry.rounds++;
    entry.lastError = error;
  }

  list(): Heartbeat[] {
    const now = this.now();
    return [...this.workers].map(([worker, e]) => {
      const since = e.lastBeat ?? e.startedAt;
      return {
        worker,
        intervalMs: e.intervalMs,
        running: e.running,
        startedAt: new Date(e.startedAt).toISOString(),
        lastBeatAt: e.lastBeat === undefined ? null : new Date(e.lastBeat).toISOString(),
        secondsSinceLastBeat: e.lastBeat === undefined ? null : Math.round((now - e.lastBeat) / 100) / 10,
        late: e.running && now - since > LATE_AFTER_INTERVALS * e.intervalMs + 1000,
        lastError: e.lastError ?? null,
        rounds: e.rounds,
      };
    });
  }
}
