// One cloud: its configuration, a lazily connected driver, the concurrency limit, the call
// timeout, and the one place where an expired credential is renewed and the call retried.
import type { CloudConfig } from '../config/config-schema.js';
import type { Capability } from '../domain/capabilities.js';
import { DispatcherError, isDispatcherError } from '../domain/errors.js';
import type { Driver } from '../drivers/driver.js';
import type { DriverPlugin } from '../drivers/driver-plugin.js';
import type { Logger } from '../log/logger.js';
import { ConcurrencyLimit } from './concurrency-limit.js';

/** Told of every finished provider call (the metrics' histogram); the pool sets it. */
export type CallObserver = (call: { cloud: string; driver: string; call: string; outcome: string; seconds: number }) => void;

/** Total attempts of one call when the cloud keeps refusing the credential. */
export const MAX_CREDENTIAL_ATTEMPTS = 3;

/** Provider calls that change nothing; any other call may change what listVms answers. */
const READ_CALLS = new Set(['listVms', 'getVm', 'findVmByName', 'findVmByRequestId', 'listImages', 'getImage', 'listSizes', 'listTenants', 'listKeyPairs']);

export class CloudConnection {
  readonly name: string;
  private settings: CloudConfig;
  readonly factory: DriverPlugin;
  private instance?: Driver;
  private connecting?: Promise<void>;
  private readonly limit: ConcurrencyLimit;
  private readonly logger: Logger;
  /** Calls started and not finished (queued included): a replaced connection closes at zero. */
  private active = 0;
  private retired?: { resolve: () => void; reject: (err: unknown) => void; done: Promise<void> };
  observer?: CallObserver;
  private changes = 0;

  constructor(config: CloudConfig, factory: DriverPlugin, logger: Logger) {
    this.name = config.name;
    this.settings = config;
    this.factory = factory;
    this.logger = logger;
    this.limit = new ConcurrencyLimit(config.concurrency);
  }

  get config(): CloudConfig {
    return this.settings;
  }

  /** Takes new pool-level settings (aliases, enabled, allocation, default); the pool checks nothing else changed. */
  updateSettings(config: CloudConfig): void {
    this.settings = config;
  }

  /**
   * Grows when a call that may change the cloud's VMs starts and again when the cloud is done with
   * it (a timed-out call: when its promise settles): a listing begun before either may lack it.
   */
  get changeCount(): number {
    return this.changes;
  }

  /** The driver object (created on first use; creating it makes no network call). */
  get driver(): Driver {
    this.instance ??= this.factory.create({ cloudName: this.name, options: this.config.options, logger: this.logger });
    return this.instance;
  }

  get provider(): string {
    return this.factory.provider;
  }

  get displayName(): string {
    return this.factory.displayName;
  }

  has(capability: Capability): boolean {
    return this.driver.capabilities.has(capability);
  }

  /** Refuses with 501 before any cloud call when the driver lacks the capability. */
  require(capability: Capability): void {
    if (!this.has(capability)) {
      throw new DispatcherError('not-implemented', `cloud ${this.name} (${this.provider}) does not support ${capability}`, {
        code: 'CapabilityMissing',
      });
    }
  }

  /**
   * Runs one provider call under the cloud's concurrency limit and timeout. An expired credential
   * is renewed and the call repeated, at most MAX_CREDENTIAL_ATTEMPTS times in all.
   *
   * A call past callTimeoutMs answers its caller a 504 at once and aborts the driver's signal, but
   * keeps its slot until the driver's promise settles: the cloud is still working on it, so
   * freeing the slot would let more calls reach the cloud than `concurrency` allows.
   */
  async call<T>(operation: string, capability: Capability | undefined, fn: (driver: Driver, signal: AbortSignal) => Promise<T>): Promise<T> {
    if (capability) this.require(capability);
    this.active++;
    const changing = !READ_CALLS.has(operation);
    if (changing) this.changes++;
    const overdue: Promise<unknown>[] = [];
    const started = process.hrtime.bigint();
    let outcome = 'ok';
    const release = await this.limit.acquire();
    let value: T;
    let contended = false;
    try {
      value = await this.attempts(operation, fn, overdue);
    } catch (err) {
      outcome = isDispatcherError(err) ? err.kind : 'error';
      throw err;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.observer?.({ cloud: this.name, driver: this.config.driver, call: operation, outcome, seconds });
      const done = (): void => {
        if (changing) this.changes++;
        release();
        if (--this.active === 0 && this.retired) this.closeRetired();
      };
      contended = this.limit.queued > 0;
      if (overdue.length === 0) done();
      else void Promise.allSettled(overdue).then(done);
    }
    // Calls were queued for a slot: this one's slot has just gone to the next, whose request is on
    // its way. Answers that came in together (a round of creates) each free their slot first, and
    // only then does each caller's own work run; otherwise the k-th answer of a round would wait
    // for the bookkeeping of the k-1 before it to free its slot, and the cloud would idle meanwhile.
    if (contended) await new Promise<void>((resolve) => setImmediate(resolve));
    return value;
  }

  private async attempts<T>(operation: string, fn: (driver: Driver, signal: AbortSignal) => Promise<T>, overdue: Promise<unknown>[]): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        // The connection is shared by every caller, so one caller's timeout does not abort it.
        await this.withTimeout('connect', () => this.ensureConnected(), overdue);
        return await this.withTimeout(operation, (signal) => fn(this.driver, signal), overdue);
      } catch (err) {
        if (!isDispatcherError(err, 'credentials-expired')) throw err;
        if (attempt >= MAX_CREDENTIAL_ATTEMPTS) {
          throw new DispatcherError(
            'credentials-expired',
            `cloud ${this.name}: credentials refused after ${attempt} attempts (${err.message})`,
            { code: err.code ?? 'CredentialsExpired', cause: err },
          );
        }
        this.logger.warn({ cloud: this.name, operation, attempt }, 'cloud credential expired; renewing');
        // Bounded like any cloud call: a renewal that hangs must not keep the caller waiting.
        await this.withTimeout('renewCredentials', () => this.driver.renewCredentials(), overdue);
      }
    }
  }

  /** Closes the driver once no call is in flight (now, if none is); a reload replaced this connection. */
  closeWhenIdle(): Promise<void> {
    if (!this.retired) {
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.retired = { resolve, reject, done };
      if (this.active === 0) this.closeRetired();
    }
    return this.retired.done;
  }

  get closing(): boolean {
    return this.retired !== undefined;
  }

  private closeRetired(): void {
    const retired = this.retired;
    if (!retired) return;
    this.close().then(retired.resolve, retired.reject);
  }

  async close(): Promise<void> {
    const driver = this.instance;
    this.instance = undefined;
    this.connecting = undefined;
    await driver?.close();
  }

  get load(): { inFlight: number; queued: number } {
    return { inFlight: this.limit.inFlight, queued: this.limit.queued };
  }

  private ensureConnected(): Promise<void> {
    if (!this.connecting) {
      this.connecting = this.driver.connect().catch((err: unknown) => {
        this.connecting = undefined; // the next call tries again
        throw err;
      });
    }
    return this.connecting;
  }

  /**
   * Answers the call's own outcome, or a 504 once callTimeoutMs passes; the call is then aborted
   * and its promise added to `overdue`, which the caller's slot waits for.
   */
  private withTimeout<T>(operation: string, run: (signal: AbortSignal) => Promise<T>, overdue: Promise<unknown>[]): Promise<T> {
    const ms = this.config.callTimeoutMs;
    const controller = new AbortController();
    let work: Promise<T>;
    try {
      work = run(controller.signal);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new DispatcherError('timeout', `cloud ${this.name}: ${operation} did not answer within ${ms} ms`, { code: 'CallTimeout' });
        overdue.push(work.then(
          () => this.logger.warn({ cloud: this.name, operation }, 'cloud call succeeded after its timeout (its caller already had the 504)'),
          (late: unknown) => this.logger.info({ cloud: this.name, operation, err: late }, 'cloud call ended after its timeout'),
        ));
        controller.abort(err);
        reject(err);
      }, ms);
      work.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }
}
