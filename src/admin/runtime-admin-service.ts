// The process-wide switches: log level, drain, and reloading the config file without a restart.
// Log level and drain belong to this process (a restart starts from the config and undrained,
// and with several instances each one is drained on its own); both are audited all the same.
import type { Config, LogLevel } from '../config/config-schema.js';
import { ConfigError } from '../config/config-loader.js';
import { DispatcherError } from '../domain/errors.js';
import type { AppLogger } from '../log/log-factory.js';
import type { CloudPool, ReloadResult } from '../pool/cloud-pool.js';
import type { CatalogCache } from '../services/catalog-cache.js';
import type { Actor, AuditService } from './audit-service.js';

/** Re-reads the configuration the process started with (main: the loader's file + environment). */
export type ConfigSource = () => Config;

export interface ReloadReport {
  clouds: ReloadResult;
  logLevel: { from: string; to: string } | null;
  /** Top-level keys that changed but only take effect at the next start. */
  restartRequired: string[];
  /** Operator settings that no longer apply (an alias of a removed cloud, a clash). */
  warnings: string[];
}

/** Keys a reload applies; every other changed key waits for a restart. */
const LIVE_KEYS = new Set(['clouds', 'log']);

export class RuntimeAdminService {
  private config: Config;
  private reloading = false;

  constructor(
    private readonly deps: {
      config: Config;
      logger: AppLogger;
      state: { draining: boolean };
      pool: CloudPool;
      catalog: CatalogCache;
      audit: AuditService;
      /** Re-reads the operator's settings from the store (other instances may have changed them). */
      refreshSettings: () => Promise<string[]>;
      source?: ConfigSource;
    },
  ) {
    this.config = deps.config;
  }

  /** The configuration in effect (the one loaded at start, or by the last reload). */
  get currentConfig(): Config {
    return this.config;
  }

  get logLevel(): string {
    return this.deps.logger.level;
  }

  setLogLevel(actor: Actor, level: LogLevel): Promise<{ level: string; previous: string }> {
    return this.deps.audit.run(actor, 'log-level.set', 'process', { level }, async () => {
      const previous = this.deps.logger.level;
      this.deps.logger.level = level;
      this.deps.logger.info({ from: previous, to: level, by: actor.username }, 'log level changed');
      return { level, previous };
    });
  }

  get draining(): boolean {
    return this.deps.state.draining;
  }

  setDraining(actor: Actor, draining: boolean): Promise<{ draining: boolean }> {
    return this.deps.audit.run(actor, draining ? 'drain' : 'undrain', 'process', {}, async () => {
      this.deps.state.draining = draining;
      this.deps.logger.warn({ by: actor.username }, draining ? 'draining: new starts are refused, /readyz answers 503' : 'drain lifted');
      return { draining };
    });
  }

  reload(actor: Actor): Promise<ReloadReport> {
    return this.deps.audit.run(actor, 'config.reload', 'process', {}, async () => {
      const source = this.deps.source;
      if (!source) throw new DispatcherError('not-implemented', 'this process was started without a config source to reload', { code: 'NoConfigSource' });
      if (this.reloading) throw new DispatcherError('conflict', 'a reload is already running', { code: 'ReloadRunning' });
      this.reloading = true;
      try {
        return await this.apply(this.read(source));
      } finally {
        this.reloading = false;
      }
    });
  }

  private read(source: ConfigSource): Config {
    try {
      return source();
    } catch (err) {
      if (err instanceof ConfigError) {
        // Refused whole: the running configuration stays as it was.
        throw new DispatcherError('unprocessable', `${err.message} (nothing was changed)`, { code: 'InvalidConfig', details: { key: err.key } });
      }
      throw err;
    }
  }

  private async apply(next: Config): Promise<ReloadReport> {
    const previous = this.config;
    const { result } = this.deps.pool.reload(next.clouds);
    const warnings = await this.deps.refreshSettings();
    for (const name of [...result.reconnected, ...result.removed]) this.deps.catalog.clear(name);
    let logLevel: ReloadReport['logLevel'] = null;
    // Only a change in the file moves the level: a level set through the API survives an unrelated reload.
    if (next.log.level !== previous.log.level) {
      logLevel = { from: this.deps.logger.level, to: next.log.level };
      this.deps.logger.level = next.log.level;
    }
    const restartRequired = Object.keys({ ...previous, ...next })
      .filter((key) => !LIVE_KEYS.has(key))
      .filter((key) => JSON.stringify(previous[key as keyof Config]) !== JSON.stringify(next[key as keyof Config]))
      .sort();
    this.config = next;
    this.deps.logger.info({ clouds: result, restartRequired, warnings }, 'configuration reloaded');
    return { clouds: result, logLevel, restartRequired, warnings };
  }
}
