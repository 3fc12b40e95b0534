// Nova (compute v2.1). The microversion is negotiated once from the version document: the
// highest both sides know, capped by the cloud's configured maximum. Every call then names it,
// so the answers keep the shape this driver was written for whatever the cloud's default is.
import { Buffer } from 'node:buffer';
import { DispatcherError, isDispatcherError } from '../../domain/errors.js';
import type { CreateVmRequest, KeyPair } from '../../domain/vm-model.js';
import type { Logger } from '../../log/logger.js';
import { computeVersionUrl } from './openstack-catalog.js';
import { compareMicroversions, type OpenstackOptions } from './openstack-options.js';
import { collectPages, type OpenstackSession, type Query, type RequestOptions } from './openstack-session.js';
import type { NovaFlavor, NovaServer, OpenstackImage } from './openstack-vm-mapper.js';

export interface Microversions {
  /** What every call sends; undefined for a cloud without microversions (plain 2.1). */
  chosen?: string;
  min?: string;
}

/** From 2.37 Nova requires `networks` on create. */
const NETWORKS_REQUIRED = '2.37';
/** Nova's image proxy answers only below 2.36. */
const LAST_IMAGE_PROXY = '2.35';
/** From 2.35 the key pair list is paginated. */
const KEYPAIRS_PAGINATED = '2.35';

type NovaOptions = Pick<OpenstackOptions, 'maxMicroversion' | 'pageSize' | 'network' | 'securityGroups' | 'availabilityZone'>;

export class NovaApi {
  private negotiated?: Promise<Microversions>;

  constructor(
    private readonly session: OpenstackSession,
    private readonly options: NovaOptions,
    private readonly logger: Logger,
  ) {}

  /** The negotiated microversions (one version-document request per driver, shared by concurrent callers). */
  microversions(): Promise<Microversions> {
    this.negotiated ??= this.negotiate().catch((err: unknown) => {
      this.negotiated = undefined; // a transient failure must not pin the choice
      throw err;
    });
    return this.negotiated;
  }

  /** Newest first (Nova's default order, created_at desc); `enough` ends the paging early. */
  async listServers(query: Query = {}, signal?: AbortSignal, enough?: (page: NovaServer[]) => boolean): Promise<NovaServer[]> {
    const microversion = (await this.microversions()).chosen;
    return collectPages<NovaServer>(
      (marker) =>
        this.session.json('compute', 'GET', '/servers/detail', { microversion, signal, query: { ...query, limit: this.options.pageSize, marker } }),
      'servers',
      'servers_links',
      enough,
    );
  }

  /** null when Nova does not know the id. */
  async getServer(id: string, signal?: AbortSignal): Promise<NovaServer | null> {
    const response = await this.session.request('compute', 'GET', `/servers/${encodeURIComponent(id)}`, {
      ...(await this.call(signal)),
      accept: [404],
    });
    return response.status === 404 ? null : ((response.body as { server: NovaServer }).server ?? null);
  }

  /** Servers whose name is exactly `name` (Nova filters with a regular expression: anchored and escaped). */
  async findServersByName(name: string, signal?: AbortSignal): Promise<NovaServer[]> {
    const servers = await this.listServers({ name: `^${escapeRegex(name)}$` }, signal);
    return servers.filter((s) => s.name === name);
  }

  /**
   * The newest server whose metadata has `key` = `value`. Nova's list API cannot filter on
   * metadata, so this pages /servers/detail newest first and stops at the first page holding it:
   * one call for a server among the newest `pageSize`, every page to confirm there is none.
   */
  async findServerByMetadata(key: string, value: string, signal?: AbortSignal): Promise<NovaServer | undefined> {
    const matches = (s: NovaServer) => s.metadata?.[key] === value;
    const servers = await this.listServers({}, signal, (page) => page.some(matches));
    return servers.find(matches);
  }

  async createServer(request: CreateVmRequest, metadata: Record<string, string>, signal?: AbortSignal): Promise<string> {
    const options = await this.call(signal);
    const server: Record<string, unknown> = {
      name: request.name,
      imageRef: request.imageId,
      flavorRef: request.sizeId,
      metadata,
    };
    if (request.keyName) server.key_name = request.keyName;
    if (request.userData !== undefined) server.user_data = Buffer.from(request.userData, 'utf8').toString('base64');
    if (this.options.securityGroups.length > 0) server.security_groups = this.options.securityGroups.map((name) => ({ name }));
    if (this.options.availabilityZone) server.availability_zone = this.options.availabilityZone;
    const networks = networksField(this.options.network, options.microversion);
    if (networks !== undefined) server.networks = networks;
    const body = await this.session.json<{ server?: { id?: string } }>('compute', 'POST', '/servers', { ...options, body: { server } });
    const id = body?.server?.id;
    if (!id) throw new DispatcherError('provider-fault', 'Nova accepted the create without a server id', { code: 'BadCreateResponse' });
    return id;
  }

  async deleteServer(id: string, signal?: AbortSignal): Promise<void> {
    await this.session.request('compute', 'DELETE', `/servers/${encodeURIComponent(id)}`, await this.call(signal));
  }

  /** A server action (`reboot`, `os-start`, `os-stop`): accepted with 202, repeatable when throttled. */
  async action(id: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<void> {
    await this.session.request('compute', 'POST', `/servers/${encodeURIComponent(id)}/action`, { ...(await this.call(signal)), body, safe: true });
  }

  async listFlavors(signal?: AbortSignal): Promise<NovaFlavor[]> {
    const microversion = (await this.microversions()).chosen;
    return collectPages<NovaFlavor>(
      (marker) => this.session.json('compute', 'GET', '/flavors/detail', { microversion, signal, query: { limit: this.options.pageSize, marker } }),
      'flavors',
      'flavors_links',
    );
  }

  async listKeyPairs(signal?: AbortSignal): Promise<KeyPair[]> {
    const microversion = (await this.microversions()).chosen;
    const paginated = microversion !== undefined && compareMicroversions(microversion, KEYPAIRS_PAGINATED) >= 0;
    const entries = await collectPages<{ keypair: { name: string; fingerprint?: string } }>(
      (marker) =>
        this.session.json('compute', 'GET', '/os-keypairs', {
          microversion,
          signal,
          query: paginated ? { limit: this.options.pageSize, marker } : {},
        }),
      'keypairs',
      'keypairs_links',
    );
    return entries.map(({ keypair }) => ({ name: keypair.name, fingerprint: keypair.fingerprint }));
  }

  /** Nova's image proxy, for clouds without Glance in the catalog: pinned below 2.36, where it still exists. */
  async listImagesViaProxy(signal?: AbortSignal): Promise<OpenstackImage[]> {
    const { chosen, min } = await this.microversions();
    let microversion = chosen;
    if (chosen !== undefined && compareMicroversions(chosen, LAST_IMAGE_PROXY) > 0) {
      if (min !== undefined && compareMicroversions(min, LAST_IMAGE_PROXY) > 0) {
        throw new DispatcherError('not-implemented', `no image service in the catalog, and Nova's image proxy needs ${LAST_IMAGE_PROXY}`, {
          code: 'NoImageService',
        });
      }
      microversion = LAST_IMAGE_PROXY;
    }
    return collectPages<OpenstackImage>(
      (marker) => this.session.json('compute', 'GET', '/images/detail', { microversion, signal, query: { limit: this.options.pageSize, marker } }),
      'images',
      'images_links',
    );
  }

  private async call(signal: AbortSignal | undefined): Promise<Pick<RequestOptions, 'microversion' | 'subject' | 'signal'>> {
    return { microversion: (await this.microversions()).chosen, subject: 'vm', signal };
  }

  private async negotiate(): Promise<Microversions> {
    const url = computeVersionUrl((await this.session.serviceUrl('compute')) ?? '');
    let body: unknown;
    try {
      body = await this.session.json('compute', 'GET', url);
    } catch (err) {
      // A deployment hiding the version document still serves 2.1 without a header.
      if (isDispatcherError(err, 'not-found')) return {};
      throw err;
    }
    const doc = body as { version?: VersionDoc; versions?: VersionDoc[] };
    const version = doc.version ?? doc.versions?.find((v) => v.id === 'v2.1');
    const result = chooseMicroversion(version?.min_version, version?.version, this.options.maxMicroversion);
    this.logger.debug({ microversion: result.chosen, cloudMax: version?.version }, 'openstack compute microversion chosen');
    return result;
  }
}

interface VersionDoc {
  id?: string;
  version?: string;
  min_version?: string;
}

/** The highest microversion both sides know; {} when the cloud has none (a legacy v2.0 endpoint). */
export function chooseMicroversion(cloudMin: string | undefined, cloudMax: string | undefined, ourMax: string): Microversions {
  if (!cloudMax || !/^2\.\d+$/.test(cloudMax)) return {};
  const min = cloudMin && /^2\.\d+$/.test(cloudMin) ? cloudMin : '2.1';
  const chosen = compareMicroversions(cloudMax, ourMax) < 0 ? cloudMax : ourMax;
  if (compareMicroversions(chosen, min) < 0) {
    throw new DispatcherError('provider-fault', `the cloud's compute API starts at ${min}, above our maximum ${ourMax}`, {
      code: 'NoCommonMicroversion',
    });
  }
  return { chosen, min };
}

/** The `networks` of a create: required from 2.37 (Nova's default then is `auto`), a list of ids before. */
export function networksField(network: string | undefined, microversion: string | undefined): unknown {
  const required = microversion !== undefined && compareMicroversions(microversion, NETWORKS_REQUIRED) >= 0;
  if (network === undefined) return required ? 'auto' : undefined;
  if (network === 'none' || network === 'auto') return required ? network : undefined;
  return [{ uuid: network }];
}

/** Escapes regular-expression characters, so `^…$` matches the name literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
