// Nova servers, flavors and Glance images in the domain's vocabulary. Fields vary with the
// microversion (from 2.47 a server embeds its flavor without an id; from 2.69 a server in an
// unreachable cell has almost nothing), so every field is optional here.
import type { Image, Size, Vm } from '../../domain/vm-model.js';
import { novaState } from './openstack-state-map.js';

export interface NovaAddress {
  addr: string;
  version?: number;
  'OS-EXT-IPS:type'?: string;
}

export interface NovaServer {
  id: string;
  name?: string;
  status?: string;
  'OS-EXT-STS:task_state'?: string | null;
  'OS-EXT-STS:vm_state'?: string;
  'OS-EXT-STS:power_state'?: number;
  'OS-EXT-AZ:availability_zone'?: string;
  addresses?: Record<string, NovaAddress[]>;
  /** An object, or "" for a server booted from a volume. */
  image?: { id?: string } | string;
  flavor?: { id?: string; original_name?: string; ram?: number; vcpus?: number; disk?: number };
  created?: string;
  updated?: string;
  metadata?: Record<string, string>;
  fault?: { code?: number; message?: string; created?: string };
  key_name?: string | null;
  security_groups?: { name: string }[];
  tenant_id?: string;
  user_id?: string;
  hostId?: string;
  accessIPv4?: string;
  accessIPv6?: string;
}

export interface NovaFlavor {
  id: string;
  name: string;
  ram?: number;
  vcpus?: number;
  disk?: number;
  swap?: number | string;
  'OS-FLV-EXT-DATA:ephemeral'?: number;
  'os-flavor-access:is_public'?: boolean;
  'OS-FLV-DISABLED:disabled'?: boolean;
  description?: string | null;
}

/** A Glance v2 image, or one from Nova's image proxy (minDisk/minRam spelling). */
export interface OpenstackImage {
  id: string;
  name?: string | null;
  status?: string;
  visibility?: string;
  min_disk?: number;
  min_ram?: number;
  minDisk?: number;
  minRam?: number;
  size?: number | null;
  disk_format?: string;
  owner?: string;
  created_at?: string;
  created?: string;
}

export function serverToVm(server: NovaServer): Vm {
  const state = novaState(server.status, server['OS-EXT-STS:task_state']);
  const { publicIps, privateIps } = splitAddresses(server.addresses ?? {});
  const imageId = typeof server.image === 'object' && server.image?.id ? server.image.id : undefined;
  const sizeId = server.flavor?.id ?? server.flavor?.original_name;
  const vm: Vm = {
    id: server.id,
    name: server.name ?? '',
    state,
    publicIps,
    privateIps,
    imageId,
    sizeId,
    createdAt: server.created,
    metadata: { ...(server.metadata ?? {}) },
    extra: {
      status: server.status ?? null,
      taskState: server['OS-EXT-STS:task_state'] ?? null,
      vmState: server['OS-EXT-STS:vm_state'] ?? null,
      flavor: server.flavor ?? null,
      image: imageId ?? null,
      keyName: server.key_name ?? null,
      availabilityZone: server['OS-EXT-AZ:availability_zone'] ?? null,
      securityGroups: (server.security_groups ?? []).map((g) => g.name),
      tenantId: server.tenant_id ?? null,
      userId: server.user_id ?? null,
      hostId: server.hostId || null,
      updated: server.updated ?? null,
      accessIPv4: server.accessIPv4 || null,
      accessIPv6: server.accessIPv6 || null,
    },
  };
  if (server.fault?.message && state === 'error') vm.fault = server.fault.message;
  return vm;
}

export function flavorToSize(flavor: NovaFlavor): Size {
  return {
    id: flavor.id,
    name: flavor.name,
    ramMiB: count(flavor.ram),
    vcpus: count(flavor.vcpus),
    diskGiB: count(flavor.disk),
    extra: {
      ephemeralGiB: count(flavor['OS-FLV-EXT-DATA:ephemeral']),
      // Nova answers "" for no swap.
      swapMiB: count(typeof flavor.swap === 'string' ? Number(flavor.swap || 0) : flavor.swap),
      isPublic: flavor['os-flavor-access:is_public'] ?? null,
      disabled: flavor['OS-FLV-DISABLED:disabled'] ?? false,
      description: flavor.description ?? null,
    },
  };
}

export function toImage(image: OpenstackImage): Image {
  return {
    id: image.id,
    name: image.name ?? '',
    extra: {
      status: image.status ?? null,
      visibility: image.visibility ?? null,
      minDiskGiB: image.min_disk ?? image.minDisk ?? 0,
      minRamMiB: image.min_ram ?? image.minRam ?? 0,
      sizeBytes: image.size ?? null,
      diskFormat: image.disk_format ?? null,
      owner: image.owner ?? null,
      createdAt: image.created_at ?? image.created ?? null,
    },
  };
}

/** Floating IPs are public; a fixed IP is public when it is outside the private ranges (provider networks). */
export function splitAddresses(addresses: Record<string, NovaAddress[]>): { publicIps: string[]; privateIps: string[] } {
  const publicIps: string[] = [];
  const privateIps: string[] = [];
  for (const list of Object.values(addresses)) {
    for (const address of list ?? []) {
      const floating = address['OS-EXT-IPS:type'] === 'floating';
      const target = floating || !isPrivateAddress(address.addr) ? publicIps : privateIps;
      if (!target.includes(address.addr)) target.push(address.addr);
    }
  }
  return { publicIps, privateIps };
}

export function isPrivateAddress(ip: string): boolean {
  if (ip.includes(':')) {
    const lower = ip.toLowerCase();
    return lower === '::1' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower);
  }
  const [a, b] = ip.split('.').map(Number);
  return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
}

function count(value: number | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}
