// OpenStack spoken natively over one keep-alive HTTP client: Keystone v3 for the token and the
// catalog, Nova for servers, flavors and key pairs, Glance for images, Neutron for firewall rules.
import { ALL_CAPABILITIES } from '../../domain/capabilities.js';
import { DispatcherError } from '../../domain/errors.js';
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
import { KeystoneAuth } from './openstack-auth.js';
import { hostOf } from './openstack-catalog.js';
import { GlanceApi } from './openstack-glance.js';
import { OpenstackImages } from './openstack-images.js';
import { createAxiosHttpClient, type HttpClient } from './openstack-http.js';
import { NeutronApi } from './openstack-neutron.js';
import { NovaApi } from './openstack-nova.js';
import type { OpenstackOptions } from './openstack-options.js';
import { OpenstackSession } from './openstack-session.js';
import { flavorToSize, serverToVm, toImage } from './openstack-vm-mapper.js';

export class OpenstackDriver implements Driver {
  readonly provider = 'openstack';
  readonly displayName = 'OpenStack';
  readonly host: string;
  readonly capabilities = ALL_CAPABILITIES;
  readonly auth: KeystoneAuth;
  readonly session: OpenstackSession;

  private readonly cloudName: string;
  private readonly http: HttpClient;
  private readonly nova: NovaApi;
  private readonly glance: GlanceApi;
  private readonly neutron: NeutronApi;
  private readonly images: OpenstackImages;

  /** `http` replaces the axios client (tests, or a client with custom TLS). */
  constructor(context: DriverContext<OpenstackOptions>, http?: HttpClient) {
    const options = context.options;
    this.cloudName = context.cloudName;
    this.host = hostOf(options.authUrl);
    this.http = http ?? createAxiosHttpClient({ timeoutMs: options.requestTimeoutMs });
    this.auth = new KeystoneAuth(this.http, options);
    this.session = new OpenstackSession(this.http, this.auth, options, context.logger);
    this.nova = new NovaApi(this.session, options, context.logger);
    this.glance = new GlanceApi(this.session, options.pageSize);
    this.neutron = new NeutronApi(this.session, context.logger);
    this.images = new OpenstackImages(this.session, async () => (await this.nova.microversions()).chosen);
  }

  async connect(): Promise<void> {
    await this.auth.current();
    await this.nova.microversions();
  }

  /**
   * The session forgot the refused token when the 401 came, so this fetches the next one, or
   * waits for the fetch another call started: a burst of calls meeting one revoked token costs
   * one login. Keystone middleware refuses a stale token before the service acts, so the pool
   * may send even a create again.
   */
  async renewCredentials(): Promise<void> {
    await this.auth.current();
  }

  async close(): Promise<void> {
    this.auth.invalidate();
    this.http.close();
  }

  async listVms(options: { includeTerminated?: boolean } = {}, signal?: AbortSignal): Promise<Vm[]> {
    const vms = (await this.nova.listServers({}, signal)).map(serverToVm);
    return options.includeTerminated ? vms : vms.filter((vm) => vm.state !== 'terminated');
  }

  async getVm(id: string, signal?: AbortSignal): Promise<Vm | null> {
    const server = await this.nova.getServer(id, signal);
    const vm = server && serverToVm(server);
    return vm && vm.state !== 'terminated' ? vm : null;
  }

  /**
   * By the ownership metadata createVm writes. Not by name: the name is the user's and may be
   * shared or changed, and Nova filters metadata nowhere, so see NovaApi.findServerByMetadata for
   * the cost. Nova lists a server as soon as it accepts the create, so "none" is an answer.
   */
  async findVmByRequestId(requestId: string, signal?: AbortSignal): Promise<Vm | null> {
    const server = await this.nova.findServerByMetadata(OWNERSHIP_KEYS.requestId, requestId, signal);
    const vm = server && serverToVm(server);
    return vm && vm.state !== 'terminated' ? vm : null;
  }

  async findVmByName(name: string, signal?: AbortSignal): Promise<Vm | null> {
    const vms = (await this.nova.findServersByName(name, signal)).map(serverToVm);
    return vms.find((vm) => vm.state !== 'terminated') ?? null;
  }

  /** Answers from the accepted request rather than a second GET: the caller polls getVm anyway. */
  async createVm(request: CreateVmRequest, signal?: AbortSignal): Promise<Vm> {
    const createdAt = new Date();
    const metadata = { ...request.metadata, ...ownershipMetadata(this.cloudName, request.requestId, createdAt) };
    const id = await this.nova.createServer(request, metadata, signal);
    return {
      id,
      name: request.name,
      state: 'pending',
      publicIps: [],
      privateIps: [],
      imageId: request.imageId,
      sizeId: request.sizeId,
      createdAt: createdAt.toISOString(),
      metadata,
      extra: { status: 'BUILD', image: request.imageId, flavor: { id: request.sizeId }, keyName: request.keyName ?? null },
    };
  }

  async destroyVm(id: string, signal?: AbortSignal): Promise<void> {
    await this.nova.deleteServer(id, signal);
  }

  async rebootVm(id: string, signal?: AbortSignal): Promise<void> {
    await this.nova.action(id, { reboot: { type: 'SOFT' } }, signal);
  }

  async stopVm(id: string, signal?: AbortSignal): Promise<void> {
    await this.nova.action(id, { 'os-stop': null }, signal);
  }

  async startVm(id: string, signal?: AbortSignal): Promise<void> {
    await this.nova.action(id, { 'os-start': null }, signal);
  }

  async listImages(signal?: AbortSignal): Promise<Image[]> {
    const images = (await this.glance.available()) ? await this.glance.listImages(signal) : await this.nova.listImagesViaProxy(signal);
    return images.map(toImage);
  }

  createImage(vmId: string, request: SaveImageRequest): Promise<Image> {
    return this.images.create(vmId, request);
  }

  getImage(imageId: string): Promise<Image | null> {
    return this.images.get(imageId);
  }

  deleteImage(imageId: string): Promise<void> {
    return this.images.delete(imageId);
  }

    async listSizes(signal?: AbortSignal): Promise<Size[]> {
    return (await this.nova.listFlavors(signal)).map(flavorToSize);
  }

  /** The projects these credentials may use (Keystone's own answer for the token's user). */
  async listTenants(signal?: AbortSignal): Promise<Tenant[]> {
    const body = await this.session.json<{ projects?: { id: string; name: string }[] }>('identity', 'GET', '/auth/projects', { signal });
    return (body?.projects ?? []).map((p) => ({ id: p.id, name: p.name }));
  }

  listKeyPairs(signal?: AbortSignal): Promise<KeyPair[]> {
    return this.nova.listKeyPairs(signal);
  }

  async openPort(vmId: string, rule: PortRule, signal?: AbortSignal): Promise<void> {
    await this.neutron.openPort(await this.securityGroupOf(vmId, signal), rule, signal);
  }

  async closePort(vmId: string, rule: PortRule, signal?: AbortSignal): Promise<void> {
    await this.neutron.closePort(await this.securityGroupOf(vmId, signal), rule, signal);
  }

  /** Request counts so far: Keystone auth requests and calls per service (tests and benchmarks read them). */
  get requestCounts(): { auth: number } & OpenstackSession['sent'] {
    return { auth: this.auth.authRequests, ...this.session.sent };
  }

  /** The id of the VM's first security group, where firewall rules go. */
  private async securityGroupOf(vmId: string, signal?: AbortSignal): Promise<string> {
    const server = await this.nova.getServer(vmId, signal);
    if (!server || serverToVm(server).state === 'terminated') {
      throw new DispatcherError('not-found', `vm ${vmId} not found`, { subject: 'vm', code: 'itemNotFound' });
    }
    const name = server.security_groups?.[0]?.name;
    if (!name) throw new DispatcherError('conflict', `vm ${vmId} has no security group to open ports in`, { code: 'NoSecurityGroup' });
    return this.neutron.securityGroupId(name, signal);
  }
}
