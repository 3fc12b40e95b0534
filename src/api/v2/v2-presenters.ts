// Domain objects → v2 resources (camelCase, links as absolute paths).
import type { TrackerRecord } from '../../cistern/tracker.js';
import type { Image, KeyPair, Size, Vm } from '../../domain/vm-model.js';
import type { CloudConnection } from '../../pool/cloud-connection.js';
import type { Operation } from '../../store/operation-store.js';
import { CAPABILITIES } from '../../domain/capabilities.js';
import { V2_BASE } from './v2-context.js';

const enc = encodeURIComponent;

export const urls = {
  cloud: (cloud: string) => `${V2_BASE}/clouds/${enc(cloud)}`,
  vm: (cloud: string, id: string) => `${V2_BASE}/clouds/${enc(cloud)}/vms/${enc(id)}`,
  assignment: (id: string) => `${V2_BASE}/assignments/${enc(id)}`,
  operation: (id: string) => `${V2_BASE}/operations/${enc(id)}`,
};

/** `settings` are the pool's (the operator's overrides over the config): what a start would meet. */
export function presentCloud(cloud: CloudConnection, isDefault: boolean, settings: { enabled: boolean; aliases: readonly string[] }) {
  const self = urls.cloud(cloud.name);
  return {
    name: cloud.name,
    driver: cloud.provider,
    displayName: cloud.displayName,
    aliases: [...settings.aliases],
    enabled: settings.enabled,
    default: isDefault,
    capabilities: CAPABILITIES.filter((c) => cloud.has(c)),
    links: { self, vms: `${self}/vms`, images: `${self}/images`, sizes: `${self}/sizes`, keypairs: `${self}/keypairs` },
  };
}

export function presentVm(vm: Vm, cloud: string) {
  return {
    id: vm.id,
    cloud,
    name: vm.name,
    state: vm.state,
    publicIps: vm.publicIps,
    privateIps: vm.privateIps,
    ...(vm.imageId ? { imageId: vm.imageId } : {}),
    ...(vm.sizeId ? { sizeId: vm.sizeId } : {}),
    ...(vm.createdAt ? { createdAt: vm.createdAt } : {}),
    metadata: vm.metadata,
    ...(vm.fault ? { fault: vm.fault } : {}),
    extra: vm.extra,
    links: { self: urls.vm(cloud, vm.id) },
  };
}

export function presentImage(image: Image) {
  return { id: image.id, name: image.name, ...(image.state ? { state: image.state } : {}), ...(image.extra ? { extra: image.extra } : {}) };
}

export function presentSize(size: Size) {
  return { id: size.id, name: size.name, ramMiB: size.ramMiB, vcpus: size.vcpus, diskGiB: size.diskGiB, ...(size.extra ? { extra: size.extra } : {}) };
}

export function presentKeyPair(keyPair: KeyPair) {
  return { name: keyPair.name, ...(keyPair.fingerprint ? { fingerprint: keyPair.fingerprint } : {}) };
}

/** `<cloud>:<tracker id>`: tracker ids are per cloud (Cistern numbers each cloud's records on its own). */
export function assignmentId(cloud: string, trackerId: number): string {
  return `${cloud}:${trackerId}`;
}

/** The cloud and tracker id of an assignment id; the id is the part after the last colon. */
export function parseAssignmentId(id: string): { cloud: string; trackerId: number } | undefined {
  const at = id.lastIndexOf(':');
  const trackerId = Number(id.slice(at + 1));
  if (at <= 0 || !/^\d+$/.test(id.slice(at + 1)) || !Number.isSafeInteger(trackerId)) return undefined;
  return { cloud: id.slice(0, at), trackerId };
}

export function presentAssignment(record: TrackerRecord) {
  const id = assignmentId(record.cloud, record.id);
  return {
    id,
    cloud: record.cloud,
    trackerId: record.id,
    vmId: record.id_vm,
    hostname: record.hostname,
    status: record.status_desc,
    user: record.user || null,
    vmType: record.recipe || null,
    links: { self: urls.assignment(id), vm: urls.vm(record.cloud, record.id_vm) },
  };
}

export function presentOperation(op: Operation) {
  const target = op.cloud && op.target && op.kind !== 'vm.destroy' && op.kind !== 'vm.release' ? urls.vm(op.cloud, op.target) : undefined;
  const result = op.kind === 'vm.start' || op.kind === 'vm.destroy' ? presentResultVm(op.result, op.cloud) : op.result;
  const placement = (op.request as { placement?: unknown } | null)?.placement;
  return {
    id: op.id,
    kind: op.kind,
    state: op.state,
    cloud: op.cloud,
    target: op.target,
    ...(result !== null && result !== undefined ? { result } : {}),
    error: op.error,
    ...(placement ? { placement } : {}),
    steps: op.steps,
    createdAt: op.createdAt,
    updatedAt: op.updatedAt,
    finishedAt: op.finishedAt,
    links: { self: urls.operation(op.id), ...(target ? { target } : {}) },
  };
}

/** A VM stored as an operation's result is the domain object; show it as the v2 resource. */
function presentResultVm(result: unknown, cloud: string | null): unknown {
  if (!result || typeof result !== 'object' || !cloud || typeof (result as Vm).id !== 'string') return result;
  return presentVm(result as Vm, cloud);
}
