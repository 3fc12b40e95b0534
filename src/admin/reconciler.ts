// Compares what we hold (tracker records, our VM records) with what each cloud lists: VMs the
// cloud no longer lists are "missing"; booting VMs seen running (or in error) get their
// running_at (or failure) recorded, and a VM still not running after bootTimeoutMs counts as a
// boot failure. A full pass lists every cloud once; the startup poll only looks at booting VMs.
// A full pass also hands what it found to the FindingKeeper (unknown VMs, stuck releases, missing
// marks that assign honours).
import { isLive, type Tracker } from '../cistern/tracker.js';
import type { Vm } from '../domain/vm-model.js';
import { toDispatcherError } from '../domain/errors.js';
import type { CloudConnection } from '../pool/cloud-connection.js';
import type { CloudPool } from '../pool/cloud-pool.js';
import type { VmFinding } from '../store/finding-store.js';
import type { VmRecord, VmRecordStore } from '../store/vm-record-store.js';
import type { FindingKeeper } from './reconcile-findings.js';
import { groupBy } from '../domain/group-by.js';

export interface MissingVm {
  cloud: string;
  idVm: string;
  hostname: string | null;
  /** The tracker's status, when the tracker holds it. */
  trackerStatus: string | null;
  /** Whether our VM records hold it (a VM we created). */
  recorded: boolean;
  missingSince: string;
}

export interface CloudPass {
  cloud: string;
  /** VMs the cloud lists (terminated ones excluded); null when the listing failed. */
  listed: number | null;
  byState: Record<string, number>;
  tracked: number;
  missing: number;
  /** VMs with this cloud's ownership tag and no record (see reconcile-findings.ts). */
  unknown: number;
  /** Released VMs the cloud still lists, destroyed again by this pass. */
  stuckReleasing: number;
  error?: string;
}

export interface PassReport {
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  clouds: CloudPass[];
  missing: MissingVm[];
  unknown: VmFinding[];
  stuckReleasing: VmFinding[];
  /** Booting VMs seen running / failed during this pass. */
  observed: { running: number; failed: number };
}

/** At most this many booting VMs of one cloud are looked up one by one; more, and the cloud is listed. */
const LOOKUP_LIMIT = 10;

export class Reconciler {
  private last?: PassReport;
  private running?: Promise<PassReport>;

  constructor(
    private readonly deps: { pool: CloudPool; tracker: Tracker; records: VmRecordStore; bootTimeoutMs: number; findings?: FindingKeeper },
  ) {}

  /** The last full pass's report (undefined until one ran on this instance). */
  get lastPass(): PassReport | undefined {
    return this.last;
  }

  /** One full pass; concurrent callers share the pass in progress. */
  pass(): Promise<PassReport> {
    this.running ??= this.fullPass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Looks only at VMs still booting: their first `running`, an `error`, or the boot timeout. */
  async pollStartups(): Promise<{ running: number; failed: number }> {
    const booting = await this.deps.records.booting();
    const counts = { running: 0, failed: 0 };
    const byCloud = groupBy(booting, (r) => r.cloud);
    await Promise.all(
      [...byCloud].map(async ([name, records]) => {
        const cloud = this.cloud(name);
        if (!cloud) return;
        // A cloud that does not answer now is asked again next round (the full pass reports it).
        const seen = await (records.length > LOOKUP_LIMIT ? this.list(cloud).then((vms) => new Map(vms.map((vm) => [vm.id, vm]))) : this.lookup(cloud, records)).catch(
          () => undefined,
        );
        if (!seen) return;
        for (const record of records) add(counts, await this.observe(record, seen.get(record.idVm)));
      }),
    );
    return counts;
  }

  private async fullPass(): Promise<PassReport> {
    const started = Date.now();
    const clouds: CloudPass[] = [];
    const missing: MissingVm[] = [];
    const unknown: VmFinding[] = [];
    const stuckReleasing: VmFinding[] = [];
    const observed = { running: 0, failed: 0 };
    await Promise.all(
      this.deps.pool.list().map(async (cloud) => {
        try {
          const result = await this.passCloud(cloud, new Date(started).toISOString());
          clouds.push(result.pass);
          missing.push(...result.missing);
          unknown.push(...result.findings.unknown);
          stuckReleasing.push(...result.findings.stuckReleasing);
          add(observed, result.observed);
        } catch (err) {
          clouds.push({ cloud: cloud.name, listed: null, byState: {}, tracked: 0, missing: 0, unknown: 0, stuckReleasing: 0, error: toDispatcherError(err).message });
        }
      }),
    );
    clouds.sort((a, b) => a.cloud.localeCompare(b.cloud));
    const finished = Date.now();
    this.last = {
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      durationMs: finished - started,
      clouds,
      missing,
      unknown,
      stuckReleasing,
      observed,
    };
    return this.last;
  }

  private async passCloud(cloud: CloudConnection, now: string) {
    // Read before listing: whatever these hold existed before the listing began, so a VM the
    // listing lacks is really gone, not one created meanwhile.
    const [tracked, open] = await Promise.all([this.deps.tracker.listNodes(cloud.name, true), this.deps.records.open(cloud.name)]);
    const vms = await this.list(cloud);
    const listed = new Map(vms.map((vm) => [vm.id, vm]));
    const released = new Set(tracked.filter((r) => !isLive(r)).map((r) => r.id_vm));
    const observed = { running: 0, failed: 0 };
    const missing = new Map<string, MissingVm>();
    for (const record of open) {
      const vm = listed.get(record.idVm);
      if (vm) {
        add(observed, await this.observe(record, vm));
        continue;
      }
      // Released VMs are on their way out: their absence is expected, not a finding.
      if (released.has(record.idVm)) continue;
      await this.deps.records.missing(cloud.name, record.idVm, now);
      missing.set(record.idVm, { cloud: cloud.name, idVm: record.idVm, hostname: record.name, trackerStatus: null, recorded: true, missingSince: record.missingSince ?? now });
    }
    for (const record of tracked.filter((r) => isLive(r) && !listed.has(r.id_vm))) {
      const known = missing.get(record.id_vm);
      missing.set(record.id_vm, {
        cloud: cloud.name,
        idVm: record.id_vm,
        hostname: record.hostname,
        trackerStatus: record.status_desc,
        recorded: known !== undefined,
        missingSince: known?.missingSince ?? now,
      });
    }
    const findings = this.deps.findings ? await this.deps.findings.afterListing(cloud, listed, tracked, open, [...missing.values()]) : { unknown: [], stuckReleasing: [] };
    const byState: Record<string, number> = {};
    for (const vm of vms) byState[vm.state] = (byState[vm.state] ?? 0) + 1;
    return {
      pass: {
        cloud: cloud.name,
        listed: vms.length,
        byState,
        tracked: tracked.length,
        missing: missing.size,
        unknown: findings.unknown.length,
        stuckReleasing: findings.stuckReleasing.length,
      },
      missing: [...missing.values()],
      findings,
      observed,
    };
  }

  /** Records what the cloud shows of one booting (or booted) VM; answers what became of its boot. */
  private async observe(record: VmRecord, vm: Vm | undefined): Promise<{ running: number; failed: number }> {
    const booting = record.runningAt === null && record.failedAt === null;
    if (vm && (vm.state !== record.lastState || booting || record.missingSince !== null)) {
      await this.deps.records.observed(record.cloud, record.idVm, vm.state, vm.fault);
      if (booting && vm.state === 'running') return { running: 1, failed: 0 };
      if (booting && vm.state === 'error') return { running: 0, failed: 1 };
    }
    const age = Date.now() - Date.parse(record.requestedAt);
    if (booting && vm && vm.state !== 'running' && vm.state !== 'error' && age > this.deps.bootTimeoutMs) {
      await this.deps.records.failedToBoot(record.cloud, record.idVm, 'boot-timeout', `still ${vm.state} after ${this.deps.bootTimeoutMs} ms`);
      return { running: 0, failed: 1 };
    }
    return { running: 0, failed: 0 };
  }

  private cloud(name: string): CloudConnection | undefined {
    return this.deps.pool.owner(name) === name ? this.deps.pool.resolve(name) : undefined;
  }

  private list(cloud: CloudConnection): Promise<Vm[]> {
    return cloud.call('listVms', 'list', (d) => d.listVms());
  }

  private async lookup(cloud: CloudConnection, records: VmRecord[]): Promise<Map<string, Vm>> {
    const found = await Promise.all(records.map((r) => cloud.call('getVm', 'get', (d) => d.getVm(r.idVm)).catch(() => null)));
    return new Map(found.filter((vm): vm is Vm => vm !== null).map((vm) => [vm.id, vm]));
  }
}

function add(into: { running: number; failed: number }, more: { running: number; failed: number }): void {
  into.running += more.running;
  into.failed += more.failed;
}
