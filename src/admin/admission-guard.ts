// The one gate every start and every assign passes, whichever API version asked: drain, a
// disabled cloud, the cloud's allocation, a retiring or missing VM, the user's limit. It refuses before the
// cloud (or the tracker) is called. With several instances over one PostgreSQL (`shared`), the
// allocation is checked under the cloud's row lock in the database and a start's slot is a
// reservation row; an assign under a user limit enters the user's in-flight list first (one
// statement), then counts: so the limits are exact across instances, not per process.
import { randomUUID } from 'node:crypto';
import type { Tracker } from '../cistern/tracker.js';
import { DispatcherError } from '../domain/errors.js';
import type { CloudConnection } from '../pool/cloud-connection.js';
import type { CloudPool } from '../pool/cloud-pool.js';
import type { AdminStore } from '../store/admin-store.js';
import type { FindingStore } from '../store/finding-store.js';
import { ENTRY_SEPARATOR, type AdmissionStore } from '../store/admission-store.js';
import type { Admission } from '../services/service-ports.js';
import { KeyedMutex } from './keyed-mutex.js';

export interface AdmissionDeps {
  pool: CloudPool;
  tracker: Tracker;
  admin: AdminStore;
  /** The reconciler's findings: a VM it found gone from its cloud is not handed out (read with the other assign checks: AdminStore.assignChecks). */
  findings?: FindingStore;
  state: { draining: boolean };
  /** Several instances over one PostgreSQL: limits checked under database locks (unset: this process alone). */
  shared?: { store: AdmissionStore; instanceId: string };
}

export class AdmissionGuard implements Admission {
  private readonly mutex = new KeyedMutex();
  /** Starts admitted on this instance and not finished: counted against the allocation too. */
  private readonly pending = new Map<string, number>();

  constructor(private readonly deps: AdmissionDeps) {}

  async checkStart(cloud: CloudConnection): Promise<void> {
    const limit = this.startable(cloud);
    if (limit !== undefined) await this.requireRoom(cloud.name, limit);
  }

  async start<T>(cloud: CloudConnection, work: () => Promise<T>): Promise<T> {
    const limit = this.startable(cloud);
    if (limit === undefined) return work();
    const shared = this.deps.shared;
    if (shared) {
      const reservation = await this.mutex.run(`start:${cloud.name}`, () =>
        shared.store.withLock(`cloud:${cloud.name}`, async (trx) => {
          await this.requireRoom(cloud.name, limit, await shared.store.reserved(trx, cloud.name));
          return shared.store.reserve(trx, cloud.name, shared.instanceId);
        }),
      );
      try {
        return await work();
      } finally {
        // Released whatever happened: a started VM is counted by the tracker from now on.
        await shared.store.release(reservation);
      }
    }
    await this.mutex.run(`start:${cloud.name}`, async () => {
      await this.requireRoom(cloud.name, limit);
      this.pending.set(cloud.name, (this.pending.get(cloud.name) ?? 0) + 1);
    });
    try {
      return await work();
    } finally {
      const left = (this.pending.get(cloud.name) ?? 1) - 1;
      if (left > 0) this.pending.set(cloud.name, left);
      else this.pending.delete(cloud.name);
    }
  }

  async assign<T>(cloud: CloudConnection, vm: { idVm: string; user: string }, work: () => Promise<T>): Promise<T> {
    this.requireEnabled(cloud, 'assigned');
    const shared = this.deps.shared;
    // One process: the user's lock spans count and assign. Several: the user's in-flight list
    // in the database orders them (assignShared). The VM's lock keeps an operator's shutdown out.
    const userTurn = <R>(run: () => Promise<R>) => (shared ? run() : this.mutex.run(`user:${vm.user}`, run));
    return userTurn(() =>
      this.vmLock(cloud.name, vm.idVm, async () => {
        const checks = await this.deps.admin.assignChecks(cloud.name, vm.idVm, vm.user);
        if (checks.retiring) {
          throw new DispatcherError('conflict', `node ${vm.idVm} on cloud ${cloud.name} is retiring: it takes no new assignment`, {
            code: 'Retiring',
          });
        }
        if (this.deps.findings && checks.missing) {
          throw new DispatcherError('conflict', `node ${vm.idVm} on cloud ${cloud.name} is missing: the cloud no longer lists it (it takes assignments again if it reappears)`, {
            code: 'VmMissing',
          });
        }
        const limit = checks.maxAssigned;
        if (limit === undefined) return work();
        if (shared) return this.assignShared(shared, `${cloud.name}/${vm.idVm}`, vm.user, limit, work);
        requireBelow(vm.user, limit, (await this.assignedVms(vm.user)).size);
        return work();
      }),
    );
  }

  /**
   * Enters the assign in the user's in-flight list, then counts what the user holds (after: an
   * assign that left the list before has committed, so the count sees it) plus the entries
   * before this one whose VM is not counted already. Of two racing assigns the later sees the
   * earlier's entry, so the limit is never exceeded; a finished entry leaves the list lazily and
   * until then can only make a check stricter.
   */
  private async assignShared<T>(shared: NonNullable<AdmissionDeps['shared']>, vmKey: string, user: string, limit: number, work: () => Promise<T>): Promise<T> {
    const scope = `user:${user}`;
    const entry = [shared.instanceId, randomUUID(), vmKey].join(ENTRY_SEPARATOR);
    const inflight = await shared.store.enterInflight(scope, entry);
    try {
      const held = await this.assignedVms(user);
      const pending = new Set(inflight.filter((e) => e !== entry).map((e) => e.split(ENTRY_SEPARATOR).slice(2).join(ENTRY_SEPARATOR)).filter((key) => !held.has(key)));
      requireBelow(user, limit, held.size + pending.size);
    } catch (err) {
      // Refused (or the count failed): out of the list at once, so it refuses no other assign.
      shared.store.finish(scope, entry);
      await shared.store.flush();
      throw err;
    }
    try {
      return await work();
    } finally {
      shared.store.finish(scope, entry);
    }
  }

  /** Runs `work` while no other instance runs it for `scope` (one process alone: at once). */
  exclusive<T>(scope: string, work: () => Promise<T>): Promise<T> {
    const shared = this.deps.shared;
    return this.mutex.run(`exclusive:${scope}`, () => (shared ? shared.store.withLock(scope, () => work()) : work()));
  }

  /** Runs `work` while no assign of this VM can start (operators' shutdown and retire take it). */
  vmLock<T>(cloud: string, idVm: string, work: () => Promise<T>): Promise<T> {
    return this.mutex.run(`vm:${cloud}:${idVm}`, work);
  }

  /**
   * What counts against a cloud's allocation: every VM the tracker holds for it (free, assigned,
   * faulty, and released ones not yet gone), i.e. every VM we started and have not seen deleted.
   */
  async allocationUsed(cloud: string): Promise<number> {
    return (await this.deps.tracker.listNodes(cloud, true)).length;
  }

  /** VMs assigned to a user, over every configured cloud. */
  async assignedTo(user: string): Promise<number> {
    return (await this.assignedVms(user)).size;
  }

  /** The `cloud/idVm` of every VM assigned to a user. */
  private async assignedVms(user: string): Promise<Set<string>> {
    const lists = await Promise.all(this.deps.pool.list().map((c) => this.deps.tracker.listNodes(c.name, false)));
    return new Set(lists.flat().filter((r) => r.status_desc === 'ASSIGNED' && r.user === user).map((r) => `${r.cloud}/${r.id_vm}`));
  }

  /** Refuses a start while draining or on a disabled cloud; answers the cloud's allocation (undefined: no limit). */
  private startable(cloud: CloudConnection): number | undefined {
    if (this.deps.state.draining) {
      throw new DispatcherError('unavailable', 'the dispatcher is draining: new VMs are not started (everything else works)', { code: 'Draining' });
    }
    this.requireEnabled(cloud, 'started');
    return this.deps.pool.settings(cloud.name).allocation;
  }

  private async requireRoom(cloud: string, limit: number, reserved = this.pending.get(cloud) ?? 0): Promise<void> {
    const used = (await this.allocationUsed(cloud)) + reserved;
    if (used >= limit) {
      throw new DispatcherError('quota', `cloud ${cloud}: allocation of ${limit} VMs reached (${used} in use)`, {
        code: 'AllocationReached',
        details: { cloud, allocation: limit, used },
      });
    }
  }

  private requireEnabled(cloud: CloudConnection, verb: string): void {
    if (!this.deps.pool.isEnabled(cloud.name)) {
      throw new DispatcherError('unavailable', `cloud ${cloud.name} is disabled by an operator: no VM is ${verb} there`, {
        code: 'CloudDisabled',
        details: { cloud: cloud.name },
      });
    }
  }
}

function requireBelow(user: string, limit: number, held: number): void {
  if (held >= limit) {
    throw new DispatcherError('quota', `user ${user} already holds ${held} VMs (limit ${limit})`, {
      code: 'UserLimitReached',
      details: { user, limit, held },
    });
  }
}
