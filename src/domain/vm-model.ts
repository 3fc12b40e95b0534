// The neutral vocabulary every driver translates into (after libcloud's Node/NodeImage/NodeSize).
// Nothing here knows about Express, an SDK or SQL.

export const VM_STATES = ['pending', 'running', 'stopping', 'stopped', 'rebooting', 'terminated', 'error', 'unknown'] as const;
export type VmState = (typeof VM_STATES)[number];

/** libcloud's integer NodeState codes, which the original v1 sent; `legacyStateCode` maps ours onto them. */
const LEGACY_STATE_CODES: Record<VmState, number> = {
  running: 0,
  rebooting: 1,
  terminated: 2,
  pending: 3,
  unknown: 4,
  // libcloud 0.x had no codes for these; it reported them as UNKNOWN (stopped) or PENDING (stopping).
  stopping: 3,
  stopped: 4,
  error: 4,
};

export function legacyStateCode(state: VmState): number {
  return LEGACY_STATE_CODES[state];
}

export interface Vm {
  id: string;
  name: string;
  state: VmState;
  publicIps: string[];
  privateIps: string[];
  imageId?: string;
  sizeId?: string;
  /** ISO-8601 time the cloud reports the VM was created/launched. */
  createdAt?: string;
  /** User metadata / tags (dispatcher ownership keys included). */
  metadata: Record<string, string>;
  /** The cloud's explanation when state is `error` (Nova's fault.message, EC2's state reason). */
  fault?: string;
  /** Provider-specific fields, passed through to clients as `extra`. */
  extra: Record<string, unknown>;
}

export const IMAGE_STATES = ['pending', 'available', 'failed'] as const;
export type ImageState = (typeof IMAGE_STATES)[number];

export interface Image {
  id: string;
  name: string;
  /** Where the cloud says: pending while an image saved from a VM is being written. */
  state?: ImageState;
  extra?: Record<string, unknown>;
}

/** What an image saved from a VM is called (capability `snapshot`). */
export interface SaveImageRequest {
  name: string;
  description?: string;
}

export interface Size {
  id: string;
  name: string;
  /** MiB */
  ramMiB: number;
  vcpus: number;
  /** GiB; 0 when the size has no local disk or the cloud does not say. */
  diskGiB: number;
  extra?: Record<string, unknown>;
}

export interface Tenant {
  id: string;
  name: string;
}

export interface KeyPair {
  name: string;
  fingerprint?: string;
}

export interface CreateVmRequest {
  name: string;
  imageId: string;
  sizeId: string;
  keyName?: string;
  metadata?: Record<string, string>;
  userData?: string;
  /**
   * Unique per logical create; drivers pass it to the cloud as an idempotency token where the
   * cloud has one (EC2 ClientToken) and record it as an ownership tag.
   */
  requestId: string;
}

export type Protocol = 'tcp' | 'udp' | 'icmp';

export interface PortRule {
  port: number;
  protocol: Protocol;
  cidr: string;
}

/** Tag/metadata keys a driver stamps on every VM it creates, so operators can tell ours apart. */
export const OWNERSHIP_KEYS = {
  cloud: 'dispatcher:cloud',
  requestId: 'dispatcher:request-id',
  createdAt: 'dispatcher:created-at',
} as const;

export function ownershipMetadata(cloud: string, requestId: string, now = new Date()): Record<string, string> {
  return {
    [OWNERSHIP_KEYS.cloud]: cloud,
    [OWNERSHIP_KEYS.requestId]: requestId,
    [OWNERSHIP_KEYS.createdAt]: now.toISOString(),
  };
}
