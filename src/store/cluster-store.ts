// Clusters and their members. A cluster's status moves only by compare-and-set (`transition`),
// so two requests cannot both start work on one cluster; a member row is written with its
// request id before its start is sent, which is what makes a crash mid-create resumable.
import type { Kysely, Selectable } from 'kysely';
import type { ClusterMembersTable, ClustersTable } from './cluster-schema.js';
import type { Database } from './store-schema.js';

export const CLUSTER_STATUSES = ['creating', 'ready', 'degraded', 'scaling', 'stopping', 'stopped', 'deleting'] as const;
export type ClusterStatus = (typeof CLUSTER_STATUSES)[number];
/** Statuses in which an operation is working on the cluster: no second one may start. */
export const BUSY_STATUSES: readonly ClusterStatus[] = ['creating', 'scaling', 'stopping', 'deleting'];

/** starting: row written, start sent or about to be; failed: the start failed (listed, replaced by repair); replaced/removed: history. */
export const MEMBER_STATES = ['starting', 'active', 'failed', 'removing', 'removed', 'replaced'] as const;
export type MemberState = (typeof MEMBER_STATES)[number];

export interface ClusterTemplate {
  image: string;
  size: string;
  /** Per-cloud names where they differ from `image` / `size`. */
  overrides?: Record<string, { image?: string; size?: string }>;
  metadata?: Record<string, string>;
  userData?: string;
  keyName?: string;
}

export interface PlacementPolicy {
  clouds?: string[];
  strategy: 'spread' | 'pack' | 'weighted';
  weights?: Record<string, number>;
}

export interface Cluster {
  id: string;
  userId: number | null;
  name: string;
  status: ClusterStatus;
  desiredSize: number;
  template: ClusterTemplate;
  placement: PlacementPolicy;
  createdAt: string;
  updatedAt: string;
}

export interface ClusterMember {
  id: string;
  clusterId: string;
  cloud: string;
  name: string;
  requestId: string;
  vmId: string | null;
  state: MemberState;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
}

function toCluster(row: Selectable<ClustersTable>): Cluster {
  return {
    id: row.id,
    userId: row.user_id === null ? null : Number(row.user_id),
    name: row.name,
    status: row.status as ClusterStatus,
    desiredSize: Number(row.desired_size),
    template: JSON.parse(row.template),
    placement: JSON.parse(row.placement),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toMember(row: Selectable<ClusterMembersTable>): ClusterMember {
  return {
    id: row.id,
    clusterId: row.cluster_id,
    cloud: row.cloud,
    name: row.name,
    requestId: row.request_id,
    vmId: row.vm_id,
    state: row.state as MemberState,
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
  };
}

function memberRow(m: ClusterMember): Selectable<ClusterMembersTable> {
  return {
    id: m.id,
    cluster_id: m.clusterId,
    cloud: m.cloud,
    name: m.name,
    request_id: m.requestId,
    vm_id: m.vmId,
    state: m.state,
    error: m.error,
    created_at: m.createdAt,
    started_at: m.startedAt,
  };
}

export type NewMember = Pick<ClusterMember, 'id' | 'cloud' | 'name' | 'requestId'>;

export class ClusterStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(cluster: Omit<Cluster, 'createdAt' | 'updatedAt'>): Promise<Cluster> {
    const now = new Date().toISOString();
    const row = {
      id: cluster.id,
      user_id: cluster.userId,
      name: cluster.name,
      status: cluster.status,
      desired_size: cluster.desiredSize,
      template: JSON.stringify(cluster.template),
      placement: JSON.stringify(cluster.placement),
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('clusters').values(row).execute();
    return toCluster(row);
  }

  async get(id: string): Promise<Cluster | undefined> {
    const row = await this.db.selectFrom('clusters').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toCluster(row);
  }

  /** Newest first; every user's when userId is undefined. */
  async list(userId: number | undefined, limit: number): Promise<Cluster[]> {
    let query = this.db.selectFrom('clusters').selectAll();
    if (userId !== undefined) query = query.where('user_id', '=', userId);
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toCluster);
  }

  /** Compare-and-set: moves the cluster to `to` (and desired size) only from one of `from`; false when it was elsewhere. */
  async transition(id: string, from: readonly ClusterStatus[], to: ClusterStatus, desiredSize?: number): Promise<boolean> {
    const result = await this.db
      .updateTable('clusters')
      .set({ status: to, updated_at: new Date().toISOString(), ...(desiredSize !== undefined ? { desired_size: desiredSize } : {}) })
      .where('id', '=', id)
      .where('status', 'in', [...from])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('cluster_members').where('cluster_id', '=', id).execute();
    await this.db.deleteFrom('clusters').where('id', '=', id).execute();
  }

  async members(clusterId: string): Promise<ClusterMember[]> {
    const rows = await this.db.selectFrom('cluster_members').selectAll().where('cluster_id', '=', clusterId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toMember);
  }

  /** All at once: a crash leaves either every new row or none. Answers the rows as written. */
  async addMembers(clusterId: string, members: NewMember[]): Promise<ClusterMember[]> {
    if (members.length === 0) return [];
    const now = new Date().toISOString();
    const rows = members.map((m) => memberRow({ ...m, clusterId, vmId: null, state: 'starting', error: null, createdAt: now, startedAt: null }));
    await this.db.transaction().execute(async (tx) => {
      for (let i = 0; i < rows.length; i += 100) await tx.insertInto('cluster_members').values(rows.slice(i, i + 100)).execute();
    });
    return rows.map(toMember);
  }

  /**
   * Many members' new state in one statement per 100 (an upsert on the id: each row is written
   * whole, as `members` holds it). For rows that exist: a member is only removed with its cluster,
   * and a row of a removed cluster cannot come back (its cluster_id would refer to nothing).
   */
  async updateMembers(members: ClusterMember[]): Promise<void> {
    for (let i = 0; i < members.length; i += 100) {
      await this.db
        .insertInto('cluster_members')
        .values(members.slice(i, i + 100).map(memberRow))
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            state: eb.ref('excluded.state'),
            vm_id: eb.ref('excluded.vm_id'),
            error: eb.ref('excluded.error'),
            started_at: eb.ref('excluded.started_at'),
          })),
        )
        .execute();
    }
  }

  async updateMember(id: string, changes: { state: MemberState; vmId?: string; error?: string | null; startedAt?: string }): Promise<void> {
    await this.db
      .updateTable('cluster_members')
      .set({
        state: changes.state,
        ...(changes.vmId !== undefined ? { vm_id: changes.vmId } : {}),
        ...(changes.error !== undefined ? { error: changes.error } : {}),
        ...(changes.startedAt !== undefined ? { started_at: changes.startedAt } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  /**
   * What the members' creates answered: each succeeded vm.start operation with one of these request
   * ids, its VM id (`target`), the VM as the create (or its look-up) returned it, and when it ended.
   */
  async startAnswers(requestIds: string[]): Promise<{ requestId: string; vmId: string; vm: unknown; at: string }[]> {
    const out: { requestId: string; vmId: string; vm: unknown; at: string }[] = [];
    for (let i = 0; i < requestIds.length; i += 500) {
      const rows = await this.db
        .selectFrom('operations')
        .select(['request_id', 'target', 'result', 'finished_at'])
        .where('request_id', 'in', requestIds.slice(i, i + 500))
        .where('kind', '=', 'vm.start')
        .where('state', '=', 'succeeded')
        .execute();
      for (const r of rows) {
        if (r.request_id && r.target && r.result && r.finished_at) out.push({ requestId: r.request_id, vmId: r.target, vm: JSON.parse(r.result), at: r.finished_at });
      }
    }
    return out;
  }

  /** docklet's clustercnt: clusters per user. */
  async countFor(userId: number): Promise<number> {
    const row = await this.db.selectFrom('clusters').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** The VMs a user started (each successful start's cloud and VM id), for the per-user counts. */
  async startedBy(userId: number): Promise<{ cloud: string; vmId: string }[]> {
    const rows = await this.db
      .selectFrom('operations')
      .select(['cloud', 'target'])
      .where('kind', '=', 'vm.start')
      .where('state', '=', 'succeeded')
      .where('user_id', '=', userId)
      .execute();
    return rows.filter((r) => r.cloud && r.target).map((r) => ({ cloud: r.cloud as string, vmId: r.target as string }));
  }
}
