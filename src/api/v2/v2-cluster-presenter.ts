// Clusters → v2 resources: docklet's info fields in our vocabulary. The detail view asks each
// member cloud once for its VMs and the tracker once per cloud, never once per member.
import type { Tracker, TrackerRecord } from '../../cistern/tracker.js';
import type { Vm } from '../../domain/vm-model.js';
import type { Cluster, ClusterMember } from '../../store/cluster-store.js';
import type { VmService } from '../../services/vm-service.js';
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

export async function presentCluster(cluster: Cluster, members: ClusterMember[], deps: { vms: VmService; tracker: Tracker }) {
  const shown = members.filter((m) => SHOWN.has(m.state));
  const clouds = [...new Set(shown.map((m) => m.cloud))];
  const vms = new Map<string, Vm>();
  const records = new Map<string, TrackerRecord>();
  await Promise.all(
    clouds.map(async (name) => {
      // A cloud that cannot answer now leaves its members' live fields null, not the whole view failed.
      const [listed, tracked] = await Promise.all([
        deps.vms.listVms(deps.vms.cloud(name)).catch(() => [] as Vm[]),
        deps.tracker.listNodes(name, true).catch(() => [] as TrackerRecord[]),
      ]);
      for (const vm of listed) vms.set(`${name}\0${vm.id}`, vm);
      for (const r of tracked) records.set(`${name}\0${r.id_vm}`, r);
    }),
  );
  return {
    ...presentClusterSummary(cluster, members),
    members: shown.map((m) => {
      const vm = m.vmId ? vms.get(`${m.cloud}\0${m.vmId}`) : undefined;
      const record = m.vmId ? records.get(`${m.cloud}\0${m.vmId}`) : undefined;
      return {
        name: m.name,
        cloud: m.cloud,
        vmId: m.vmId,
        state: m.state,
        vmState: vm?.state ?? null,
        publicIps: vm?.publicIps ?? [],
        privateIps: vm?.privateIps ?? [],
        trackerStatus: record?.status_desc ?? null,
        createdAt: m.createdAt,
        startedAt: m.startedAt,
        links: m.vmId ? { vm: urls.vm(m.cloud, m.vmId) } : {},
      };
    }),
    failures: members.filter((m) => m.state === 'failed').map((m) => ({ name: m.name, cloud: m.cloud, error: m.error ?? 'failed', at: m.createdAt })),
  };
}
