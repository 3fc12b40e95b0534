// Amazon EC2 (and EC2-compatible clouds) through @aws-sdk/client-ec2. Every lookup is one filtered
// call; every list follows NextToken to the end; every error goes through ec2Error once.
import type { Filter, Instance } from '@aws-sdk/client-ec2';
import { ALL_CAPABILITIES } from '../../domain/capabilities.js';
import { DispatcherError, isDispatcherError, notFound } from '../../domain/errors.js';
import {
  OWNERSHIP_KEYS,
  ownershipMetadata,
  type CreateVmRequest,
  type Image,
  type KeyPair,
  type PortRule,
  type SaveImageRequest,
  type Size,
  type Tenant,
  type Vm,
} from '../../domain/vm-model.js';
import type { Driver, DriverContext } from '../driver.js';
import { ec2Host, Ec2Transport, type Ec2Sdk, type Ec2Sender } from './ec2-client.js';
import { Ec2Launches } from './ec2-launches.js';
import { ec2CreateImage, ec2DeleteImage, ec2GetImage } from './ec2-images.js';
import { recordToTags, toImage, toSize, toVm } from './ec2-mappers.js';
import { chunks, clientToken, escapeFilterValue, instancesOf, ipPermission, paginate } from './ec2-requests.js';
import type { Ec2Options } from './ec2-options.js';
import { LIVE_EC2_STATES } from './ec2-states.js';

const LIVE_FILTER: Filter = { Name: 'instance-state-name', Values: [...LIVE_EC2_STATES] };

export interface Ec2DriverDeps {
  /** A ready client (tests); the driver then neither builds nor destroys one. */
  client?: Ec2Sender;
  now?: () => number;
}

export class Ec2Driver implements Driver {
  readonly provider = 'ec2';
  readonly displayName = 'Amazon EC2';
  readonly host: string;
  readonly capabilities = ALL_CAPABILITIES;

  private readonly options: Ec2Options;
  private readonly cloudName: string;
  private readonly now: () => number;
  private readonly transport: Ec2Transport;
  private tenant?: Tenant;
  private readonly launches: Ec2Launches;

  constructor(context: DriverContext<Ec2Options>, deps: Ec2DriverDeps = {}) {
    this.options = context.options;
    this.cloudName = context.cloudName;
    this.host = ec2Host(this.options);
    this.transport = new Ec2Transport(this.options, deps.client);
    this.now = deps.now ?? Date.now;
    this.launches = new Ec2Launches(this.options.consistencyWindowMs, this.now);
  }

  // SigV4 signs every request: there is no session to open, so the first call is the check.
  async connect(): Promise<void> {
    await this.transport.open();
  }

  /** A new client makes the default provider chain resolve credentials afresh. */
  async renewCredentials(): Promise<void> {
    this.transport.drop();
    this.tenant = undefined;
  }

  async close(): Promise<void> {
    this.transport.drop();
  }

  async listVms(options: { includeTerminated?: boolean } = {}, signal?: AbortSignal): Promise<Vm[]> {
    const Filters = options.includeTerminated ? undefined : [LIVE_FILTER];
    const out: Vm[] = [];
    await paginate(
      (NextToken) => this.transport.send(signal, (c, sdk) => c.send(new sdk.DescribeInstancesCommand({ Filters, MaxResults: this.options.pageSize, NextToken }))),
      (page) => {
        // Also filtered here: EC2-compatible clouds do not all honour instance-state-name.
        for (const vm of instancesOf(page.Reservations).map((i) => toVm(i))) {
          if (options.includeTerminated || vm.state !== 'terminated') out.push(vm);
        }
      },
    );
    return out;
  }

  async getVm(id: string, signal?: AbortSignal): Promise<Vm | null> {
    const instance = await this.describeOne(id, signal);
    if (!instance) {
      return this.launches.recent(id) ?? null;
    }
    this.launches.forget(id);
    const vm = toVm(instance);
    return vm.state === 'terminated' ? null : vm;
  }

  async findVmByName(name: string, signal?: AbortSignal): Promise<Vm | null> {
    return this.findOne([{ Name: 'tag:Name', Values: [escapeFilterValue(name)] }, LIVE_FILTER], (vm) => vm.name === name, signal);
  }

  /**
   * One DescribeInstances on the ownership tag (never ClientToken: moto and some EC2-compatible
   * clouds ignore it). EC2 is eventually consistent, so within consistencyWindowMs of a create
   * this driver sent and got no answer to, "none" is not yet an answer: it throws `unavailable`.
   */
  async findVmByRequestId(requestId: string, signal?: AbortSignal): Promise<Vm | null> {
    const key = OWNERSHIP_KEYS.requestId;
    const filters = [{ Name: `tag:${key}`, Values: [escapeFilterValue(requestId)] }, LIVE_FILTER];
    const found = await this.findOne(filters, (vm) => vm.metadata[key] === requestId, signal);
    if (found) return found;
    const recent = this.launches.recentByRequestId(requestId);
    if (recent) return recent;
    this.launches.checkAbsenceSettled(requestId);
    return null;
  }

  async createVm(request: CreateVmRequest, signal?: AbortSignal): Promise<Vm> {
    const tags = {
      ...request.metadata,
      ...ownershipMetadata(this.cloudName, request.requestId, this.launches.tagTime(request.requestId)),
      Name: request.name,
    };
    const sentAt = this.now();
    const send = this.transport.send(signal, (c, sdk) =>
      c.send(
        new sdk.RunInstancesCommand({
          ImageId: request.imageId,
          InstanceType: request.sizeId as never,
          MinCount: 1,
          MaxCount: 1,
          // EC2 answers a repeated token with the first launch's reservation: a retried create,
          // by the SDK or by the service, never makes a second VM (on AWS; moto ignores it).
          ClientToken: clientToken(request.requestId),
          KeyName: request.keyName,
          UserData: request.userData === undefined ? undefined : Buffer.from(request.userData, 'utf8').toString('base64'),
          SubnetId: this.options.subnetId,
          SecurityGroupIds: this.options.securityGroupIds,
          TagSpecifications: [{ ResourceType: 'instance', Tags: recordToTags(tags) }],
        }),
      ),
    );
    const reservation = await send.catch((err: unknown) => this.launches.failed(request.requestId, err, sentAt));
    const instance = reservation.Instances?.[0];
    if (!instance?.InstanceId) throw new DispatcherError('provider-fault', 'EC2 RunInstances answered no instance', { code: 'EmptyReservation' });
    const vm = toVm(instance, tags);
    this.launches.answered(vm, request.requestId);
    return vm;
  }

  async destroyVm(id: string, signal?: AbortSignal): Promise<void> {
    this.launches.forget(id);
    await this.transport.send(signal, (c, sdk) => c.send(new sdk.TerminateInstancesCommand({ InstanceIds: [id] })));
  }

  async rebootVm(id: string, signal?: AbortSignal): Promise<void> {
    await this.transport.send(signal, (c, sdk) => c.send(new sdk.RebootInstancesCommand({ InstanceIds: [id] })));
  }

  async stopVm(id: string, signal?: AbortSignal): Promise<void> {
    await this.transport.send(signal, (c, sdk) => c.send(new sdk.StopInstancesCommand({ InstanceIds: [id] })));
  }

  async startVm(id: string, signal?: AbortSignal): Promise<void> {
    await this.transport.send(signal, (c, sdk) => c.send(new sdk.StartInstancesCommand({ InstanceIds: [id] })));
  }

  async listImages(signal?: AbortSignal): Promise<Image[]> {
    const Owners = this.options.imageOwners;
    const Filters = this.options.imageFilters.map((f) => ({ Name: f.name, Values: f.values }));
    const out: Image[] = [];
    await paginate(
      (NextToken) => this.transport.send(signal, (c, sdk) => c.send(new sdk.DescribeImagesCommand({ Owners, Filters, MaxResults: this.options.pageSize, NextToken }))),
      (page) => void out.push(...(page.Images ?? []).map(toImage)),
    );
    return out;
  }

  createImage(vmId: string, request: SaveImageRequest, signal?: AbortSignal): Promise<Image> {
    return ec2CreateImage((call) => this.transport.send(signal, call), this.cloudName, vmId, request);
  }

  getImage(imageId: string, signal?: AbortSignal): Promise<Image | null> {
    return ec2GetImage((call) => this.transport.send(signal, call), imageId);
  }

  deleteImage(imageId: string, signal?: AbortSignal): Promise<void> {
    return ec2DeleteImage((call) => this.transport.send(signal, call), imageId);
  }

  /** Not cached here: the service's catalogue cache already keeps images and sizes per cloud. */
  async listSizes(signal?: AbortSignal): Promise<Size[]> {
    const wanted = this.options.instanceTypes;
    const out: Size[] = [];
    // DescribeInstanceTypes takes at most 100 names per call.
    for (const chunk of wanted ? chunks(wanted, 100) : [undefined]) {
      await paginate(
        (NextToken) =>
          this.transport.send(signal, (c, sdk) => c.send(new sdk.DescribeInstanceTypesCommand({ InstanceTypes: chunk as never, MaxResults: 100, NextToken }))),
        (page) => void out.push(...(page.InstanceTypes ?? []).map(toSize)),
      );
    }
    const order = new Map(wanted?.map((t, i) => [t, i]));
    out.sort(wanted ? (a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0) : (a, b) => a.vcpus - b.vcpus || a.ramMiB - b.ramMiB || a.id.localeCompare(b.id));
    return out;
  }

  /** The account the credentials act for, read off its security groups (every VPC has one): no STS needed. */
  async listTenants(signal?: AbortSignal): Promise<Tenant[]> {
    if (!this.tenant) {
      const groups = await this.transport.send(signal, (c, sdk) => c.send(new sdk.DescribeSecurityGroupsCommand({ MaxResults: 5 })));
      let owner = groups.SecurityGroups?.find((g) => g.OwnerId)?.OwnerId;
      if (!owner) {
        const page = await this.transport.send(signal, (c, sdk) => c.send(new sdk.DescribeInstancesCommand({ MaxResults: 5 })));
        owner = page.Reservations?.find((r) => r.OwnerId)?.OwnerId;
      }
      if (!owner) return [];
      this.tenant = { id: owner, name: owner };
    }
    return [{ ...this.tenant }];
  }

  async listKeyPairs(signal?: AbortSignal): Promise<KeyPair[]> {
    const answer = await this.transport.send(signal, (c, sdk) => c.send(new sdk.DescribeKeyPairsCommand({})));
    return (answer.KeyPairs ?? []).map((k) => ({ name: k.KeyName ?? '', fingerprint: k.KeyFingerprint }));
  }

  openPort(vmId: string, rule: PortRule, signal?: AbortSignal): Promise<void> {
    return this.changeIngress(vmId, signal, 'InvalidPermission.Duplicate', (c, sdk, GroupId) =>
      c.send(new sdk.AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [ipPermission(rule)] })),
    );
  }

  closePort(vmId: string, rule: PortRule, signal?: AbortSignal): Promise<void> {
    // Newer EC2 answers an absent rule with `unknownIpPermissionSet` instead of an error: both are success.
    return this.changeIngress(vmId, signal, 'InvalidPermission.NotFound', (c, sdk, GroupId) =>
      c.send(new sdk.RevokeSecurityGroupIngressCommand({ GroupId, IpPermissions: [ipPermission(rule)] })),
    );
  }

  /** One rule change on the VM's first security group; `alreadyDone` (the rule is, or is not, there) is success. */
  private async changeIngress(
    vmId: string,
    signal: AbortSignal | undefined,
    alreadyDone: string,
    change: (client: Ec2Sender, sdk: Ec2Sdk, groupId: string) => Promise<unknown>,
  ): Promise<void> {
    const groupId = await this.firstSecurityGroup(vmId, signal);
    try {
      await this.transport.send(signal, (c, sdk) => change(c, sdk, groupId));
    } catch (err) {
      if (isDispatcherError(err) && err.code === alreadyDone) return;
      throw err;
    }
  }


  private async firstSecurityGroup(vmId: string, signal?: AbortSignal): Promise<string> {
    // Unlike getVm, an unknown id is an error here: let EC2's InvalidInstanceID.NotFound through.
    const page = await this.transport.send(signal, (c, sdk) => c.send(new sdk.DescribeInstancesCommand({ InstanceIds: [vmId] })));
    const instance = instancesOf(page.Reservations).find((i) => i.InstanceId === vmId);
    if (!instance || instance.State?.Name === 'terminated') throw notFound('vm', vmId);
    const group = instance.SecurityGroups?.find((g) => g.GroupId)?.GroupId;
    if (!group) throw new DispatcherError('conflict', `vm ${vmId} has no security group`, { subject: 'vm', code: 'NoSecurityGroup' });
    return group;
  }

  /**
   * The first live instance the filters find that `matches` also accepts (a compatible cloud may
   * ignore a filter). No MaxResults: EC2 then answers every match at once; NextToken is followed
   * only when a compatible cloud pages anyway and the first page held no match.
   */
  private async findOne(Filters: Filter[], matches: (vm: Vm) => boolean, signal: AbortSignal | undefined): Promise<Vm | null> {
    let found: Vm | null = null;
    await paginate(
      (NextToken) => this.transport.send(signal, (c, sdk) => c.send(new sdk.DescribeInstancesCommand({ Filters, NextToken }))),
      (page) => {
        found ??= instancesOf(page.Reservations).map((i) => toVm(i)).find((vm) => vm.state !== 'terminated' && matches(vm)) ?? null;
        return found !== null;
      },
    );
    return found;
  }

  /** One DescribeInstances by id; undefined when EC2 does not know it. */
  private async describeOne(id: string, signal?: AbortSignal): Promise<Instance | undefined> {
    try {
      const page = await this.transport.send(signal, (c, sdk) => c.send(new sdk.DescribeInstancesCommand({ InstanceIds: [id] })));
      return instancesOf(page.Reservations).find((i) => i.InstanceId === id);
    } catch (err) {
      if (isDispatcherError(err) && err.code === 'InvalidInstanceID.NotFound') return undefined;
      throw err;
    }
  }
}
