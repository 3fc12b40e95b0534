// Operators' powers over one cloud: enable/disable, allocation, aliases (persisted, applied over
// the config), and over its tracked VMs: shut down free ones, retire, forget entries.
import type { Tracker } from '../cistern/tracker.js';
import { DispatcherError } from '../domain/errors.js';
import type { CloudPool } from '../pool/cloud-pool.js';
import type { AdminStore } from '../store/admin-store.js';
import type { VmRecordStore } from '../store/vm-record-store.js';
import type { AuditService, Actor } from './audit-service.js';
import { CloudVmActions, type VmActionResult, type Count } from './cloud-vm-actions.js';
import type { AdmissionGuard } from './admission-guard.js';
import type { VmService } from '../services/vm-service.js';

export interface CloudAdminView {
  name: string;
  driver: string;
  default: boolean;
  enabled: boolean;
  /** null: no limit. */
  allocation: number | null;
  used: number;
  aliases: string[];
  config: { enabled: boolean; allocation: number | null; aliases: string[] };
  overrides: { enabled?: boolean; allocation?: number | 'unlimited' };
}

export interface AliasView {
  alias: string;
  cloud: string;
  origin: 'config' | 'operator';
}

/** `null` hands a setting back to the config file; `'unlimited'` lifts a configured allocation. */
export interface CloudChanges {
  enabled?: boolean | null;
  allocation?: number | 'unlimited' | null;
}

export interface CloudAdminDeps {
  pool: CloudPool;
  tracker: Tracker;
  admin: AdminStore;
  records: VmRecordStore;
  vms: VmService;
  guard: AdmissionGuard;
  audit: AuditService;
}

export class CloudAdminService {
  private readonly actions: CloudVmActions;

  constructor(private readonly deps: CloudAdminDeps) {
    this.actions = new CloudVmActions(deps);
  }

  /** Re-reads the operator's settings from the store into the pool (start, after changes, and periodically for other instances' changes). */
  async refresh(): Promise<string[]> {
    const [overrides, aliases] = await Promise.all([this.deps.admin.cloudOverrides(), this.deps.admin.aliases()]);
    return this.deps.pool.applyOverrides(new Map(overrides.map((o) => [o.cloud, o])), aliases);
  }

  async list(): Promise<CloudAdminView[]> {
    return Promise.all(this.deps.pool.list().map((c) => this.view(c.name)));
  }

  async view(nameOrAlias: string): Promise<CloudAdminView> {
    const cloud = this.deps.pool.resolve(nameOrAlias);
    const settings = this.deps.pool.settings(cloud.name);
    const { overrides } = settings;
    return {
      name: cloud.name,
      driver: cloud.config.driver,
      default: this.deps.pool.defaultCloud === cloud.name,
      enabled: settings.enabled,
      allocation: settings.allocation ?? null,
      used: await this.deps.guard.allocationUsed(cloud.name),
      aliases: settings.aliases,
      config: { enabled: cloud.config.enabled, allocation: cloud.config.allocation ?? null, aliases: [...cloud.config.aliases] },
      overrides: {
        ...(overrides.enabled === undefined ? {} : { enabled: overrides.enabled }),
        ...(overrides.allocation === undefined ? {} : { allocation: overrides.allocation ?? 'unlimited' }),
      },
    };
  }

  async update(actor: Actor, nameOrAlias: string, changes: CloudChanges): Promise<CloudAdminView> {
    const cloud = this.deps.pool.resolve(nameOrAlias);
    return this.deps.audit.run(actor, 'cloud.update', cloud.name, { ...changes }, async () => {
      await this.deps.admin.setCloudOverride(
        cloud.name,
        {
          ...(changes.enabled === undefined ? {} : { enabled: changes.enabled ?? 'config' }),
          ...(changes.allocation === undefined ? {} : { allocation: changes.allocation === 'unlimited' ? null : (changes.allocation ?? 'config') }),
        },
        actor.username,
      );
      await this.refresh();
      return this.view(cloud.name);
    });
  }

  aliases(): AliasView[] {
    return this.deps.pool.list().flatMap((cloud) =>
      this.deps.pool.settings(cloud.name).aliases.map((alias) => ({
        alias,
        cloud: cloud.name,
        origin: cloud.config.aliases.includes(alias) ? ('config' as const) : ('operator' as const),
      })),
    );
  }

  async addAlias(actor: Actor, nameOrAlias: string, alias: string): Promise<AliasView> {
    const cloud = this.deps.pool.resolve(nameOrAlias);
    return this.deps.audit.run(actor, 'alias.add', alias, { cloud: cloud.name }, async () => {
      const owner = this.deps.pool.owner(alias);
      if (owner !== undefined) {
        throw new DispatcherError('conflict', `"${alias}" already names cloud ${owner}`, { code: 'NameTaken', details: { alias, cloud: owner } });
      }
      const configOwner = this.deps.pool.list().find((c) => c.config.aliases.includes(alias));
      if (configOwner && configOwner.name !== cloud.name) {
        throw new DispatcherError('conflict', `"${alias}" is an alias of cloud ${configOwner.name} in the config file (removed at run time); change it there`, {
          code: 'NameTaken',
        });
      }
      if (configOwner) await this.deps.admin.deleteAlias(alias); // a removed config alias comes back
      else await this.deps.admin.putAlias(alias, cloud.name, false, actor.username);
      await this.refresh();
      return { alias, cloud: cloud.name, origin: configOwner ? 'config' : 'operator' };
    });
  }

  async removeAlias(actor: Actor, alias: string): Promise<void> {
    const owner = this.deps.pool.owner(alias);
    await this.deps.audit.run(actor, 'alias.remove', alias, { cloud: owner ?? null }, async () => {
      if (owner === undefined) throw new DispatcherError('not-found', `no alias ${alias}`, { subject: 'cloud', code: 'NoSuchAlias' });
      if (owner === alias) throw new DispatcherError('conflict', `${alias} is a cloud's name, not an alias`, { code: 'NotAnAlias' });
      const fromConfig = this.deps.pool.resolve(owner).config.aliases.includes(alias);
      if (fromConfig) await this.deps.admin.putAlias(alias, owner, true, actor.username);
      else await this.deps.admin.deleteAlias(alias);
      await this.refresh();
    });
  }

  shutdownFree(actor: Actor, nameOrAlias: string, count: Count): Promise<VmActionResult[]> {
    const cloud = this.deps.pool.resolve(nameOrAlias);
    return this.deps.audit.run(actor, 'cloud.vms.shutdown', cloud.name, { count }, () => this.actions.shutdownFree(actor, cloud, count));
  }

  retire(actor: Actor, nameOrAlias: string, count: Count): Promise<VmActionResult[]> {
    const cloud = this.deps.pool.resolve(nameOrAlias);
    return this.deps.audit.run(actor, 'cloud.vms.retire', cloud.name, { count }, () => this.actions.retire(actor, cloud, count));
  }

  forgetAll(actor: Actor, nameOrAlias: string): Promise<{ forgotten: number }> {
    const cloud = this.deps.pool.resolve(nameOrAlias);
    return this.deps.audit.run(actor, 'cloud.vms.forget', cloud.name, {}, () => this.actions.forgetAll(cloud));
  }

  vmAction(actor: Actor, nameOrAlias: string, vm: string, action: 'shutdown' | 'retire' | 'reset-override' | 'forget'): Promise<VmActionResult> {
    const cloud = this.deps.pool.resolve(nameOrAlias);
    return this.deps.audit.run(actor, `vm.${action}`, `${cloud.name}/${vm}`, {}, () => this.actions.one(actor, cloud, vm, action));
  }
}
