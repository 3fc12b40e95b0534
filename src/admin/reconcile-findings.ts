// What a full reconcile pass finds out of step with one cloud, kept in the store (FindingStore)
// so no VM is left that neither a record nor a report names:
// - `missing`: a VM we hold that the cloud no longer lists (assign refuses it until it reappears);
// - `unknown`: a VM carrying this cloud's ownership tag with no tracker record nor VM record,
//   handled by the cloud's `reconcile.orphans` policy (report, adopt as FREE, or destroy);
// - `stuck-releasing`: a RELEASED record whose VM the cloud still lists: destroyed again.
// Operators act on findings through the admin API (act()).
import { isLive, type Tracker, type TrackerRecord } from '../cistern/tracker.js';
import type { Logger } from '../log/logger.js';
import { DispatcherError, toDispatcherError } from '../domain/errors.js';
import { OWNERSHIP_KEYS, type Vm } from '../domain/vm-model.js';
import type { CloudConnection } from '../pool/cloud-connection.js';
import type { VmService } from '../services/vm-service.js';
import type { FindingStore, VmFinding } from '../store/finding-store.js';
import type { VmRecord, VmRecordStore } from '../store/vm-record-store.js';

export type FindingAction = 'adopt' | 'destroy' | 'forget' | 'retry';

/** What one cloud's pass found, beyond the missing VMs the reconciler reports itself. */
export interface CloudFindings {
  unknown: VmFinding[];
  stuckReleasing: VmFinding[];
}

const RECONCILER = 'reconciler';

export class FindingKeeper {
  constructor(
    private readonly deps: { tracker: Tracker; findings: FindingStore; records: VmRecordStore; vms: VmService; logger?: Logger },
  ) {}

  /**
   * After a cloud was listed (`tracked` and `open` were read before the listing began, so a VM
   * they hold that the listing lacks is really missing).
   */
  async afterListing(
    cloud: CloudConnection,
    listed: Map<string, Vm>,
    tracked: TrackerRecord[],
    open: VmRecord[],
    missing: Array<{ idVm: string; hostname: string | null; missingSince: string }>,
  ): Promise<CloudFindings> {
    const keep = new Set<string>();
    for (const m of missing) {
      await this.deps.findings.seen(cloud.name, m.idVm, 'missing', { hostname: m.hostname, since: m.missingSince });
      keep.add(m.idVm);
    }
    const stuck = await this.stuckReleasing(cloud, listed, tracked, keep);
    const unknown = await this.unknown(cloud, listed, tracked, open, keep);
    await this.deps.findings.dropOpenExcept(cloud.name, keep);
    const now = new Map((await this.deps.findings.list(cloud.name)).map((f) => [f.idVm, f]));
    const pick = (ids: string[]) => ids.flatMap((id) => now.get(id) ?? []);
    return { unknown: pick(unknown), stuckReleasing: pick(stuck) };
  }

  /** An operator's action on one finding (admin API). */
  async act(cloud: CloudConnection, idVm: string, action: FindingAction, by: string): Promise<VmFinding> {
    const finding = await this.deps.findings.get(cloud.name, idVm);
    if (!finding) throw new DispatcherError('not-found', `no reconcile finding for VM ${idVm} on cloud ${cloud.name}`, { subject: 'vm' });
    const allowed: Record<string, FindingAction[]> = { unknown: ['adopt', 'destroy', 'forget'], 'stuck-releasing': ['retry'], missing: ['forget'] };
    if (!allowed[finding.kind].includes(action) || finding.resolution !== null) {
      const state = finding.resolution ?? `open, ${finding.kind}`;
      throw new DispatcherError('conflict', `VM ${idVm} is ${state}: ${action} does not apply (open ${finding.kind} findings take ${allowed[finding.kind].join(', ')})`, {
        code: 'FindingActionRefused',
      });
    }
    if (action === 'adopt') await this.adopt(cloud, finding, by, true);
    else if (action === 'destroy' || action === 'retry') await this.destroy(cloud, finding.idVm, by, action === 'destroy', true);
    else if (finding.kind === 'missing') {
      // The VM is gone from the cloud: only its bookkeeping is left.
      await this.deps.vms.forgetGone(cloud, idVm);
      await this.deps.findings.resolve(cloud.name, idVm, 'forgotten', by, 'tracker record dropped: the cloud no longer lists the VM');
    } else await this.deps.findings.resolve(cloud.name, idVm, 'forgotten', by, 'left running: an operator chose not to track it');
    return (await this.deps.findings.get(cloud.name, idVm)) ?? finding;
  }

  /**
   * RELEASED records whose VM the cloud still lists, and no release is at work on, are destroyed
   * again; those it no longer lists are forgotten.
   */
  private async stuckReleasing(cloud: CloudConnection, listed: Map<string, Vm>, tracked: TrackerRecord[], keep: Set<string>): Promise<string[]> {
    const stuck: string[] = [];
    for (const record of tracked.filter((r) => !isLive(r))) {
      const vm = listed.get(record.id_vm);
      if (!vm || vm.state === 'terminated') {
        await this.deps.vms.forgetGone(cloud, record.id_vm);
        continue;
      }
      if (await this.deps.findings.releaseInFlight(cloud.name, record.id_vm)) continue;
      await this.deps.findings.seen(cloud.name, record.id_vm, 'stuck-releasing', { hostname: record.hostname });
      await this.destroy(cloud, record.id_vm, RECONCILER, false, false);
      keep.add(record.id_vm);
      stuck.push(record.id_vm);
    }
    return stuck;
  }

  private async unknown(cloud: CloudConnection, listed: Map<string, Vm>, tracked: TrackerRecord[], open: VmRecord[], keep: Set<string>): Promise<string[]> {
    const held = new Set([...tracked.map((r) => r.id_vm), ...open.map((r) => r.idVm)]);
    let candidates = [...listed.values()].filter((vm) => vm.state !== 'terminated' && vm.metadata[OWNERSHIP_KEYS.cloud] === cloud.name && !held.has(vm.id));
    if (candidates.length === 0) return [];
    // A start that finished during the listing recorded its VM after we read: read again.
    const [trackedNow, openNow] = await Promise.all([this.deps.tracker.listNodes(cloud.name, true), this.deps.records.open(cloud.name)]);
    const heldNow = new Set([...trackedNow.map((r) => r.id_vm), ...openNow.map((r) => r.idVm)]);
    candidates = candidates.filter((vm) => !heldNow.has(vm.id));
    const prior = new Map((await this.deps.findings.list(cloud.name)).map((f) => [f.idVm, f]));
    const { orphans, orphanGraceMs } = cloud.config.reconcile;
    const found: string[] = [];
    for (const vm of candidates) {
      const before = prior.get(vm.id);
      keep.add(vm.id);
      // An operator chose to leave it running untracked: the resolved row keeps naming it.
      if (before?.resolution === 'forgotten' && before.kind === 'unknown') continue;
      await this.deps.findings.seen(cloud.name, vm.id, 'unknown', { hostname: vm.name, detail: null });
      found.push(vm.id);
      const born = vm.metadata[OWNERSHIP_KEYS.createdAt] ?? vm.createdAt ?? before?.firstSeenAt;
      const age = born ? Date.now() - Date.parse(born) : 0;
      // A VM younger than the grace may be a create still in flight, about to be recorded.
      if (orphans === 'report' || !(age >= orphanGraceMs)) continue;
      const finding = (await this.deps.findings.get(cloud.name, vm.id)) as VmFinding;
      if (orphans === 'adopt') await this.adopt(cloud, finding, RECONCILER, false);
      else await this.destroy(cloud, vm.id, RECONCILER, true, false);
    }
    return found;
  }

  private async adopt(cloud: CloudConnection, finding: VmFinding, by: string, strict: boolean): Promise<void> {
    if (this.deps.tracker.kind === 'cistern') {
      // Cistern learns of VMs by itself: nothing of ours can put a record there.
      const detail = 'not adopted: Cistern tracks VMs by itself, and does not list this one';
      await this.deps.findings.note(cloud.name, finding.idVm, detail);
      if (strict) throw new DispatcherError('conflict', `VM ${finding.idVm}: ${detail}`, { code: 'AdoptUnsupported' });
      return;
    }
    await this.deps.tracker.register(cloud.name, { id_vm: finding.idVm, hostname: finding.hostname ?? finding.idVm });
    await this.deps.findings.resolve(cloud.name, finding.idVm, 'adopted', by, 'tracked FREE');
  }

  /**
   * Destroys a VM of a finding, written before (so a crash mid-call leaves the intent on record)
   * and after. `resolves`: an unknown VM destroyed is resolved; a stuck release stays open until
   * the cloud no longer lists it. `strict`: the caller (an operator) gets the fault.
   */
  private async destroy(cloud: CloudConnection, idVm: string, by: string, resolves: boolean, strict: boolean): Promise<void> {
    const at = new Date().toISOString();
    await this.deps.findings.note(cloud.name, idVm, `destroy requested at ${at} by ${by}`);
    try {
      await cloud.call('destroyVm', 'destroy', (d) => d.destroyVm(idVm));
    } catch (err) {
      const fault = toDispatcherError(err);
      await this.deps.findings.note(cloud.name, idVm, `destroy at ${at} failed: ${fault.message}`);
      this.deps.logger?.warn({ cloud: cloud.name, vm: idVm, err: fault.message }, 'reconcile: destroy failed (retried next pass)');
      if (strict) throw fault;
      return;
    }
    if (resolves) await this.deps.findings.resolve(cloud.name, idVm, 'destroyed', by, `destroyed at ${at}`);
    else await this.deps.findings.note(cloud.name, idVm, `destroyed again at ${at} by ${by}; the record goes once the cloud no longer lists it`);
  }
}
