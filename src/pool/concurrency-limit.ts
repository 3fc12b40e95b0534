// A FIFO counting semaphore: at most `limit` calls to one cloud at once, the rest wait in line.
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  /**
   * Takes a slot (waiting in line for one) and answers its release. For a holder whose answer
   * and end differ: a call that timed out answers its caller at once but keeps the slot until
   * the cloud call behind it settles.
   */
  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    let released = false;
    return () => {
      if (released) return; // a second release would free someone else's slot
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }
}
