// The CloudConnection pool: clouds by name or alias, the default cloud for v1's optional segment,
// and the operator's runtime settings over the config (enabled, allocation, aliases), which the
// admin service persists and hands back here at start, after a change and after a reload.
import type { CloudConfig } from '../config/config-schema.js';
import { DispatcherError } from '../domain/errors.js';
import type { DriverRegistry } from '../drivers/driver-plugin.js';
import type { Logger } from '../log/logger.js';
import { CloudConnection, type CallObserver } from './cloud-connection.js';

export interface CloudOverrides {
  enabled?: boolean;
  /** null: no limit even when the config sets one. */
  allocation?: number | null;
}

export interface AliasOverride {
  alias: string;
  cloud: string;
  /** true: hides a config alias; false: adds one. */
  removed: boolean;
}

export interface CloudSettings {
  enabled: boolean;
  /** undefined: no limit. */
  allocation?: number;
  aliases: string[];
  overrides: CloudOverrides;
}

export interface ReloadResult {
  added: string[];
  removed: string[];
  /** Same connection, new pool-level settings (aliases, enabled, allocation, default). */
  changed: string[];
  /** New connection (driver, options or limits changed); the old one finishes its calls. */
  reconnected: string[];
  unchanged: string[];
}

export class CloudPool {
  private readonly clouds = new Map<string, CloudConnection>();
  private names = new Map<string, string>();
  private overrides = new Map<string, CloudOverrides>();
  private aliasOverrides: AliasOverride[] = [];
  private defaultName = '';
  /** Connections replaced by a reload, closed once their last call in flight has finished. */
  private readonly retired = new Set<CloudConnection>();
  private observer?: CallObserver;

  constructor(
    configs: readonly CloudConfig[],
    private readonly logger: Logger,
    private readonly drivers: DriverRegistry,
  ) {
    for (const config of configs) this.clouds.set(config.name, this.connect(config));
    this.reindex();
  }

  /** The cloud a name or alias stands for; the default cloud when none is given; 404 otherwise. */
  resolve(nameOrAlias?: string): CloudConnection {
    const name = nameOrAlias === undefined ? this.defaultName : this.names.get(nameOrAlias);
    const cloud = name === undefined ? undefined : this.clouds.get(name);
    if (!cloud) throw new DispatcherError('not-found', `cloud ${nameOrAlias} is not configured`, { subject: 'cloud' });
    return cloud;
  }

  list(): CloudConnection[] {
    return [...this.clouds.values()];
  }

  get defaultCloud(): string {
    return this.defaultName;
  }

  /** The canonical cloud a name or alias stands for, if any. */
  owner(nameOrAlias: string): string | undefined {
    return this.names.get(nameOrAlias);
  }

  settings(name: string): CloudSettings {
    const cloud = this.resolve(name);
    const overrides = this.overrides.get(cloud.name) ?? {};
    const allocation = overrides.allocation === undefined ? cloud.config.allocation : (overrides.allocation ?? undefined);
    const aliases = [...this.names].filter(([label, owner]) => owner === cloud.name && label !== cloud.name).map(([label]) => label);
    return { enabled: overrides.enabled ?? cloud.config.enabled, ...(allocation === undefined ? {} : { allocation }), aliases, overrides };
  }

  isEnabled(name: string): boolean {
    return this.settings(name).enabled;
  }

  /** Replaces the operator's settings (all of them: the store is the source); answers what could not be applied. */
  applyOverrides(clouds: ReadonlyMap<string, CloudOverrides>, aliases: readonly AliasOverride[]): string[] {
    this.overrides = new Map(clouds);
    this.aliasOverrides = [...aliases];
    return this.reindex();
  }

  /**
   * Swaps in a new set of cloud configs. Unchanged clouds keep their connection; a changed or
   * removed cloud's connection stays usable by the calls already holding it and is closed when
   * the last of them finishes.
   */
  reload(configs: readonly CloudConfig[]): { result: ReloadResult; warnings: string[] } {
    const result: ReloadResult = { added: [], removed: [], changed: [], reconnected: [], unchanged: [] };
    const next = new Map<string, CloudConnection>();
    // Built first: a factory that throws leaves the running pool untouched.
    for (const config of configs) {
      const current = this.clouds.get(config.name);
      if (current && sameConnection(current.config, config)) {
        // Only pool-level settings (aliases, enabled, allocation, default) differ: keep the connection.
        const same = JSON.stringify(current.config) === JSON.stringify(config);
        if (!same) current.updateSettings(config);
        next.set(config.name, current);
        (same ? result.unchanged : result.changed).push(config.name);
      } else {
        next.set(config.name, this.connect(config));
        (current ? result.reconnected : result.added).push(config.name);
      }
    }
    for (const [name, connection] of this.clouds) {
      if (next.get(name) !== connection) {
        if (!next.has(name)) result.removed.push(name);
        this.retire(connection);
      }
    }
    this.clouds.clear();
    for (const [name, connection] of next) this.clouds.set(name, connection);
    return { result, warnings: this.reindex() };
  }

  async close(): Promise<void> {
    await Promise.all([...this.list(), ...this.retired].map((c) => c.close()));
  }

  /** Connections replaced by a reload and still finishing calls (status shows them). */
  get retiring(): number {
    return this.retired.size;
  }

  private connect(config: CloudConfig): CloudConnection {
    const factory = this.drivers.get(config.driver);
    if (!factory) throw new Error(`cloud ${config.name}: unknown driver ${config.driver}`);
    const connection = new CloudConnection(config, factory, this.logger);
    connection.observer = this.observer;
    return connection;
  }

  /** The option keys of a driver whose values are secrets (status redacts them); none for an unknown driver. */
  secretOptions(driver: string): readonly string[] {
    return this.drivers.get(driver)?.secretOptions ?? [];
  }

  /** Every connection, now and after a reload, reports its finished calls to `observer`. */
  observeCalls(observer: CallObserver): void {
    this.observer = observer;
    for (const connection of this.clouds.values()) connection.observer = observer;
  }

  private retire(connection: CloudConnection): void {
    this.retired.add(connection);
    connection
      .closeWhenIdle()
      .catch((err: unknown) => this.logger.warn({ cloud: connection.name, err }, 'closing a replaced cloud connection failed'))
      .finally(() => this.retired.delete(connection));
  }

  /** Rebuilds the name index: names, config aliases minus removed ones, added aliases that do not clash. */
  private reindex(): string[] {
    const warnings: string[] = [];
    const names = new Map<string, string>();
    const hidden = new Set(this.aliasOverrides.filter((a) => a.removed).map((a) => a.alias));
    for (const name of this.clouds.keys()) names.set(name, name);
    for (const cloud of this.clouds.values()) {
      for (const alias of cloud.config.aliases) {
        if (!hidden.has(alias) && !names.has(alias)) names.set(alias, cloud.name);
      }
    }
    for (const { alias, cloud, removed } of this.aliasOverrides) {
      if (removed) continue;
      if (!this.clouds.has(cloud)) warnings.push(`alias ${alias}: cloud ${cloud} is not configured; alias not applied`);
      else if (names.has(alias) && names.get(alias) !== cloud) warnings.push(`alias ${alias}: already names cloud ${names.get(alias)}; alias not applied`);
      else names.set(alias, cloud);
    }
    this.names = names;
    const configs = [...this.clouds.values()].map((c) => c.config);
    this.defaultName = (configs.find((c) => c.default) ?? configs.find((c) => c.name === 'default') ?? configs[0])?.name ?? '';
    return warnings;
  }
}

/** Whether two configs of one cloud can share a connection (everything the connection uses is equal). */
function sameConnection(a: CloudConfig, b: CloudConfig): boolean {
  const key = (c: CloudConfig) => JSON.stringify([c.driver, c.options, c.concurrency, c.callTimeoutMs, c.catalogTtlMs]);
  return key(a) === key(b);
}
