// The CloudConnection pool: clouds by name or alias, and the default cloud for v1's optional segment.
import type { CloudConfig } from '../config/config-schema.js';
import { DispatcherError } from '../domain/errors.js';
import { driverFactory } from '../drivers/driver-registry.js';
import type { Logger } from '../drivers/driver.js';
import { CloudConnection } from './cloud-connection.js';

export class CloudPool {
  private readonly clouds = new Map<string, CloudConnection>();
  private readonly names = new Map<string, string>();
  private defaultName: string;

  constructor(configs: readonly CloudConfig[], logger: Logger) {
    for (const config of configs) {
      const factory = driverFactory(config.driver);
      if (!factory) throw new Error(`cloud ${config.name}: unknown driver ${config.driver}`);
      this.clouds.set(config.name, new CloudConnection(config, factory, logger));
      this.names.set(config.name, config.name);
      for (const alias of config.aliases) this.names.set(alias, config.name);
    }
    this.defaultName = (configs.find((c) => c.default) ?? configs.find((c) => c.name === 'default') ?? configs[0]).name;
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

  async close(): Promise<void> {
    await Promise.all(this.list().map((c) => c.close()));
  }
}
