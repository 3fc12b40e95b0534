// Who may act on what. A VM started through the dispatcher belongs to the user who started it;
// an assignment to the user it is assigned to (who may then act on that VM and release it).
// Admins and operators act on everything; a VM started outside the dispatcher is theirs only.
// A user who names something they do not own is told it does not exist (404), like anything
// absent: the answer never reveals other users' resources. Route handlers ask here before acting.
import { TRACKER_STATUS, type Tracker, type TrackerRecord } from '../cistern/tracker.js';
import { DispatcherError } from '../domain/errors.js';
import type { CloudConnection } from '../pool/cloud-connection.js';
import type { User } from '../store/user-store.js';
import type { VmRef } from './vm-service.js';

/** The owners recorded when VMs are started (VmRecordStore). */
export interface OwnerRecords {
  ownerOf(cloud: string, idVm: string): Promise<number | null | undefined>;
  ownedBy(cloud: string, userId: number): Promise<string[]>;
}

/** A VM lookup by name (VmService.findVm), for refs that give a hostname. */
export interface VmFinder {
  findVm(cloud: CloudConnection, ref: VmRef): Promise<{ id: string } | null>;
}

/** Undefined: the legacy open mode (auth.required false), where v1 callers are anonymous and unrestricted. */
export type Caller = Pick<User, 'id' | 'username' | 'role'> | undefined;

export function isPrivileged(caller: Caller): boolean {
  return caller === undefined || caller.role === 'admin' || caller.role === 'operator';
}

function vmMissing(cloud: CloudConnection, name: string | undefined): DispatcherError {
  return new DispatcherError('not-found', `no VM ${name} on cloud ${cloud.name}`, { subject: 'vm' });
}

export class OwnershipService {
  constructor(private readonly deps: { records: OwnerRecords; tracker: Tracker; vms: VmFinder; users: { findByName(username: string): Promise<{ id: number } | undefined> } }) {}

  /** Ids of the cloud's VMs a user (by name) started: the admins' owner filter. */
  async startedBy(cloud: string, username: string): Promise<Set<string>> {
    const user = await this.deps.users.findByName(username);
    return new Set(user ? await this.deps.records.ownedBy(cloud, user.id) : []);
  }

  async owns(caller: Caller, cloud: string, idVm: string): Promise<boolean> {
    if (isPrivileged(caller) || !caller) return true;
    if ((await this.deps.records.ownerOf(cloud, idVm)) === caller.id) return true;
    const record = await this.deps.tracker.findNode(cloud, { idVm });
    return record !== undefined && isAssignedTo(record, caller.username);
  }

  /** A record is the caller's when the VM is, or when it is assigned to the caller. */
  async ownsRecord(caller: Caller, record: TrackerRecord): Promise<boolean> {
    if (isPrivileged(caller) || !caller) return true;
    return isAssignedTo(record, caller.username) || (await this.deps.records.ownerOf(record.cloud, record.id_vm)) === caller.id;
  }

  /**
   * The ref to act on: for a user, pinned to the VM id checked (a hostname shared by two VMs
   * cannot lead the action to one they do not own); 404 when the VM is not theirs.
   */
  async vmRef(caller: Caller, cloud: CloudConnection, ref: VmRef): Promise<VmRef> {
    if (isPrivileged(caller)) return ref;
    const id = ref.node ?? (await this.tracked(cloud, ref.hostname)) ?? (await this.deps.vms.findVm(cloud, ref))?.id;
    if (!id || !(await this.owns(caller, cloud.name, id))) throw vmMissing(cloud, ref.node ?? ref.hostname);
    return { node: id };
  }

  /** Assigning to another user name needs the admin or operator role (403: a matter of role, not of existence). */
  checkAssignee(caller: Caller, assignee: string): void {
    if (isPrivileged(caller) || caller?.username === assignee) return;
    throw new DispatcherError('forbidden', 'assigning a VM to another user needs the admin or operator role', { code: 'Forbidden' });
  }

  /** The ids of a cloud's VMs the caller may see; undefined: all of them. */
  async visibleVmIds(caller: Caller, cloud: string): Promise<Set<string> | undefined> {
    if (isPrivileged(caller) || !caller) return undefined;
    const [started, records] = await Promise.all([this.deps.records.ownedBy(cloud, caller.id), this.deps.tracker.listNodes(cloud, false)]);
    return new Set([...started, ...records.filter((r) => isAssignedTo(r, caller.username)).map((r) => r.id_vm)]);
  }

  /** The tracker records the caller may see. */
  async visibleRecords(caller: Caller, records: TrackerRecord[]): Promise<TrackerRecord[]> {
    if (isPrivileged(caller) || !caller) return records;
    const clouds = [...new Set(records.map((r) => r.cloud))];
    const started = new Set((await Promise.all(clouds.map(async (c) => (await this.deps.records.ownedBy(c, caller.id)).map((id) => `${c}\0${id}`)))).flat());
    return records.filter((r) => isAssignedTo(r, caller.username) || started.has(`${r.cloud}\0${r.id_vm}`));
  }

  private async tracked(cloud: CloudConnection, hostname: string | undefined): Promise<string | undefined> {
    if (hostname === undefined) return undefined;
    return (await this.deps.tracker.findNode(cloud.name, { hostname }))?.id_vm;
  }
}

function isAssignedTo(record: TrackerRecord, username: string): boolean {
  return record.status === TRACKER_STATUS.ASSIGNED && record.user === username;
}
