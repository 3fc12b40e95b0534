// The v1 shapes: Node (with the SHA-1 uuid of "<id>:<provider>", as libcloud computed it),
// images, flavors, tenants, served clouds.
import { createHash } from 'node:crypto';
import { legacyStateCode, type Image, type Size, type Tenant, type Vm } from '../../domain/vm-model.js';
import type { CloudConnection } from '../../pool/cloud-connection.js';

export interface V1Node {
  name: string;
  uuid: string;
  id: string;
  provider: string;
  public_ips: string[];
  private_ips: string[];
  cloud_type: string;
  state: string | number;
  extra: Record<string, unknown>;
}

/** Per provider, at most this many uuids are remembered (about 8 MB), the oldest dropped first. */
const REMEMBERED_UUIDS = 50_000;
const uuids = new Map<string, Map<string, string>>();

/**
 * A VM's uuid never changes, and a SHA-1 per node was the largest cost of listing a cloud (GET
 * /nodes hashed every VM on every call), so each is computed once and remembered. Keyed by the id
 * itself (no concatenated key to build and hash on every lookup).
 */
export function nodeUuid(id: string, provider: string): string {
  let byId = uuids.get(provider);
  if (!byId) uuids.set(provider, (byId = new Map()));
  let uuid = byId.get(id);
  if (uuid === undefined) {
    uuid = createHash('sha1').update(`${id}:${provider}`).digest('hex');
    if (byId.size >= REMEMBERED_UUIDS) byId.delete(byId.keys().next().value as string);
    byId.set(id, uuid);
  }
  return uuid;
}

export function presentNode(vm: Vm, cloud: CloudConnection, integerStates: boolean): V1Node {
  // Copied then extended by plain stores: the same keys in the same order as a spread with extra
  // keys, several times faster, and a listing presents every VM of the cloud.
  const extra: Record<string, unknown> = Object.assign({}, vm.extra);
  extra.metadata = vm.metadata;
  if (vm.fault) extra.fault = vm.fault;
  return {
    name: vm.name,
    uuid: nodeUuid(vm.id, cloud.provider),
    id: vm.id,
    provider: cloud.provider,
    public_ips: vm.publicIps,
    private_ips: vm.privateIps,
    cloud_type: cloud.displayName,
    state: integerStates ? legacyStateCode(vm.state) : vm.state,
    extra,
  };
}

export function presentImage(image: Image, cloud: CloudConnection) {
  return { id: image.id, name: image.name, provider: cloud.provider, cloud_type: cloud.displayName };
}

export function presentFlavor(size: Size, cloud: CloudConnection) {
  return {
    id: size.id,
    name: size.name,
    ram: size.ramMiB,
    cpu: size.vcpus,
    disk: size.diskGiB,
    provider: cloud.provider,
    cloud_type: cloud.displayName,
  };
}

export function presentTenant(tenant: Tenant, cloud: CloudConnection) {
  return { id: tenant.id, name: tenant.name, provider: cloud.provider, cloud_type: cloud.displayName };
}

export function presentCloud(cloud: CloudConnection) {
  return { name: cloud.name, type: cloud.provider, host: cloud.driver.host };
}

/** The canned answers of emulate mode: documentation examples that run without a cloud. */
export const EMULATED = {
  assign: { status: 'ok', id_vm: '-fake_id-', id: 42, result: 'Node -fake_id- assigned' },
  release: { status: 'ok', id_vm: '-fake_id-', id: 42, result: 'Node -fake_id- released' },
  stop: { status: 'ok', result: 'Node -fake_id- deleted' },
};

export function emulatedNode(name: string, cloud: CloudConnection, integerStates: boolean): V1Node {
  return presentNode(
    { id: '-fake_id-', name, state: 'pending', publicIps: [], privateIps: [], metadata: {}, extra: { emulated: true } },
    cloud,
    integerStates,
  );
}
