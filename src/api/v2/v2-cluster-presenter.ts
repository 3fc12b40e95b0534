// Clusters → v2 resources: docklet's info fields in our vocabulary. The detail view asks each
// member cloud once for its VMs and the tracker once per cloud, never once per member; right after
// a create it takes the VMs from what the creates answered instead of listing the clouds again.
import type { Tracker, TrackerRecord } from '../../cistern/tracker.js';
import type { Vm } from '../../domain/vm-model.js';
import type { Cluster, ClusterMember } from '../../store/cluster-store.js';
import type { VmService } from '../../services/vm-service.js';
import type { MemberObservation } from '../../services/cluster-service.js';
import { V2_BASE } from './v2-context.js';
import { urls } from './v2-presenters.js';

export const clusterUrl = (id: string) => `${V2_BASE}/clusters/${encodeURIComponent(id)}`;

const SHOWN = new Set(['starting', 'active', 'removing']);

export function presentClusterSummary(cluster: Cluster, members: ClusterMember[]) {
  const clouds: Record<string, number> = {};
  for (const m of members) if (m.state === 'active') clouds[m.cloud] = (clouds[m.cloud] ?? 0) + 1;
  const { userData, ...template } = cluster.template;
  return {
    id: cluster.id,
    name: cluster.name,
    status: cluster.status,
    desiredSize: cluster.desiredSize,
    actualSize: members.filter((m) => m.state === 'active').length,
    clouds,
    template: { ...template, userData: userData !== undefined },
    placement: cluster.placement,
    createdAt: cluster.createdAt,
    updatedAt: cluster.updatedAt,
    links: { self: clusterUrl(cluster.id) },
  };
}

/**
 * `answered`: members whose VM state is taken from what their create answered (the 201 after a
 * create); every other member's cloud is listed now. Each member says which and when.
 */
export async function presentCluster(cluster: Cluster, members: ClusterMember[], deps: { vms: VmService; tracker: Tracker }, answered = new Map<string, MemberObservation>()) {
  const shown = members.filter((m) => SHOWN.has(m.state));
  const clouds = [...new Set(shown.map((m) => m.cloud))];
  // A cloud listed anyway (a member of it without an answer) is the fresher word for all its members.
  const toList = new Set(shown.filter((m) => m.vmId && !answered.has(m.id)).map((m) => m.cloud));
  const seen = new Map<string, { vm: Vm; at: string; from: 'list' | 'create' }>();
  const records = new Map<string, TrackerRecord>();
  await Promise.all(
    clouds.map(async (name) => {
      // A cloud that cannot answer now leaves its members' live fields null, not the whole view failed.
      const [listed, tracked] = await Promise.all([
        toList.has(name) ? deps.vms.listVms(deps.vms.cloud(name)).catch(() => [] as Vm[]) : [],
        deps.tracker.listNodes(name, true).catch(() => [] as TrackerRecord[]),
      ]);
      const at = new Date().toISOString();
      for (const vm of listed) seen.set(`${name}\0${vm.id}`, { vm, at, from: 'list' });
      for (const r of tracked) records.set(`${name}\0${r.id_vm}`, r);
    }),
  );
  for (const m of shown) {
    const answer = answered.get(m.id);
    if (answer && m.vmId && !toList.has(m.cloud)) seen.set(`${m.cloud}\0${m.vmId}`, { ...answer, from: 'create' });
  }
  return {
    ...presentClusterSummary(cluster, members),
    members: shown.map((m) => {
      const observed = m.vmId ? seen.get(`${m.cloud}\0${m.vmId}`) : undefined;
      const vm = observed?.vm;
      const record = m.vmId ? records.get(`${m.cloud}\0${m.vmId}`) : undefined;
      return {
        name: m.name,
        cloud: m.cloud,
        vmId: m.vmId,
        state: m.state,
        vmState: vm?.state ?? null,
        publicIps: vm?.publicIps ?? [],
        privateIps: vm?.privateIps ?? [],
        vmStateFrom: observed?.from ?? null,
        vmStateAt: observed?.at ?? null,
        trackerStatus: record?.status_desc ?? null,
        createdAt: m.createdAt,
        startedAt: m.startedAt,
        links: m.vmId ? { vm: urls.vm(m.cloud, m.vmId) } : {},
      };
    }),
    failures: members.filter((m) => m.state === 'failed').map((m) => ({ name: m.name, cloud: m.cloud, error: m.error ?? 'failed', at: m.createdAt })),
  };
}
