// Operators' actions on a cloud's tracked VMs. A VM is claimed before anything is destroyed: its
// retiring flag is set under the VM's lock (so no assign can slip in), then one fresh look at the
// tracker says which claimed VMs are still unassigned. Assigned VMs are never shut down.
import { ambiguousHostname, findInRecords, type Tracker, type TrackerRecord } from '../cistern/tracker.js';
import { DispatcherError, isDispatcherError, toDispatcherError } from '../domain/errors.js';
import type { CloudConnection } from '../pool/cloud-connection.js';
import type { VmService } from '../services/vm-service.js';
import type { AdminStore } from '../store/admin-store.js';
import type { VmRecordStore } from '../store/vm-record-store.js';
import type { AdmissionGuard } from './admission-guard.js';
import type { Actor } from './audit-service.js';

export type Count = number | 'all';

export interface VmActionResult {
  idVm: string;
  hostname: string;
  result: 'destroyed' | 'already-gone' | 'retiring' | 'override-reset' | 'no-override' | 'forgotten' | 'skipped' | 'failed';
  detail?: string;
}

const UNASSIGNED = ['FREE', 'FAULTY'];

export class CloudVmActions {
  constructor(
    private readonly deps: { tracker: Tracker; admin: AdminStore; records: VmRecordStore; vms: VmService; guard: AdmissionGuard },
  ) {}

  async shutdownFree(actor: Actor, cloud: CloudConnection, count: Count): Promise<VmActionResult[]> {
    cloud.require('destroy');
    const free = (await this.deps.tracker.listNodes(cloud.name, false)).filter((r) => r.status_desc === 'FREE');
    const chosen = count === 'all' ? free : free.slice(0, count);
    const flagged = await this.flaggedIds(cloud.name);
    const now = await this.claim(actor, cloud, chosen, 'shutdown');
    return Promise.all(
      chosen.map(async (record) => {
        const status = now.get(record.id_vm)?.status_desc;
        if (status !== undefined && UNASSIGNED.includes(status)) return this.destroy(actor, cloud, record);
        // Assigned meanwhile: leave it (and any flag it had before) as it was.
        if (!flagged.has(record.id_vm)) await this.deps.admin.clearFlags(cloud.name, record.id_vm);
        return { ...ids(record), result: 'skipped' as const, detail: `now ${status ?? 'gone from the tracker'}` };
      }),
    );
  }

  async retire(actor: Actor, cloud: CloudConnection, count: Count): Promise<VmActionResult[]> {
    cloud.require('destroy');
    const flagged = await this.flaggedIds(cloud.name);
    const records = (await this.deps.tracker.listNodes(cloud.name, false)).filter((r) => !flagged.has(r.id_vm));
    // Free VMs first: they have no work to finish, so retiring them costs nobody anything.
    const ordered = [...records.filter((r) => r.status_desc === 'FREE'), ...records.filter((r) => r.status_desc === 'ASSIGNED')];
    const chosen = count === 'all' ? ordered : ordered.slice(0, count);
    const now = await this.claim(actor, cloud, chosen, 'retire');
    return Promise.all(chosen.map((record) => this.afterClaim(actor, cloud, record, now.get(record.id_vm))));
  }

  async forgetAll(cloud: CloudConnection): Promise<{ forgotten: number }> {
    const records = await this.deps.tracker.listNodes(cloud.name, true);
    for (const record of records) await this.deps.tracker.forget(cloud.name, record.id_vm);
    const [, ended] = await Promise.all([this.deps.admin.clearFlags(cloud.name), this.deps.records.end(cloud.name, undefined, 'forgotten')]);
    return { forgotten: Math.max(records.length, ended) };
  }

  async one(actor: Actor, cloud: CloudConnection, vm: string, action: 'shutdown' | 'retire' | 'reset-override' | 'forget'): Promise<VmActionResult> {
    const records = await this.deps.tracker.listNodes(cloud.name, true);
    // An id first; a hostname only when it names one live VM (twins are a 409 with their ids).
    const record = findInRecords(cloud.name, records, { idVm: vm }) ?? findInRecords(cloud.name, records, { hostname: vm });
    if (action === 'reset-override' || action === 'forget') return this.bookkeeping(cloud, vm, record, action);
    if (!record) throw new DispatcherError('not-found', `no tracked VM ${vm} on cloud ${cloud.name}`, { subject: 'vm' });
    cloud.require('destroy');
    if (record.status_desc === 'RELEASED') throw new DispatcherError('conflict', `VM ${record.id_vm} is already being released`, { code: 'AlreadyReleased' });
    if (action === 'shutdown' && record.status_desc === 'ASSIGNED') {
      throw new DispatcherError('conflict', `VM ${record.id_vm} is assigned to ${record.user}: assigned VMs are never shut down; retire it instead`, {
        code: 'Assigned',
      });
    }
    const now = await this.claim(actor, cloud, [record], action);
    const status = now.get(record.id_vm)?.status_desc;
    if (action === 'shutdown' && status === 'ASSIGNED') {
      await this.deps.admin.clearFlags(cloud.name, record.id_vm);
      throw new DispatcherError('conflict', `VM ${record.id_vm} was assigned meanwhile: not shut down`, { code: 'Assigned' });
    }
    return this.afterClaim(actor, cloud, record, now.get(record.id_vm));
  }

  private async bookkeeping(cloud: CloudConnection, vm: string, record: TrackerRecord | undefined, action: 'reset-override' | 'forget'): Promise<VmActionResult> {
    const all = await this.deps.admin.flags(cloud.name);
    const byId = all.filter((f) => f.idVm === (record?.id_vm ?? vm));
    const flags = record || byId.length > 0 ? byId : all.filter((f) => f.hostname === vm);
    if (new Set(flags.map((f) => f.idVm)).size > 1) throw ambiguousHostname(cloud.name, vm, flags.map((f) => f.idVm));
    const idVm = record?.id_vm ?? flags[0]?.idVm ?? vm;
    const hostname = record?.hostname ?? flags[0]?.hostname ?? '';
    if (action === 'reset-override') {
      if (!record && flags.length === 0) throw new DispatcherError('not-found', `no tracked VM ${vm} on cloud ${cloud.name}`, { subject: 'vm' });
      const cleared = await this.deps.admin.clearFlags(cloud.name, idVm);
      return { idVm, hostname, result: cleared > 0 ? 'override-reset' : 'no-override' };
    }
    if (record) await this.deps.tracker.forget(cloud.name, record.id_vm);
    const [flagsCleared, ended] = await Promise.all([this.deps.admin.clearFlags(cloud.name, idVm), this.deps.records.end(cloud.name, idVm, 'forgotten')]);
    if (!record && flagsCleared === 0 && ended === 0) throw new DispatcherError('not-found', `no tracked VM ${vm} on cloud ${cloud.name}`, { subject: 'vm' });
    return { idVm, hostname, result: 'forgotten' };
  }

  /** Sets the retiring flag of each VM under its lock, then answers the tracker's records as they are now. */
  private async claim(actor: Actor, cloud: CloudConnection, records: TrackerRecord[], reason: string): Promise<Map<string, TrackerRecord>> {
    for (const record of records) {
      await this.deps.guard.vmLock(cloud.name, record.id_vm, () =>
        this.deps.admin.setRetiring(cloud.name, { idVm: record.id_vm, hostname: record.hostname }, reason, actor.username),
      );
    }
    const now = await this.deps.tracker.listNodes(cloud.name, true);
    return new Map(now.map((r) => [r.id_vm, r]));
  }

  private async afterClaim(actor: Actor, cloud: CloudConnection, record: TrackerRecord, now: TrackerRecord | undefined): Promise<VmActionResult> {
    if (now && UNASSIGNED.includes(now.status_desc)) return this.destroy(actor, cloud, record);
    if (now?.status_desc === 'ASSIGNED') return { ...ids(record), result: 'retiring', detail: `assigned to ${now.user}: destroyed when released` };
    return { ...ids(record), result: 'skipped', detail: `now ${now?.status_desc ?? 'gone from the tracker'}` };
  }

  private async destroy(actor: Actor, cloud: CloudConnection, record: TrackerRecord): Promise<VmActionResult> {
    try {
      await this.deps.vms.destroy(cloud, { node: record.id_vm }, { userId: actor.id });
      return { ...ids(record), result: 'destroyed' };
    } catch (err) {
      if (isDispatcherError(err, 'not-found') && err.subject === 'vm') {
        // The cloud no longer has it: only our bookkeeping was left.
        await this.deps.vms.forgetGone(cloud, record.id_vm);
        return { ...ids(record), result: 'already-gone' };
      }
      // The flag stays: the VM takes no assignment until an operator resets it or it is retried.
      return { ...ids(record), result: 'failed', detail: toDispatcherError(err).message };
    }
  }

  private async flaggedIds(cloud: string): Promise<Set<string>> {
    return new Set((await this.deps.admin.flags(cloud)).filter((f) => f.retiring).map((f) => f.idVm));
  }
}

function ids(record: TrackerRecord): { idVm: string; hostname: string } {
  return { idVm: record.id_vm, hostname: record.hostname };
}
