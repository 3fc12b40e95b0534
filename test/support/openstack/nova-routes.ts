// Nova of the test server: the version document, servers (paged, regex name filter, actions),
// flavors, key pairs, limits and the image proxy, with the microversion rules the driver meets
// on real clouds (networks required from 2.37, image proxy gone from 2.36, flavor embedded from 2.47).
import { randomUUID } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { TEST_CLOUD } from './keystone-routes.js';
import { compareVersions, fixture, novaFault, page, reply, type Reply, type RequestContext, type Route } from './openstack-route-kit.js';
import type { NovaServers, TestFlavor, TestImage } from './nova-servers.js';

export const TEST_NETWORK_ID = '3cb9bc59-5699-4588-a4b1-b87f96708bc6';

export interface NovaConfig {
  servers: NovaServers;
  images: () => TestImage[];
  flavors: TestFlavor[];
  keyPairs: string[];
  securityGroups: () => string[];
  microversions: () => { min: string; max: string };
  /** Nova's max_limit: the most items one page holds. */
  pageLimit: () => number;
  /** Where Nova believes it lives: links carry it (behind a proxy it is not where clients reach it). */
  linkBase: string;
  /** Every create body received, for assertions. */
  createBodies: unknown[];
}

export function testFlavors(): TestFlavor[] {
  const sample = fixture<{ flavors: TestFlavor[] }>('nova/flavors-detail-resp.json');
  return sample.flavors.map(({ id, name, ram, vcpus, disk }) => ({ id, name, ram, vcpus, disk }));
}

export function novaRoutes(config: NovaConfig): Route[] {
  const { servers } = config;
  const found = (ctx: RequestContext) => servers.get(ctx.params[0]);
  const missing = (id: string) => novaFault(404, 'itemNotFound', `Instance ${id} could not be found.`);
  return [
    { method: 'GET', pattern: /^\/?$/, label: 'GET /compute/v2.1/', open: true, handle: () => versionDocument(config) },
    {
      method: 'GET',
      pattern: /^\/servers\/detail$/,
      label: 'GET /compute/v2.1/servers/detail',
      handle: (ctx) => {
        const name = ctx.query.get('name');
        // Nova applies `name` as a regular expression (re.search), not as an exact match.
        const matching = config.servers.list().filter((r) => name === null || new RegExp(name).test(r.name));
        const paged = page(matching, ctx.query, config.pageLimit());
        if (paged.badMarker) return novaFault(400, 'badRequest', `marker [${ctx.query.get('marker')}] not found`);
        const body: Record<string, unknown> = { servers: paged.items.map((r) => servers.view(r, ctx.microversion, config.linkBase)) };
        if (paged.nextMarker) body.servers_links = [nextLink(config, '/servers/detail', ctx, paged.nextMarker)];
        return reply(200, body);
      },
    },
    {
      method: 'GET',
      pattern: /^\/servers\/([^/]+)$/,
      label: 'GET /compute/v2.1/servers/{id}',
      handle: (ctx) => {
        const record = found(ctx);
        return record ? reply(200, { server: servers.view(record, ctx.microversion, config.linkBase) }) : missing(ctx.params[0]);
      },
    },
    { method: 'POST', pattern: /^\/servers$/, label: 'POST /compute/v2.1/servers', handle: (ctx) => createServer(config, ctx) },
    {
      method: 'DELETE',
      pattern: /^\/servers\/([^/]+)$/,
      label: 'DELETE /compute/v2.1/servers/{id}',
      handle: (ctx) => {
        const record = found(ctx);
        if (!record) return missing(ctx.params[0]);
        servers.delete(record);
        return reply(204);
      },
    },
    {
      method: 'POST',
      pattern: /^\/servers\/([^/]+)\/action$/,
      label: 'POST /compute/v2.1/servers/{id}/action',
      handle: (ctx) => {
        const record = found(ctx);
        if (!record) return missing(ctx.params[0]);
        const action = Object.keys((ctx.body ?? {}) as object)[0];
        if (action === 'createImage') return createImage(config, ctx, record.id);
        if (action !== 'reboot' && action !== 'os-start' && action !== 'os-stop') {
          return novaFault(400, 'badRequest', `There is no such action: ${action}`);
        }
        return servers.act(record, action) ?? reply(202);
      },
    },
    {
      method: 'GET',
      pattern: /^\/flavors\/detail$/,
      label: 'GET /compute/v2.1/flavors/detail',
      handle: (ctx) => {
        const all = fixture<{ flavors: { id: string }[] }>('nova/flavors-detail-resp.json').flavors;
        const paged = page(all, ctx.query, config.pageLimit());
        const body: Record<string, unknown> = { flavors: paged.items };
        if (paged.nextMarker) body.flavors_links = [nextLink(config, '/flavors/detail', ctx, paged.nextMarker)];
        return reply(200, body);
      },
    },
    {
      method: 'GET',
      pattern: /^\/os-keypairs$/,
      label: 'GET /compute/v2.1/os-keypairs',
      handle: () => {
        const template = fixture<{ keypairs: { keypair: Record<string, unknown> }[] }>('nova/keypairs-list-resp.json').keypairs[0];
        const keypairs = config.keyPairs.map((name) => ({ keypair: { ...template.keypair, name } }));
        return reply(200, { keypairs });
      },
    },
    {
      method: 'GET',
      pattern: /^\/limits$/,
      label: 'GET /compute/v2.1/limits',
      handle: () => {
        const sample = fixture<{ limits: { absolute: Record<string, number> } }>('nova/limit-get-resp.json');
        sample.limits.absolute.totalInstancesUsed = servers.list().length;
        return reply(200, sample);
      },
    },
    {
      method: 'GET',
      pattern: /^\/images\/detail$/,
      label: 'GET /compute/v2.1/images/detail',
      handle: (ctx) => {
        if (compareVersions(ctx.microversion, '2.36') >= 0) return novaFault(404, 'itemNotFound', 'The resource could not be found.');
        const paged = page(config.images(), ctx.query, config.pageLimit());
        const template = fixture<{ image: Record<string, unknown> }>('nova/image-get-resp.json').image;
        const body: Record<string, unknown> = { images: paged.items.map((i) => ({ ...template, id: i.id, name: i.name, links: [] })) };
        if (paged.nextMarker) body.images_links = [nextLink(config, '/images/detail', ctx, paged.nextMarker)];
        return reply(200, body);
      },
    },
  ];
}

function versionDocument(config: NovaConfig): Reply {
  const sample = fixture<{ version: Record<string, unknown> }>('nova/v21-version-get-resp.json');
  const { min, max } = config.microversions();
  Object.assign(sample.version, { version: max, min_version: min });
  return reply(200, sample);
}

function nextLink(config: NovaConfig, path: string, ctx: RequestContext, marker: string): { href: string; rel: string } {
  const query = new URLSearchParams(ctx.query);
  query.set('marker', marker);
  return { href: `${config.linkBase}${path}?${query.toString()}`, rel: 'next' };
}

function createServer(config: NovaConfig, ctx: RequestContext): Reply {
  config.createBodies.push(ctx.body);
  const server = (ctx.body as { server?: Record<string, unknown> } | undefined)?.server;
  const bad = (message: string) => novaFault(400, 'badRequest', message);
  if (!server || typeof server.name !== 'string' || server.name.length === 0 || server.name.length > 255) {
    return bad("Invalid input for field/attribute server. 'name' is a required property");
  }
  const image = config.images().find((i) => i.id === server.imageRef);
  if (!image) return bad('Can not find requested image');
  const flavor = config.flavors.find((f) => f.id === server.flavorRef);
  if (!flavor) return bad(`Flavor ${String(server.flavorRef)} could not be found.`);
  if (server.key_name !== undefined && !config.keyPairs.includes(String(server.key_name))) return bad('Invalid key_name provided.');
  const networksError = checkNetworks(server.networks, ctx.microversion);
  if (networksError) return bad(networksError);
  const metadata = (server.metadata ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string' || key.length > 255 || value.length > 255) return bad(`Invalid input for field/attribute metadata. Value: ${key}`);
  }
  if (server.user_data !== undefined && Buffer.from(String(server.user_data), 'base64').toString('base64') !== server.user_data) {
    return bad('User data needs to be valid base 64.');
  }
  const groups = ((server.security_groups ?? [{ name: 'default' }]) as { name: string }[]).map((g) => g.name);
  const unknown = groups.find((g) => !config.securityGroups().includes(g));
  if (unknown) return bad(`Security group ${unknown} not found for project ${TEST_CLOUD.projectId}.`);
  const record = config.servers.create(
    {
      name: server.name,
      imageId: image.id,
      flavor,
      keyName: (server.key_name as string | undefined) ?? null,
      metadata: metadata as Record<string, string>,
      securityGroups: groups,
      availabilityZone: (server.availability_zone as string | undefined) ?? 'nova',
      userData: server.user_data as string | undefined,
    },
    image.failBoot === true,
  );
  const sample = fixture<{ server: Record<string, unknown> }>('nova/server-create-resp.json');
  Object.assign(sample.server, { id: record.id, security_groups: groups.map((name) => ({ name })), links: [] });
  return reply(202, sample, { Location: `${config.linkBase}/servers/${record.id}` });
}

/** Nova's createImage: 202 with `Location` before 2.45, with `{image_id}` (and no Location) from 2.45. */
function createImage(config: NovaConfig, ctx: RequestContext, serverId: string): Reply {
  const request = (ctx.body as { createImage?: { name?: unknown; metadata?: Record<string, string> } }).createImage ?? {};
  if (typeof request.name !== 'string' || request.name === '') return novaFault(400, 'badRequest', "Invalid input for field/attribute name. Value: None. None is not of type 'string'");
  const id = randomUUID();
  config.images().push({ id, name: request.name, activeAt: Date.now() + 50, metadata: { ...request.metadata, instance_uuid: serverId } });
  if (compareVersions(ctx.microversion, '2.45') >= 0) return reply(202, { image_id: id });
  return reply(202, undefined, { Location: `http://glance-internal.invalid:9292/images/${id}` });
}

function checkNetworks(networks: unknown, microversion: string): string | undefined {
  const from237 = compareVersions(microversion, '2.37') >= 0;
  if (networks === undefined) return from237 ? "Invalid input for field/attribute server. 'networks' is a required property" : undefined;
  if (networks === 'none' || networks === 'auto') return from237 ? undefined : `Invalid input for field/attribute networks. Value: ${networks}`;
  if (!Array.isArray(networks)) return 'Invalid input for field/attribute networks.';
  const unknown = networks.find((n: { uuid?: string }) => n.uuid !== TEST_NETWORK_ID);
  return unknown ? `Network ${String((unknown as { uuid?: string }).uuid)} could not be found.` : undefined;
}
