// The records the EC2 test server keeps, and the catalogue it starts with. State changes are
// computed lazily from timestamps (no timers), so a thousand instances cost nothing at rest.

export type Ec2StateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

export const STATE_CODES: Record<Ec2StateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface StateReason {
  code: string;
  message: string;
}

export interface Step {
  at: number;
  state: Ec2StateName;
  reason?: StateReason;
}

export interface ServerInstance {
  id: string;
  reservationId: string;
  imageId: string;
  instanceType: string;
  keyName?: string;
  subnetId: string;
  vpcId: string;
  groupIds: string[];
  privateIp: string;
  publicIp?: string;
  launchTime: Date;
  clientToken?: string;
  tags: Record<string, string>;
  userData?: string;
  state: Ec2StateName;
  reason?: StateReason;
  /** Scheduled changes, earliest first. */
  steps: Step[];
}

export interface ServerImage {
  id: string;
  name: string;
  ownerId: string;
  ownerAlias?: string;
  state?: 'available' | 'pending' | 'failed';
  isPublic?: boolean;
  /** Instances launched from it die during boot with a Server.InternalError state reason. */
  failBoot?: boolean;
  /** Saved by CreateImage: `pending` until this time. */
  availableAt?: number;
}

export interface ServerInstanceType {
  type: string;
  vcpus: number;
  memoryMiB: number;
  /** Local instance storage in GB; absent for EBS-only types. */
  storageGB?: number;
}

export interface ServerSecurityGroup {
  id: string;
  name: string;
  vpcId: string;
  /** Ingress rules as `protocol:from:to:cidr`. */
  rules: Set<string>;
}

export const ACCOUNT_ID = '123456789012';
export const AMAZON_ACCOUNT = '137112412989';
export const DEFAULT_VPC = 'vpc-0a1b2c3d4e5f60001';
export const DEFAULT_SUBNET = 'subnet-0a1b2c3d4e5f60001';

export const DEFAULT_IMAGES: ServerImage[] = [
  { id: 'ami-0a1b2c3d4e5f60001', name: 'ubuntu-24.04-dispatcher', ownerId: ACCOUNT_ID },
  { id: 'ami-0a1b2c3d4e5f60002', name: 'debian-12-dispatcher', ownerId: ACCOUNT_ID },
  { id: 'ami-0a1b2c3d4e5f60003', name: 'half-built', ownerId: ACCOUNT_ID, state: 'pending' },
  { id: 'ami-0a1b2c3d4e5f6dead', name: 'broken-boot', ownerId: ACCOUNT_ID, failBoot: true },
  { id: 'ami-0f0e0d0c0b0a00001', name: 'amzn2-ami-hvm', ownerId: AMAZON_ACCOUNT, ownerAlias: 'amazon', isPublic: true },
  { id: 'ami-0f0e0d0c0b0a00002', name: 'al2023-ami', ownerId: AMAZON_ACCOUNT, ownerAlias: 'amazon', isPublic: true },
];

export const DEFAULT_INSTANCE_TYPES: ServerInstanceType[] = [
  { type: 't3.micro', vcpus: 2, memoryMiB: 1024 },
  { type: 't3.small', vcpus: 2, memoryMiB: 2048 },
  { type: 'm5.large', vcpus: 2, memoryMiB: 8192 },
  { type: 'm5d.large', vcpus: 2, memoryMiB: 8192, storageGB: 75 },
  { type: 'c5.xlarge', vcpus: 4, memoryMiB: 8192 },
  { type: 'c5d.2xlarge', vcpus: 8, memoryMiB: 16384, storageGB: 200 },
  { type: 'r5.large', vcpus: 2, memoryMiB: 16384 },
];

export const DEFAULT_KEY_PAIRS = ['default', 'ops'];

/** Applies every step that is due. */
export function settle(instance: ServerInstance, now: number): void {
  while (instance.steps.length > 0 && instance.steps[0].at <= now) {
    const step = instance.steps.shift() as Step;
    instance.state = step.state;
    if (step.reason) instance.reason = step.reason;
    if (step.state === 'running' && !instance.publicIp) instance.publicIp = publicIpFor(instance.privateIp);
    if (step.state === 'stopped' || step.state === 'terminated') instance.publicIp = undefined;
  }
}

function publicIpFor(privateIp: string): string {
  const [, , c, d] = privateIp.split('.');
  return `198.51.${c}.${d}`;
}

/** Ids in EC2's own shape (`i-` and 17 hex digits), distinct per server. */
export function ec2Id(prefix: string, serial: number): string {
  return `${prefix}-0${serial.toString(16).padStart(16, '0')}`;
}
