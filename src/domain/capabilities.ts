// Capabilities are data: each driver declares what it can do, the API checks before calling the
// cloud (501 when missing) and shows the list to clients (libcloud `features`, Deltacloud).

export const CAPABILITIES = [
  'list',
  'get',
  'find-by-name',
  'create',
  'destroy',
  'images',
  'sizes',
  'tenants',
  'keypairs',
  'firewall',
  'reboot',
  'power',
  'snapshot',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export type CapabilitySet = ReadonlySet<Capability>;

export function capabilitySet(...caps: Capability[]): CapabilitySet {
  return new Set(caps);
}

/** A driver that can do everything the API offers (EC2, OpenStack, the fake by default). */
export const ALL_CAPABILITIES: CapabilitySet = capabilitySet(...CAPABILITIES);
