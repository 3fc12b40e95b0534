// Clusters (docklet's create / scaleout / scalein / start / stop / delete / info / list): a user's
// named group of VMs, possibly over several clouds. Every change is checked and refused (4xx, 501)
// before anything is written, then runs as a recorded operation of kind `cluster.*` whose work is
// ClusterConvergence's: durable member rows, starts through VmService, a status set at the end.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DispatcherError } from '../domain/errors.js';
import type { Capability } from '../domain/capabilities.js';
import type { Vm } from '../domain/vm-model.js';
import type { CloudPool } from '../pool/cloud-pool.js';
import type { Tracker } from '../cistern/tracker.js';
import { BUSY_STATUSES, type Cluster, type ClusterMember, type ClusterStatus, type ClusterStore, type ClusterTemplate, type PlacementPolicy } from '../store/cluster-store.js';
import type { ClusterConvergence } from './cluster-convergence.js';
import { UnresolvedOutcome, type OperationService, type StepRecorder, type Submitted } from './operation-service.js';
import type { Placer } from './placement-service.js';
import type { PowerAction, VmService, WaitOptions } from './vm-service.js';
import { groupBy } from '../domain/group-by.js';

export interface CreateCluster {
  name: string;
  size: number;
  template: ClusterTemplate;
  placement: PlacementPolicy;
}

export type ClusterAction = 'start' | 'stop' | 'reboot' | 'repair';

/** A member's VM as seen at `at` (ISO time): by the create's answer, or by a listing of its cloud. */
export interface MemberObservation {
  vm: Vm;
  at: string;
}

const POWER: Record<Exclude<ClusterAction, 'repair'>, { action: PowerAction; capability: Capability }> = {
  start: { action: 'power-on', capability: 'power' },
  stop: { action: 'power-off', capability: 'power' },
  reboot: { action: 'reboot', capability: 'reboot' },
};

/** Who asks: a user sees and changes only their clusters; an admin every cluster. */
export interface Actor {
  id?: number;
  admin: boolean;
}

export class ClusterService {
  constructor(
    private readonly deps: {
      clusters: ClusterStore;
      convergence: ClusterConvergence;
      operations: OperationService;
      placer: Placer;
      vms: VmService;
      pool: CloudPool;
      tracker: Tracker;
      wait: WaitOptions;
    },
  ) {}

  async create(actor: Actor, input: CreateCluster): Promise<{ cluster: Cluster; submitted: Submitted }> {
    // 409 with each cloud's reason, 503 (drain) now, before anything is written.
    const placement = await this.deps.placer.place(input.template, input.placement, input.size);
    for (const name of new Set(placement.clouds)) await this.deps.vms.checkStart(this.deps.vms.cloud(name));
    const cluster = await this.deps.clusters.create({
      id: randomUUID(),
      userId: actor.id ?? null,
      name: input.name,
      status: 'creating',
      desiredSize: input.size,
      template: input.template,
      placement: input.placement,
    });
    try {
      const submitted = await this.submit(cluster, 'cluster.create', { size: input.size, placement: placement.reasons }, (steps) =>
        this.deps.convergence.converge(cluster.id, steps, placement),
      );
      return { cluster, submitted };
    } catch (err) {
      // No operation was stored: no work will ever move this cluster out of `creating`.
      await this.deps.clusters.remove(cluster.id).catch(() => undefined);
      throw err;
    }
  }

  /** Scale out or in (FREE members first; ASSIGNED ones only with force). */
  async scale(actor: Actor, id: string, size: number, force: boolean): Promise<Submitted> {
    const cluster = await this.get(actor, id);
    const live = await this.live(cluster);
    if (size > live.length) await this.deps.placer.place(cluster.template, cluster.placement, size - live.length, heldPerCloud(live));
    const victims = size < live.length ? await this.deps.convergence.chooseForRemoval(cluster, live, live.length - size, force) : [];
    await this.claim(cluster, ['ready', 'degraded'], 'scaling', size);
    await this.deps.convergence.markForRemoval(victims);
    return this.submit(cluster, 'cluster.scale', { size, force }, (steps) => this.deps.convergence.converge(cluster.id, steps));
  }

  /** docklet's scale-in by name: removes one member (by VM id or name); desired size shrinks by one. */
  async removeMember(actor: Actor, id: string, vm: string, force: boolean): Promise<Submitted> {
    const cluster = await this.get(actor, id);
    const live = await this.live(cluster);
    const member = live.find((m) => m.vmId === vm || m.name === vm);
    if (!member) throw new DispatcherError('not-found', `cluster ${id} has no member ${vm}`, { code: 'MemberNotFound', subject: 'vm' });
    await this.deps.convergence.chooseForRemoval(cluster, [member], 1, force);
    await this.claim(cluster, ['ready', 'degraded'], 'scaling', cluster.desiredSize - 1);
    await this.deps.convergence.markForRemoval([member]);
    return this.submit(cluster, 'cluster.scale', { remove: member.vmId ?? member.name, force }, (steps) => this.deps.convergence.converge(cluster.id, steps));
  }

  /** start / stop / reboot every member (501 before any call where a member's cloud lacks it), or repair. */
  async act(actor: Actor, id: string, action: ClusterAction): Promise<Submitted> {
    const cluster = await this.get(actor, id);
    if (action === 'repair') {
      await this.claim(cluster, ['ready', 'degraded', 'stopped'], 'scaling');
      return this.submit(cluster, 'cluster.repair', { action }, (steps) => this.repair(cluster, steps));
    }
    const live = (await this.live(cluster)).filter((m) => m.state === 'active' && m.vmId);
    const { action: power, capability } = POWER[action];
    for (const cloud of new Set(live.map((m) => m.cloud))) this.deps.vms.cloud(cloud).require(capability);
    await this.claim(cluster, action === 'start' ? ['ready', 'degraded', 'stopped'] : ['ready', 'degraded'], action === 'stop' ? 'stopping' : 'scaling');
    return this.submit(cluster, 'cluster.action', { action }, async (steps) => {
      await Promise.all(live.map((m) => this.deps.vms.power(this.deps.vms.cloud(m.cloud), { node: m.vmId as string }, power, { userId: cluster.userId ?? undefined })));
      await steps.done(action, `${live.length} member(s)`);
      // `stopped` (and ready after a start) means the members are, not that the calls were accepted.
      if (action !== 'reboot') await steps.done('settled', `${await this.waitForState(live, action === 'stop' ? 'stopped' : 'running')} ms`);
      return this.deps.convergence.settle(cluster.id, action === 'stop' ? 'stopped' : undefined);
    });
  }

  /** Releases and destroys every member, waits until each is gone, then forgets the cluster. */
  async delete(actor: Actor, id: string): Promise<Submitted> {
    const cluster = await this.get(actor, id);
    await this.claim(cluster, ['ready', 'degraded', 'stopped'], 'deleting', 0);
    return this.submit(cluster, 'cluster.delete', {}, (steps) => this.finishDelete(cluster.id, steps));
  }

  async finishDelete(id: string, steps: StepRecorder): Promise<{ clusterId: string; deleted: true }> {
    const cluster = await this.deps.convergence.load(id);
    await this.deps.convergence.removeMarked(cluster, steps, true);
    await this.deps.clusters.remove(id);
    await steps.done('forget', `cluster ${id}`);
    return { clusterId: id, deleted: true };
  }

  /** Failed members are replaced, and active members whose VM the cloud reports in `error` are destroyed and replaced. */
  async repair(cluster: Cluster, steps: StepRecorder) {
    const members = await this.deps.clusters.members(cluster.id);
    const broken = await this.inError(members.filter((m) => m.state === 'active'));
    for (const m of members.filter((x) => x.state === 'failed')) await this.deps.clusters.updateMember(m.id, { state: 'replaced' });
    for (const m of broken) await this.deps.clusters.updateMember(m.id, { state: 'removing' });
    await steps.done('repair', `${members.filter((m) => m.state === 'failed').length} failed member(s), ${broken.length} VM(s) in error`);
    return this.deps.convergence.converge(cluster.id, steps);
  }

  async get(actor: Actor, id: string): Promise<Cluster> {
    const cluster = await this.deps.clusters.get(id);
    if (!cluster || (!actor.admin && cluster.userId !== (actor.id ?? null))) {
      throw new DispatcherError('not-found', `no cluster ${id}`, { code: 'ClusterNotFound' });
    }
    return cluster;
  }

  list(actor: Actor, limit: number): Promise<Cluster[]> {
    return this.deps.clusters.list(actor.admin ? undefined : actor.id, limit);
  }

  /** Per user: clusters, and VMs started that the tracker still holds (docklet's clustercnt). */
  async counts(userId: number): Promise<{ clusters: number; vms: number }> {
    const [clusters, started] = await Promise.all([this.deps.clusters.countFor(userId), this.deps.clusters.startedBy(userId)]);
    const held = new Set<string>();
    for (const cloud of new Set(started.map((s) => s.cloud))) {
      const records = await this.deps.tracker.listNodes(cloud, true).catch(() => []);
      for (const r of records) held.add(`${cloud}\0${r.id_vm}`);
    }
    return { clusters, vms: started.filter((s) => held.has(`${s.cloud}\0${s.vmId}`)).length };
  }

  members(cluster: Cluster): Promise<ClusterMember[]> {
    return this.deps.clusters.members(cluster.id);
  }

  /**
   * By member id, the VM as its create answered (recorded as the result of the member's vm.start
   * operation) and when: the view right after a create, without listing every cloud again.
   * Members whose start has no such record (none yet, or a different VM) are left out.
   */
  async createAnswers(members: ClusterMember[]): Promise<Map<string, MemberObservation>> {
    const withVm = members.filter((m) => m.vmId);
    const byRequest = new Map(withVm.map((m) => [m.requestId, m]));
    const out = new Map<string, MemberObservation>();
    for (const answer of await this.deps.clusters.startAnswers([...byRequest.keys()])) {
      const member = byRequest.get(answer.requestId);
      const vm = answer.vm as Vm | null;
      if (member && member.vmId === answer.vmId && vm && typeof vm === 'object' && typeof vm.state === 'string') out.set(member.id, { vm, at: answer.at });
    }
    return out;
  }

  private live(cluster: Cluster): Promise<ClusterMember[]> {
    return this.deps.clusters.members(cluster.id).then((all) => all.filter((m) => m.state === 'starting' || m.state === 'active'));
  }

  /** One operation at a time per cluster: the status moves by compare-and-set, or 409. */
  private async claim(cluster: Cluster, from: ClusterStatus[], to: ClusterStatus, desiredSize?: number): Promise<void> {
    if (!(await this.deps.clusters.transition(cluster.id, from, to, desiredSize))) {
      const now = (await this.deps.clusters.get(cluster.id))?.status ?? 'deleted';
      const busy = (BUSY_STATUSES as readonly string[]).includes(now);
      throw new DispatcherError('conflict', `cluster ${cluster.id} is ${now}${busy ? ': another operation is working on it' : ''}`, { code: 'ClusterBusy' });
    }
  }

  private submit(cluster: Cluster, kind: string, request: Record<string, unknown>, work: (steps: StepRecorder) => Promise<unknown>): Promise<Submitted> {
    const input = { kind, target: cluster.id, userId: cluster.userId ?? undefined, request: { clusterId: cluster.id, ...request } };
    return this.deps.operations.submit(input, (operationId) => this.deps.operations.run({ ...input, operationId }, work).catch(async (err) => {
      // A failed (not unresolved) operation must not leave the cluster busy for ever.
      if (!(err instanceof UnresolvedOutcome)) await this.deps.convergence.settle(cluster.id).catch(() => undefined);
      throw err;
    }));
  }

  /** Polls each member cloud's VM list until every member is in `state`; 504 past the wait bound. */
  private async waitForState(members: ClusterMember[], state: 'stopped' | 'running'): Promise<number> {
    const started = Date.now();
    for (;;) {
      const lagging = (await this.vmStates(members)).filter((m) => m.state !== state);
      if (lagging.length === 0) return Date.now() - started;
      if (Date.now() - started + this.deps.wait.pollIntervalMs > this.deps.wait.timeoutMs) {
        throw new DispatcherError('timeout', `${lagging.length} member(s) not ${state} after ${this.deps.wait.timeoutMs} ms`, { code: 'ActionTimeout' });
      }
      await sleep(this.deps.wait.pollIntervalMs);
    }
  }

  /** Each member's VM state as its cloud lists it: one listing per cloud, the clouds asked at once. */
  private async vmStates(members: ClusterMember[]): Promise<{ member: ClusterMember; state: string | undefined }[]> {
    const byCloud = groupBy(members, (m) => m.cloud);
    const perCloud = await Promise.all(
      [...byCloud].map(async ([name, list]) => {
        const states = new Map((await this.deps.vms.listVms(this.deps.vms.cloud(name))).map((vm) => [vm.id, vm.state]));
        return list.map((member) => ({ member, state: states.get(member.vmId as string) }));
      }),
    );
    return perCloud.flat();
  }

  private async inError(members: ClusterMember[]): Promise<ClusterMember[]> {
    return (await this.vmStates(members)).filter((s) => s.state === 'error').map((s) => s.member);
  }
}

function heldPerCloud(members: ClusterMember[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of members) out[m.cloud] = (out[m.cloud] ?? 0) + 1;
  return out;
}
