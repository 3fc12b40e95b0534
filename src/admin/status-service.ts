// What any authenticated user may read about the dispatcher: version and uptime, each cloud's
// settings, usage and VMs, the effective configuration (secrets redacted), VM figures,
// operations by state and the background workers' heart-beats.
import type { Tracker } from '../cistern/tracker.js';
import type { Vm } from '../domain/vm-model.js';
import type { CloudConnection } from '../pool/cloud-connection.js';
import type { CloudPool } from '../pool/cloud-pool.js';
import type { AdminStore } from '../store/admin-store.js';
import { FINDING_KINDS, type FindingKind, type FindingStore, type VmFinding } from '../store/finding-store.js';
import type { OperationState } from '../domain/operation-model.js';
import type { OperationStore } from '../store/operation-store.js';
import { VERSION } from '../domain/version.js';
import { redactConfig } from './config-redact.js';
import type { Heartbeat, Heartbeats } from './heartbeats.js';
import type { MissingVm, Reconciler } from './reconciler.js';
import type { RuntimeAdminService } from './runtime-admin-service.js';

export interface CloudStatus {
  name: string;
  driver: string;
  displayName: string;
  default: boolean;
  enabled: boolean;
  aliases: string[];
  allocation: { used: number; total: number | null };
  /** The tracker's records by status, and how many of them an operator set retiring. */
  tracked: { free: number; assigned: number; faulty: number; released: number; retiring: number };
  /** VMs by the cloud's own state: listed now (live) or at the last reconcile pass; null when neither. */
  vms: { source: 'live' | 'reconciler'; observedAt: string; total: number; byState: Record<string, number> } | null;
  load: { inFlight: number; queued: number };
  error?: string;
}

export interface VmTotals {
  total: number;
  /** Tracker records per cloud (every VM the dispatcher holds). */
  byCloud: Record<string, number>;
  missing: { count: number; lastPassAt: string | null };
  /** Open reconcile findings by kind (see findings()). */
  findings: Record<FindingKind, number>;
}

export class StatusService {
  private readonly startedAt = new Date();

  constructor(
    private readonly deps: {
      pool: CloudPool;
      tracker: Tracker;
      admin: AdminStore;
      findings: FindingStore;
      operations: OperationStore;
      runtime: RuntimeAdminService;
      reconciler: Reconciler;
      heartbeats: Heartbeats;
    },
  ) {}

  summary() {
    return {
      version: VERSION,
      startedAt: this.startedAt.toISOString(),
      uptimeSeconds: Math.round((Date.now() - this.startedAt.getTime()) / 1000),
      draining: this.deps.runtime.draining,
      logLevel: this.deps.runtime.logLevel,
      tracker: this.deps.tracker.kind,
      defaultCloud: this.deps.pool.defaultCloud,
      clouds: this.deps.pool.list().map((c) => c.name),
    };
  }

  clouds(): Promise<CloudStatus[]> {
    return Promise.all(this.deps.pool.list().map((c) => this.cloud(c.name, false)));
  }

  /** One cloud; `live` lists its VMs now (one provider call) instead of showing the last pass. */
  async cloud(nameOrAlias: string, live: boolean): Promise<CloudStatus> {
    const cloud = this.deps.pool.resolve(nameOrAlias);
    const settings = this.deps.pool.settings(cloud.name);
    const [records, flags] = await Promise.all([this.deps.tracker.listNodes(cloud.name, true), this.deps.admin.flags(cloud.name)]);
    const count = (status: string) => records.filter((r) => r.status_desc === status).length;
    const trackedIds = new Set(records.map((r) => r.id_vm));
    const status: CloudStatus = {
      name: cloud.name,
      driver: cloud.config.driver,
      displayName: cloud.displayName,
      default: this.deps.pool.defaultCloud === cloud.name,
      enabled: settings.enabled,
      aliases: settings.aliases,
      allocation: { used: records.length, total: settings.allocation ?? null },
      tracked: {
        free: count('FREE'),
        assigned: count('ASSIGNED'),
        faulty: count('FAULTY'),
        released: count('RELEASED'),
        retiring: flags.filter((f) => f.retiring && trackedIds.has(f.idVm)).length,
      },
      vms: this.lastObservation(cloud.name),
      load: cloud.load,
    };
    if (live) {
      try {
        status.vms = observation('live', new Date().toISOString(), await listVms(cloud));
      } catch (err) {
        status.error = err instanceof Error ? err.message : String(err);
      }
    }
    return status;
  }

  config(): Record<string, unknown> {
    const config = redactConfig(this.deps.runtime.currentConfig, (driver) => this.deps.pool.secretOptions(driver));
    // The operator's settings are part of what is in effect.
    config.clouds = (config.clouds as Array<Record<string, unknown>>).map((cloud) => {
      const name = cloud.name as string;
      if (this.deps.pool.owner(name) !== name) return cloud;
      const settings = this.deps.pool.settings(name);
      return { ...cloud, enabled: settings.enabled, allocation: settings.allocation ?? null, aliases: settings.aliases };
    });
    return config;
  }

  async vmTotals(): Promise<VmTotals> {
    const byCloud: Record<string, number> = {};
    for (const cloud of this.deps.pool.list()) byCloud[cloud.name] = (await this.deps.tracker.listNodes(cloud.name, true)).length;
    const last = this.deps.reconciler.lastPass;
    const open = (await this.deps.findings.list()).filter((f) => f.resolution === null);
    return {
      total: Object.values(byCloud).reduce((a, b) => a + b, 0),
      byCloud,
      missing: { count: last?.missing.length ?? 0, lastPassAt: last?.finishedAt ?? null },
      findings: Object.fromEntries(FINDING_KINDS.map((k) => [k, open.filter((f) => f.kind === k).length])) as Record<FindingKind, number>,
    };
  }

  /** Every reconcile finding kept in the store (open ones, and resolved ones until retention purges them), of one cloud or all. */
  async findings(cloud?: string): Promise<{ lastPassAt: string | null; items: VmFinding[] }> {
    const name = cloud === undefined ? undefined : this.deps.pool.resolve(cloud).name;
    return { lastPassAt: this.deps.reconciler.lastPass?.finishedAt ?? null, items: await this.deps.findings.list(name) };
  }

  missing(): { lastPassAt: string | null; vms: MissingVm[] } {
    const last = this.deps.reconciler.lastPass;
    return { lastPassAt: last?.finishedAt ?? null, vms: last?.missing ?? [] };
  }

  operations(): Promise<Record<OperationState, number>> {
    return this.deps.operations.countByState();
  }

  heartbeats(): Heartbeat[] {
    return this.deps.heartbeats.list();
  }

  private lastObservation(cloud: string): CloudStatus['vms'] {
    const last = this.deps.reconciler.lastPass;
    const pass = last?.clouds.find((c) => c.cloud === cloud);
    if (!last || !pass || pass.listed === null) return null;
    return { source: 'reconciler', observedAt: last.finishedAt, total: pass.listed, byState: pass.byState };
  }
}

function listVms(cloud: CloudConnection): Promise<Vm[]> {
  return cloud.call('listVms', 'list', (d, signal) => d.listVms(undefined, signal));
}

function observation(source: 'live' | 'reconciler', at: string, vms: Vm[]): NonNullable<CloudStatus['vms']> {
  const byState: Record<string, number> = {};
  for (const vm of vms) byState[vm.state] = (byState[vm.state] ?? 0) + 1;
  return { source, observedAt: at, total: vms.length, byState };
}
