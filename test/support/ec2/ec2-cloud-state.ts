// What the EC2 test server knows: instances, images, instance types, key pairs and security
// groups of one account, with EC2's validation, filters, ClientToken idempotency and quotas.
import {
  ACCOUNT_ID,
  DEFAULT_IMAGES,
  DEFAULT_INSTANCE_TYPES,
  DEFAULT_KEY_PAIRS,
  DEFAULT_SUBNET,
  DEFAULT_VPC,
  ec2Id,
  settle,
  type Ec2StateName,
  type ServerImage,
  type ServerInstance,
  type ServerInstanceType,
  type ServerSecurityGroup,
  type Step,
} from './ec2-cloud-model.js';
import { Ec2ApiError, tagsOf, wildcardMatch, type QueryFilter, type QueryParams } from './ec2-query-parser.js';

export interface Ec2CloudOptions {
  /** Delay of each automatic state change (pending → running, stopping → stopped, …). */
  transitionDelayMs?: number;
  /** How long a failed launch stays shutting-down before it is terminated (default: one transition). */
  failedLaunchCleanupMs?: number;
  instanceLimit?: number;
  vcpuLimit?: number;
  images?: ServerImage[];
  instanceTypes?: ServerInstanceType[];
  keyPairs?: string[];
  /** Launch anew on a repeated ClientToken, as moto and some EC2-compatible clouds do. */
  ignoreClientToken?: boolean;
}

export interface StateChange {
  id: string;
  previous: Ec2StateName;
  current: Ec2StateName;
}

export class Ec2Cloud {
  readonly accountId = ACCOUNT_ID;
  readonly images: ServerImage[];
  readonly instanceTypes: ServerInstanceType[];
  readonly keyPairs: string[];
  readonly groups = new Map<string, ServerSecurityGroup>();
  private readonly instances = new Map<string, ServerInstance>();
  private readonly byClientToken = new Map<string, { reservationId: string; ids: string[]; signature: string }>();
  private readonly delayMs: number;
  private serial = 0;

  constructor(private readonly options: Ec2CloudOptions = {}) {
    this.delayMs = options.transitionDelayMs ?? 50;
    this.images = options.images ?? DEFAULT_IMAGES;
    this.instanceTypes = options.instanceTypes ?? DEFAULT_INSTANCE_TYPES;
    this.keyPairs = options.keyPairs ?? DEFAULT_KEY_PAIRS;
    for (const [id, name] of [['sg-0a1b2c3d4e5f60001', 'default'], ['sg-0a1b2c3d4e5f60002', 'web']]) {
      this.groups.set(id, { id, name, vpcId: DEFAULT_VPC, rules: new Set() });
    }
  }

  /** Running instances put in place directly, as if launched long ago (no calls counted). */
  seed(count: number, namePrefix = 'seeded'): ServerInstance[] {
    const out: ServerInstance[] = [];
    for (let i = 0; i < count; i++) {
      const instance = this.newInstance(ec2Id('r', ++this.serial), this.images[0].id, this.instanceTypes[0].type, {
        tags: { Name: `${namePrefix}-${i}` },
      });
      instance.steps = [{ at: 0, state: 'running' }];
      settle(instance, 0);
      out.push(instance);
    }
    return out;
  }

  instance(id: string): ServerInstance | undefined {
    const found = this.instances.get(id);
    if (found) settle(found, Date.now());
    return found;
  }

  /** Applies an instance's scheduled changes now (tests that must not race a timer). */
  finishTransitions(id: string): ServerInstance | undefined {
    const instance = this.instances.get(id);
    if (instance) settle(instance, Number.POSITIVE_INFINITY);
    return instance;
  }

  all(): ServerInstance[] {
    const now = Date.now();
    return [...this.instances.values()].map((i) => (settle(i, now), i));
  }

  describeInstances(ids: string[], filters: QueryFilter[]): ServerInstance[] {
    const chosen = ids.length > 0 ? ids.map((id) => this.known(id)) : this.all();
    return chosen.filter((i) => filters.every((f) => this.instanceMatches(i, f)));
  }

  runInstances(params: QueryParams): { reservationId: string; instances: ServerInstance[] } {
    const imageId = params.get('ImageId') ?? '';
    const type = params.get('InstanceType') ?? 'm1.small';
    const count = params.int('MaxCount') ?? 1;
    const token = this.options.ignoreClientToken ? undefined : params.get('ClientToken');
    const keyName = params.get('KeyName');
    const subnetId = params.get('SubnetId') ?? DEFAULT_SUBNET;
    const groupIds = params.list('SecurityGroupId');
    // EC2 compares the launch parameters of a repeated token; a different launch is refused.
    const signature = JSON.stringify([imageId, type, count, keyName, subnetId, groupIds]);
    if (token !== undefined && (token.length > 64 || !/^[\x20-\x7e]*$/.test(token))) {
      throw new Ec2ApiError('InvalidParameterValue', 'ClientToken must be at most 64 ASCII characters.');
    }
    const earlier = token ? this.byClientToken.get(token) : undefined;
    if (earlier) {
      if (earlier.signature !== signature) throw new Ec2ApiError('IdempotentParameterMismatch', `Client token ${token} was used with other parameters.`);
      return { reservationId: earlier.reservationId, instances: earlier.ids.map((id) => this.known(id)) };
    }
    if (!/^ami-[0-9a-f]{8,17}$/.test(imageId)) throw new Ec2ApiError('InvalidAMIID.Malformed', `Invalid id: "${imageId}" (expecting "ami-...")`);
    const image = this.images.find((i) => i.id === imageId);
    if (!image) throw new Ec2ApiError('InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`);
    const size = this.instanceTypes.find((t) => t.type === type);
    if (!size) throw new Ec2ApiError('InvalidParameterValue', `Invalid value '${type}' for InstanceType.`);
    if (keyName !== undefined && !this.keyPairs.includes(keyName)) throw new Ec2ApiError('InvalidKeyPair.NotFound', `The key pair '${keyName}' does not exist`);
    for (const g of groupIds) if (!this.groups.has(g)) throw new Ec2ApiError('InvalidGroup.NotFound', `The security group '${g}' does not exist`);
    const userData = params.get('UserData');
    if (userData !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(userData)) throw new Ec2ApiError('InvalidParameterValue', 'Invalid BASE64 encoding of user data.');
    this.checkQuota(count, size.vcpus);
    const tags = tagsOf(params, 'instance');
    const reservationId = ec2Id('r', ++this.serial);
    const instances: ServerInstance[] = [];
    for (let i = 0; i < count; i++) {
      const instance = this.newInstance(reservationId, imageId, type, { tags, keyName, subnetId, groupIds, clientToken: token });
      instance.userData = userData === undefined ? undefined : Buffer.from(userData, 'base64').toString('utf8');
      const now = Date.now();
      instance.steps = image.failBoot
        ? [
            { at: now + this.delayMs, state: 'shutting-down', reason: { code: 'Server.InternalError', message: 'Server.InternalError: Internal error on launch' } },
            { at: now + this.delayMs + (this.options.failedLaunchCleanupMs ?? this.delayMs), state: 'terminated' },
          ]
        : [{ at: now + this.delayMs, state: 'running' }];
      instances.push(instance);
    }
    if (token) this.byClientToken.set(token, { reservationId, ids: instances.map((i) => i.id), signature });
    return { reservationId, instances };
  }

  /** Terminate, stop, start or reboot, with EC2's rules about which states allow which. */
  change(action: 'terminate' | 'stop' | 'start' | 'reboot', ids: string[]): StateChange[] {
    const instances = ids.map((id) => this.known(id));
    const allowed: Record<typeof action, Ec2StateName[]> = {
      terminate: ['pending', 'running', 'shutting-down', 'terminated', 'stopping', 'stopped'],
      stop: ['pending', 'running', 'stopping', 'stopped'],
      start: ['pending', 'running', 'stopped'],
      reboot: ['running'],
    };
    for (const i of instances) {
      if (!allowed[action].includes(i.state)) {
        throw new Ec2ApiError('IncorrectInstanceState', `The instance '${i.id}' is not in a state from which it can be ${action}ed.`);
      }
    }
    return instances.map((i) => {
      const previous = i.state;
      const now = Date.now();
      const go = (via: Ec2StateName, to: Ec2StateName, code: string, message: string): void => {
        if (previous === to || previous === via) return;
        i.state = via;
        i.reason = { code, message };
        i.steps = [{ at: now + this.delayMs, state: to }];
      };
      if (action === 'terminate') go('shutting-down', 'terminated', 'Client.UserInitiatedShutdown', 'Client.UserInitiatedShutdown: User initiated shutdown');
      if (action === 'stop') go('stopping', 'stopped', 'Client.UserInitiatedShutdown', 'Client.UserInitiatedShutdown: User initiated shutdown');
      if (action === 'start' && previous === 'stopped') {
        i.state = 'pending';
        i.reason = undefined;
        i.steps = [{ at: now + this.delayMs, state: 'running' }];
      }
      return { id: i.id, previous, current: i.state };
    });
  }

  describeImages(ids: string[], owners: string[], filters: QueryFilter[]): ServerImage[] {
    for (const id of ids) if (!this.images.some((i) => i.id === id)) throw new Ec2ApiError('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
    const ownerIds = owners.map((o) => (o === 'self' ? this.accountId : o));
    return this.images.filter(
      (image) =>
        (ids.length === 0 || ids.includes(image.id)) &&
        (ownerIds.length === 0 || ownerIds.includes(image.ownerId) || (image.ownerAlias !== undefined && ownerIds.includes(image.ownerAlias))) &&
        (image.isPublic || image.ownerId === this.accountId) &&
        filters.every((f) => matches(f, imageField(image, f.name))),
    );
  }

  describeInstanceTypes(types: string[]): ServerInstanceType[] {
    for (const t of types) if (!this.instanceTypes.some((i) => i.type === t)) throw new Ec2ApiError('InvalidInstanceType', `The following supplied instance types do not exist: [${t}]`);
    return this.instanceTypes.filter((t) => types.length === 0 || types.includes(t.type));
  }

  group(id: string): ServerSecurityGroup {
    const group = this.groups.get(id);
    if (!group) throw new Ec2ApiError('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
    return group;
  }

  private known(id: string): ServerInstance {
    if (!/^i-[0-9a-f]{8,17}$/.test(id)) throw new Ec2ApiError('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
    const instance = this.instance(id);
    if (!instance) throw new Ec2ApiError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    return instance;
  }

  private checkQuota(count: number, vcpusEach: number): void {
    const live = this.all().filter((i) => i.state !== 'terminated' && i.state !== 'shutting-down');
    const { instanceLimit, vcpuLimit } = this.options;
    if (instanceLimit !== undefined && live.length + count > instanceLimit) {
      throw new Ec2ApiError('InstanceLimitExceeded', `You have requested more instances (${live.length + count}) than your current instance limit of ${instanceLimit} allows.`);
    }
    const vcpus = live.reduce((sum, i) => sum + (this.instanceTypes.find((t) => t.type === i.instanceType)?.vcpus ?? 0), 0);
    if (vcpuLimit !== undefined && vcpus + count * vcpusEach > vcpuLimit) {
      throw new Ec2ApiError('VcpuLimitExceeded', `You have requested more vCPU capacity than your current vCPU limit of ${vcpuLimit} allows.`);
    }
  }

  private newInstance(reservationId: string, imageId: string, instanceType: string, more: Partial<ServerInstance>): ServerInstance {
    const n = ++this.serial;
    const instance: ServerInstance = {
      id: ec2Id('i', n),
      reservationId,
      imageId,
      instanceType,
      subnetId: DEFAULT_SUBNET,
      vpcId: DEFAULT_VPC,
      groupIds: [],
      privateIp: `10.0.${(n >> 8) & 255}.${n & 255}`,
      launchTime: new Date(),
      tags: {},
      state: 'pending',
      steps: [] as Step[],
      ...more,
    };
    if (instance.groupIds.length === 0) instance.groupIds = ['sg-0a1b2c3d4e5f60001'];
    this.instances.set(instance.id, instance);
    return instance;
  }

  private instanceMatches(i: ServerInstance, f: QueryFilter): boolean {
    if (f.name.startsWith('tag:')) {
      const key = f.name.slice(4);
      return Object.hasOwn(i.tags, key) && matches(f, i.tags[key]);
    }
    const fields: Record<string, string | undefined> = {
      'instance-id': i.id,
      'instance-state-name': i.state,
      'instance-type': i.instanceType,
      'image-id': i.imageId,
      'key-name': i.keyName,
      'subnet-id': i.subnetId,
      'client-token': i.clientToken,
    };
    if (f.name === 'tag-key') return Object.keys(i.tags).some((k) => f.values.some((v) => wildcardMatch(v, k)));
    if (!Object.hasOwn(fields, f.name)) throw new Ec2ApiError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
    return matches(f, fields[f.name]);
  }
}

function matches(f: QueryFilter, value: string | undefined): boolean {
  return value !== undefined && f.values.some((v) => wildcardMatch(v, value));
}

function imageField(image: ServerImage, name: string): string | undefined {
  const fields: Record<string, string | undefined> = {
    'image-id': image.id,
    name: image.name,
    state: image.state ?? 'available',
    'owner-id': image.ownerId,
    'owner-alias': image.ownerAlias,
    'is-public': String(image.isPublic ?? false),
  };
  if (!Object.hasOwn(fields, name)) throw new Ec2ApiError('InvalidParameterValue', `The filter '${name}' is invalid`);
  return fields[name];
}
