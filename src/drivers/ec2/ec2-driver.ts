// Amazon EC2 (and EC2-compatible clouds) through @aws-sdk/client-ec2. Every lookup is one filtered
// call; every list follows NextToken to the end; every error goes through ec2Error once.
import type { EC2Client, Filter, Instance } from '@aws-sdk/client-ec2';
import { capabilitySet, type CapabilitySet } from '../../domain/capabilities.js';
import { DispatcherError, isDispatcherError, notFound } from '../../domain/errors.js';
import {
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
import { createEc2Client, ec2Host, loadEc2Sdk, type Ec2Sdk, type Ec2Sender } from './ec2-client.js';
import { ec2Error } from './ec2-errors.js';
import { ec2CreateImage, ec2DeleteImage, ec2GetImage } from './ec2-images.js';
import { recordToTags, toImage, toSize, toVm } from './ec2-mappers.js';
import { chunks, clientToken, escapeFilterValue, instancesOf, ipPermission, paginate } from './ec2-requests.js';
import type { Ec2Options } from './ec2-options.js';
import { LIVE_EC2_STATES } from './ec2-states.js';

export const EC2_CAPABILITIES: CapabilitySet = capabilitySet(
  'list', 'get', 'find-by-name', 'create', 'destroy', 'images', 'sizes', 'tenants', 'keypairs', 'firewall', 'reboot', 'power', 'snapshot',
);

const LIVE_FILTER: Filter = { Name: 'instance-state-name', Values: [...LIVE_EC2_STATES] };
/** How many request ids keep their ownership timestamp, so a repeated create sends identical tags. */
const REMEMBERED_REQUESTS = 1000;

export interface Ec2DriverDeps {
  /** A ready client (tests); the driver then neither builds nor destroys one. */
  client?: Ec2Sender;
  now?: () => number;
}

export class Ec2Driver implements Driver {
  readonly provider = 'ec2';
  readonly displayName = 'Amazon EC2';
  readonly host: string;
  readonly capabilities = EC2_CAPABILITIES;

  private readonly options: Ec2Options;
  private readonly cloudName: string;
  private readonly injected?: Ec2Sender;
  private readonly now: () => number;
  private owned?: EC2Client;
  private tenant?: Tenant;
  /** VMs just launched, answered by getVm while DescribeInstances may not know them yet. */
  private readonly launched = new Map<string, { vm: Vm; until: number }>();
  private readonly createdAt = new Map<string, Date>();

  constructor(context: DriverContext, deps: Ec2DriverDeps = {}) {
    this.options = context.options as unknown as Ec2Options;
    this.cloudName = context.cloudName;
    this.host = ec2Host(this.options);
    this.injected = deps.client;
    this.now = deps.now ?? Date.now;
  }

  // SigV4 signs every request: there is no session to open, so the first call is the check.
  async connect(): Promise<void> {
    this.client(await loadEc2Sdk());
  }

  /** A new client makes the default provider chain resolve credentials afresh. */
  async renewCredentials(): Promise<void> {
    this.dropClient();
    this.tenant = undefined;
  }

  async close(): Promise<void> {
    this.dropClient();
  }

  async listVms(options: { includeTerminated?: boolean } = {}): Promise<Vm[]> {
    const Filters = options.includeTerminated ? undefined : [LIVE_FILTER];
    const out: Vm[] = [];
    await paginate(
      (NextToken) => this.send((c, sdk) => c.send(new sdk.DescribeInstancesCommand({ Filters, MaxResults: this.options.pageSize, NextToken }))),
      (page) => {
        // Also filtered here: EC2-compatible clouds do not all honour instance-state-name.
        for (const vm of instancesOf(page.Reservations).map((i) => toVm(i))) {
          if (options.includeTerminated || vm.state !== 'terminated') out.push(vm);
        }
      },
    );
    return out;
  }

  async getVm(id: string): Promise<Vm | null> {
    const instance = await this.describeOne(id);
    if (!instance) {
      const recent = this.launched.get(id);
      if (recent && this.now() < recent.until) return { ...recent.vm };
      this.launched.delete(id);
      return null;
    }
    this.launched.delete(id);
    const vm = toVm(instance);
    return vm.state === 'terminated' ? null : vm;
  }

  // TODO(ledger-drivers): replaced by the real lookup on branch ledger-drivers before landing.
  async findVmByRequestId(requestId: string): Promise<Vm | null> {
    throw new DispatcherError('not-implemented', `findVmByRequestId ${requestId}: not yet`, { code: 'NotYet' });
  }

  async findVmByName(name: string): Promise<Vm | null> {
    // No MaxResults: EC2 then answers every match at once. NextToken is followed only when a
    // compatible cloud pages anyway and the first page held no exact match.
    const Filters = [{ Name: 'tag:Name', Values: [escapeFilterValue(name)] }, LIVE_FILTER];
    let found: Vm | null = null;
    await paginate(
      (NextToken) => this.send((c, sdk) => c.send(new sdk.DescribeInstancesCommand({ Filters, NextToken }))),
      (page) => {
        const match = instancesOf(page.Reservations).map((i) => toVm(i)).find((vm) => vm.name === name && vm.state !== 'terminated');
        found ??= match ?? null;
        return found !== null;
      },
    );
    return found;
  }

  async createVm(request: CreateVmRequest): Promise<Vm> {
    const tags = {
      ...request.metadata,
      ...ownershipMetadata(this.cloudName, request.requestId, this.createdAtOf(request.requestId)),
      Name: request.name,
    };
    const reservation = await this.send((c, sdk) =>
      c.send(
        new sdk.RunInstancesCommand({
          ImageId: request.imageId,
          InstanceType: request.sizeId as never,
          MinCount: 1,
          MaxCount: 1,
          // EC2 answers a repeated token with the first launch's reservation: a retried create,
          // by the SDK or by the service, never makes a second VM.
          ClientToken: clientToken(request.requestId),
          KeyName: request.keyName,
          UserData: request.userData === undefined ? undefined : Buffer.from(request.userData, 'utf8').toString('base64'),
          SubnetId: this.options.subnetId,
          SecurityGroupIds: this.options.securityGroupIds,
          TagSpecifications: [{ ResourceType: 'instance', Tags: recordToTags(tags) }],
        }),
      ),
    );
    const instance = reservation.Instances?.[0];
    if (!instance?.InstanceId) throw new DispatcherError('provider-fault', 'EC2 RunInstances answered no instance', { code: 'EmptyReservation' });
    const vm = toVm(instance, tags);
    const now = this.now();
    for (const [id, entry] of this.launched) if (entry.until <= now) this.launched.delete(id);
    this.launched.set(vm.id, { vm, until: now + this.options.consistencyWindowMs });
    return vm;
  }

  async destroyVm(id: string): Promise<void> {
    this.launched.delete(id);
    await this.send((c, sdk) => c.send(new sdk.TerminateInstancesCommand({ InstanceIds: [id] })));
  }

  async rebootVm(id: string): Promise<void> {
    await this.send((c, sdk) => c.send(new sdk.RebootInstancesCommand({ InstanceIds: [id] })));
  }

  async stopVm(id: string): Promise<void> {
    await this.send((c, sdk) => c.send(new sdk.StopInstancesCommand({ InstanceIds: [id] })));
  }

  async startVm(id: string): Promise<void> {
    await this.send((c, sdk) => c.send(new sdk.StartInstancesCommand({ InstanceIds: [id] })));
  }

  async listImages(): Promise<Image[]> {
    const Owners = this.options.imageOwners;
    const Filters = this.options.imageFilters.map((f) => ({ Name: f.name, Values: f.values }));
    const out: Image[] = [];
    await paginate(
      (NextToken) => this.send((c, sdk) => c.send(new sdk.DescribeImagesCommand({ Owners, Filters, MaxResults: this.options.pageSize, NextToken }))),
      (page) => void out.push(...(page.Images ?? []).map(toImage)),
    );
    return out;
  }

  createImage(vmId: string, request: SaveImageRequest): Promise<Image> {
    return ec2CreateImage((call) => this.send(call), this.cloudName, vmId, request);
  }

  getImage(imageId: string): Promise<Image | null> {
    return ec2GetImage((call) => this.send(call), imageId);
  }

  deleteImage(imageId: string): Promise<void> {
    return ec2DeleteImage((call) => this.send(call), imageId);
  }

  /** Not cached here: the service's catalogue cache already keeps images and sizes per cloud. */
  async listSizes(): Promise<Size[]> {
    const wanted = this.options.instanceTypes;
    const out: Size[] = [];
    // DescribeInstanceTypes takes at most 100 names per call.
    for (const chunk of wanted ? chunks(wanted, 100) : [undefined]) {
      await paginate(
        (NextToken) =>
          this.send((c, sdk) => c.send(new sdk.DescribeInstanceTypesCommand({ InstanceTypes: chunk as never, MaxResults: 100, NextToken }))),
        (page) => void out.push(...(page.InstanceTypes ?? []).map(toSize)),
      );
    }
    const order = new Map(wanted?.map((t, i) => [t, i]));
    out.sort(wanted ? (a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0) : (a, b) => a.vcpus - b.vcpus || a.ramMiB - b.ramMiB || a.id.localeCompare(b.id));
    return out;
  }

  /** The account the credentials act for, read off its security groups (every VPC has one): no STS needed. */
  async listTenants(): Promise<Tenant[]> {
    if (!this.tenant) {
      const groups = await this.send((c, sdk) => c.send(new sdk.DescribeSecurityGroupsCommand({ MaxResults: 5 })));
      let owner = groups.SecurityGroups?.find((g) => g.OwnerId)?.OwnerId;
      if (!owner) {
        const page = await this.send((c, sdk) => c.send(new sdk.DescribeInstancesCommand({ MaxResults: 5 })));
        owner = page.Reservations?.find((r) => r.OwnerId)?.OwnerId;
      }
      if (!owner) return [];
      this.tenant = { id: owner, name: owner };
    }
    return [{ ...this.tenant }];
  }

  async listKeyPairs(): Promise<KeyPair[]> {
    const answer = await this.send((c, sdk) => c.send(new sdk.DescribeKeyPairsCommand({})));
    return (answer.KeyPairs ?? []).map((k) => ({ name: k.KeyName ?? '', fingerprint: k.KeyFingerprint }));
  }

  async openPort(vmId: string, rule: PortRule): Promise<void> {
    const GroupId = await this.firstSecurityGroup(vmId);
    try {
      await this.send((c, sdk) => c.send(new sdk.AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [ipPermission(rule)] })));
    } catch (err) {
      if (isDispatcherError(err) && err.code === 'InvalidPermission.Duplicate') return;
      throw err;
    }
  }

  async closePort(vmId: string, rule: PortRule): Promise<void> {
    const GroupId = await this.firstSecurityGroup(vmId);
    try {
      // Newer EC2 answers an absent rule with `unknownIpPermissionSet` instead of an error: both are success.
      await this.send((c, sdk) => c.send(new sdk.RevokeSecurityGroupIngressCommand({ GroupId, IpPermissions: [ipPermission(rule)] })));
    } catch (err) {
      if (isDispatcherError(err) && err.code === 'InvalidPermission.NotFound') return;
      throw err;
    }
  }

  private async firstSecurityGroup(vmId: string): Promise<string> {
    // Unlike getVm, an unknown id is an error here: let EC2's InvalidInstanceID.NotFound through.
    const page = await this.send((c, sdk) => c.send(new sdk.DescribeInstancesCommand({ InstanceIds: [vmId] })));
    const instance = instancesOf(page.Reservations).find((i) => i.InstanceId === vmId);
    if (!instance || instance.State?.Name === 'terminated') throw notFound('vm', vmId);
    const group = instance.SecurityGroups?.find((g) => g.GroupId)?.GroupId;
    if (!group) throw new DispatcherError('conflict', `vm ${vmId} has no security group`, { subject: 'vm', code: 'NoSecurityGroup' });
    return group;
  }

  /** One DescribeInstances by id; undefined when EC2 does not know it. */
  private async describeOne(id: string): Promise<Instance | undefined> {
    try {
      const page = await this.send((c, sdk) => c.send(new sdk.DescribeInstancesCommand({ InstanceIds: [id] })));
      return instancesOf(page.Reservations).find((i) => i.InstanceId === id);
    } catch (err) {
      if (isDispatcherError(err) && err.code === 'InvalidInstanceID.NotFound') return undefined;
      throw err;
    }
  }

  private async send<T>(call: (client: Ec2Sender, sdk: Ec2Sdk) => Promise<T>): Promise<T> {
    const sdk = await loadEc2Sdk();
    try {
      return await call(this.client(sdk), sdk);
    } catch (err) {
      throw ec2Error(err);
    }
  }

  private client(sdk: Ec2Sdk): Ec2Sender {
    if (this.injected) return this.injected;
    this.owned ??= createEc2Client(sdk, this.options);
    return this.owned;
  }

  private dropClient(): void {
    this.owned?.destroy();
    this.owned = undefined;
  }

  private createdAtOf(requestId: string): Date {
    let at = this.createdAt.get(requestId);
    if (!at) {
      at = new Date(this.now());
      this.createdAt.set(requestId, at);
      if (this.createdAt.size > REMEMBERED_REQUESTS) this.createdAt.delete(this.createdAt.keys().next().value as string);
    }
    return at;
  }
}
