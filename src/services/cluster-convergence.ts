// What every cluster operation does, and what a recovery pass does again after a crash: bring the
// members to the cluster's desired size. Member rows (with their request ids) are written before
// any start is sent; each start goes through VmService.start (its own vm.start operation, request
// id, resolution and tracking). A member whose start may have been sent is never started blind:
// its vm.start operation says what happened, or the member waits for the next recovery pass.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DispatcherError, isDispatcherError, toDispatcherError } from '../domain/errors.js';
import type { Tracker } from '../cistern/tracker.js';
import type { CloudPool } from '../pool/cloud-pool.js';
import { BUSY_STATUSES, type Cluster, type ClusterMember, type ClusterStatus, type ClusterStore } from '../store/cluster-store.js';
import { UNFINISHED_STATES } from '../domain/operation-model.js';
import type { OperationStore } from '../store/operation-store.js';
import { UnresolvedOutcome, type StepRecorder } from './operation-service.js';
import { MemberWrites } from './cluster-member-writes.js';
import type { Placement } from './placement-policy.js';
import { PlacementService, type Placer } from './placement-service.js';
import type { VmService } from './vm-service.js';
import { groupBy } from '../domain/group-by.js';

/** The metadata key every member carries: the cluster's id. */
export const CLUSTER_TAG = 'dispatcher:cluster';
/** How long a resumed member waits for its own vm.start operation to be resolved by the same pass. */
const RESOLVE_WAIT_MS = 3_000;

export interface ConvergenceDeps {
  clusters: ClusterStore;
  operations: OperationStore;
  vms: VmService;
  placer: Placer;
  tracker: Tracker;
  pool: CloudPool;
}

export interface ConvergeResult {
  clusterId: string;
  status: ClusterStatus;
  desiredSize: number;
  actualSize: number;
  failed: number;
}

export class ClusterConvergence {
  constructor(private readonly deps: ConvergenceDeps) {}

  /** Starts and removes members until the cluster has its desired size, then sets ready or degraded. */
  async converge(clusterId: string, steps: StepRecorder, placement?: Placement): Promise<ConvergeResult> {
    const cluster = await this.load(clusterId);
    let members = await this.deps.clusters.members(cluster.id);
    if (await this.removeMarked(cluster, steps, false, members)) members = await this.deps.clusters.members(cluster.id);
    let live = members.filter((m) => m.state === 'starting' || m.state === 'active');
    const need = cluster.desiredSize - live.length;
    if (need < 0) {
      await this.markForRemoval(await this.chooseForRemoval(cluster, live, -need, true));
      await this.removeMarked(cluster, steps);
      members = await this.deps.clusters.members(cluster.id);
      live = members.filter((m) => m.state === 'starting' || m.state === 'active');
    }
    const added = need > 0 ? await this.addMembers(cluster, live, need, steps, placement) : [];
    const starting = [...members.filter((m) => m.state === 'starting'), ...added];
    const outcomes = await this.startAll(cluster, starting, new Set(added.map((m) => m.id)));
    const unresolved = outcomes.filter((o) => o instanceof UnresolvedOutcome);
    if (starting.length > 0) {
      const failed = outcomes.filter((o) => o === 'failed').length;
      await steps.done('start', `${starting.length - failed - unresolved.length} started, ${failed} failed, ${unresolved.length} unresolved`);
    }
    if (unresolved.length > 0) {
      throw new UnresolvedOutcome(`${unresolved.length} member start(s) of cluster ${cluster.id} unresolved; the next recovery pass resumes`, (unresolved[0] as UnresolvedOutcome).outcome);
    }
    return this.settle(cluster.id);
  }

  /** The `count` members to remove, FREE (or untracked) ones first; ASSIGNED only with force (else 409). Marks nothing. */
  async chooseForRemoval(cluster: Cluster, candidates: ClusterMember[], count: number, force: boolean): Promise<ClusterMember[]> {
    const ranked = await this.rankForRemoval(candidates);
    const allowed = force ? ranked : ranked.filter((r) => r.status !== 'ASSIGNED');
    if (allowed.length < count) {
      throw new DispatcherError('conflict', `cluster ${cluster.id}: removing ${count} member(s) would destroy ASSIGNED VMs; pass force to do so`, { code: 'MemberAssigned' });
    }
    return allowed.slice(0, count).map((r) => r.member);
  }

  async markForRemoval(members: ClusterMember[]): Promise<void> {
    for (const member of members) await this.deps.clusters.updateMember(member.id, { state: 'removing' });
  }

  /**
   * Destroys (waiting until gone) every member marked `removing`, and every member when the cluster
   * is being deleted; `members`: the cluster's rows when the caller has just read them. Whether any was.
   */
  async removeMarked(cluster: Cluster, steps: StepRecorder, all = false, members?: ClusterMember[]): Promise<boolean> {
    const doomed = (members ?? (await this.deps.clusters.members(cluster.id))).filter((m) => (all ? m.state !== 'removed' && m.state !== 'replaced' : m.state === 'removing'));
    if (doomed.length === 0) return false;
    await Promise.all(doomed.map((m) => this.destroyMember(cluster, m)));
    await steps.done('remove', `${doomed.length} member(s) destroyed and gone`);
    return true;
  }

  /** The cluster's status from its members, written with a compare-and-set from the busy statuses. */
  async settle(clusterId: string, to?: ClusterStatus): Promise<ConvergeResult> {
    const cluster = await this.load(clusterId);
    const members = await this.deps.clusters.members(clusterId);
    const actualSize = members.filter((m) => m.state === 'active').length;
    const failed = members.filter((m) => m.state === 'failed').length;
    const status = to ?? (actualSize >= cluster.desiredSize ? 'ready' : 'degraded');
    await this.deps.clusters.transition(clusterId, BUSY_STATUSES, status);
    return { clusterId, status, desiredSize: cluster.desiredSize, actualSize, failed };
  }

  async load(clusterId: string): Promise<Cluster> {
    const cluster = await this.deps.clusters.get(clusterId);
    if (!cluster) throw new DispatcherError('not-found', `no cluster ${clusterId}`, { code: 'ClusterNotFound' });
    return cluster;
  }

  /**
   * Starts members a few per cloud slot at a time (twice the cloud's concurrency): enough to keep
   * every slot busy, few enough that the first creates are sent at once rather than after every
   * member's bookkeeping. Members written by this pass (`fresh`) have no earlier start to look up.
   * Their rows' outcomes are written in batches (MemberWrites), all of them before this answers.
   */
  private async startAll(cluster: Cluster, members: ClusterMember[], fresh: Set<string>): Promise<('active' | 'failed' | UnresolvedOutcome)[]> {
    const outcomes: ('active' | 'failed' | UnresolvedOutcome)[] = [];
    const writes = new MemberWrites(this.deps.clusters);
    const byCloud = groupBy(members, (m) => m.cloud);
    const lanes = [...byCloud].map(([cloud, list]) => ({ list, next: 0, width: Math.min(list.length, Math.max(4, 2 * (this.connectionConcurrency(cloud) ?? 8))) }));
    const worker = async (lane: (typeof lanes)[number]) => {
      while (lane.next < lane.list.length) {
        const member = lane.list[lane.next++];
        outcomes.push(await this.startMember(cluster, member, fresh.has(member.id), writes));
      }
    };
    // Started one per cloud in turn: the store writes each start's operation in the order the
    // workers ask, so every cloud's first creates go out together, not the last cloud's after
    // every other cloud's spare workers.
    const workers: Promise<void>[] = [];
    for (let i = 0; i < Math.max(0, ...lanes.map((l) => l.width)); i++) for (const lane of lanes) if (i < lane.width) workers.push(worker(lane));
    try {
      await Promise.all(workers);
    } finally {
      await writes.settled();
    }
    return outcomes;
  }

  private connectionConcurrency(cloud: string): number | undefined {
    try {
      return this.deps.pool.resolve(cloud).config.concurrency;
    } catch {
      return undefined; // no longer configured: its starts fail one by one
    }
  }

  private async addMembers(cluster: Cluster, live: ClusterMember[], need: number, steps: StepRecorder, given?: Placement): Promise<ClusterMember[]> {
    const held: Record<string, number> = {};
    for (const m of live) held[m.cloud] = (held[m.cloud] ?? 0) + 1;
    const placement = given ?? (await this.deps.placer.place(cluster.template, cluster.placement, need, held));
    const added = await this.deps.clusters.addMembers(
      cluster.id,
      placement.clouds.map((cloud) => ({ id: randomUUID(), cloud, name: `${cluster.name}-${randomUUID().slice(0, 8)}`, requestId: randomUUID() })),
    );
    const perCloud = Object.entries(countBy(placement.clouds)).map(([cloud, n]) => `${cloud}: ${n}`).join(', ');
    await steps.done('place', `${added.length} member(s) (${perCloud}); ${JSON.stringify(placement.reasons)}`);
    return added;
  }

  /**
   * 'active' | 'failed', or the UnresolvedOutcome that leaves the member for the next pass. The
   * member's row is written through `writes` when given (a batch), else at once.
   */
  private async startMember(cluster: Cluster, member: ClusterMember, fresh = false, writes?: MemberWrites): Promise<'active' | 'failed' | UnresolvedOutcome> {
    const record = async (changes: Pick<ClusterMember, 'state' | 'error'> & Partial<Pick<ClusterMember, 'vmId' | 'startedAt'>>) => {
      if (writes) writes.add({ ...member, ...changes });
      else await this.deps.clusters.updateMember(member.id, { state: changes.state, error: changes.error, vmId: changes.vmId ?? undefined, startedAt: changes.startedAt ?? undefined });
    };
    try {
      const earlier = fresh ? undefined : await this.earlierStart(member);
      if (earlier === 'failed') return 'failed';
      if (earlier) return 'active';
      const cloud = this.deps.vms.cloud(member.cloud);
      const { image, size } = PlacementService.namesOn(cluster.template, cloud.name);
      const t = cluster.template;
      const request = { name: member.name, image, size, keyName: t.keyName, metadata: { ...t.metadata, [CLUSTER_TAG]: cluster.id }, userData: t.userData };
      const vm = await this.deps.vms.start(cloud, request, { userId: cluster.userId ?? undefined, requestId: member.requestId, requestIdUnsent: fresh });
      this.deps.placer.record(member.cloud, true);
      await record({ state: 'active', vmId: vm.id, startedAt: new Date().toISOString(), error: null });
      return 'active';
    } catch (err) {
      if (err instanceof UnresolvedOutcome) return err;
      this.deps.placer.record(member.cloud, false);
      await record({ state: 'failed', error: toDispatcherError(err).message });
      return 'failed';
    }
  }

  /**
   * What became of a start sent before a crash, from its own vm.start operation (found by the
   * member's request id): true (active), 'failed', or undefined when no start was ever recorded.
   */
  private async earlierStart(member: ClusterMember): Promise<true | 'failed' | undefined> {
    const deadline = Date.now() + RESOLVE_WAIT_MS;
    for (;;) {
      const [op] = await this.deps.operations.othersWithRequestId(member.requestId, '');
      if (!op) return undefined;
      if (op.state === 'succeeded' && op.target) {
        await this.deps.clusters.updateMember(member.id, { state: 'active', vmId: op.target, startedAt: op.finishedAt ?? new Date().toISOString(), error: null });
        return true;
      }
      if (!(UNFINISHED_STATES as readonly string[]).includes(op.state)) {
        await this.deps.clusters.updateMember(member.id, { state: 'failed', error: op.error?.message ?? `start ${op.state}` });
        return 'failed';
      }
      if (Date.now() > deadline) {
        throw new UnresolvedOutcome(`member ${member.name}: its start (operation ${op.id}) is not resolved yet`, new DispatcherError('unavailable', 'start unresolved'));
      }
      await sleep(100);
    }
  }

  private async destroyMember(cluster: Cluster, member: ClusterMember): Promise<void> {
    if (member.state === 'starting') {
      // A start that may have been sent: resolve it first, so its VM is not left behind.
      const outcome = await this.startMember(cluster, member);
      if (outcome instanceof UnresolvedOutcome) throw outcome;
      member = (await this.deps.clusters.members(cluster.id)).find((m) => m.id === member.id) ?? member;
    }
    if (member.vmId) {
      try {
        const cloud = this.deps.vms.cloud(member.cloud);
        await this.deps.vms.destroy(cloud, { node: member.vmId }, { userId: cluster.userId ?? undefined, wait: true });
      } catch (err) {
        if (!isDispatcherError(err, 'not-found')) throw err; // already gone: removed all the same
      }
    }
    await this.deps.clusters.updateMember(member.id, { state: 'removed' });
  }

  private async rankForRemoval(members: ClusterMember[]): Promise<{ member: ClusterMember; status: string }[]> {
    const order: Record<string, number> = { FAULTY: 0, NONE: 1, FREE: 2, RELEASED: 2, ASSIGNED: 3 };
    const ranked = await Promise.all(
      members.map(async (member) => {
        const record = member.vmId ? await this.deps.tracker.findNode(member.cloud, { idVm: member.vmId }) : undefined;
        return { member, status: member.state === 'active' ? (record?.status_desc ?? 'NONE') : 'NONE' };
      }),
    );
    // Newest first within a rank: the oldest members are the ones a job most likely depends on.
    return ranked.sort((a, b) => (order[a.status] ?? 1) - (order[b.status] ?? 1) || b.member.createdAt.localeCompare(a.member.createdAt));
  }
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
