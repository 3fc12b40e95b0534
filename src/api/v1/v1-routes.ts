// Every v1 route, declared once (the original CRS4 dispatcher's dialect, route for route; see
// docs/v1-compatibility.md): the router (v1-router.ts) and /openapi/v1.json are built from these.
// Thin handlers: call one service method, present.
import Joi from 'joi';
import type { AuthenticatedUser } from '../http/request-context.js';
import { ok, v1Route, withCloud, type CloudParams, type V1Context, type V1Route } from './v1-context.js';
import * as present from './v1-presenters.js';
import * as schemas from './v1-schemas.js';
import { v1VmRoutes } from './v1-vm-routes.js';

const ping = (method: 'get' | 'post', operationId: string): V1Route =>
  v1Route({
    method,
    path: '/',
    operationId,
    summary: 'Answers ok',
    tags: ['meta'],
    auth: 'public',
    responses: { 200: { description: 'ok', schema: Joi.object({ status: schemas.ok }) } },
    examples: [{ summary: 'Ping', status: 200 }],
    handler: () => ok(),
  });

const login = v1Route<never, never, { username: string; password: string }>({
  method: 'post',
  path: '/auth',
  operationId: 'login',
  summary: 'Trade a username and password for a token',
  tags: ['auth'],
  auth: 'public',
  request: { body: schemas.authBody },
  responses: {
    200: { description: 'A bearer token.', schema: Joi.object({ status: schemas.ok, status_code: Joi.number().valid(200).required(), token: Joi.string().required() }) },
    ...schemas.errors(400, 403, 429),
  },
  examples: [{ summary: 'Wrong password', body: { username: 'alice', password: 'not-her-password' }, status: 403 }],
  // Throttled in AuthService, per username and per client, with counters v2 shares.
  async handler({ ctx, body, req }) {
    const { token } = await ctx.auth.login(body.username, body.password, req.ip);
    return ok({ status_code: 200, token });
  },
});

const clouds = v1Route({
  method: 'get',
  path: '/cloud',
  operationId: 'listClouds',
  summary: 'The served clouds',
  tags: ['cloud'],
  auth: 'user',
  responses: {
    200: {
      description: 'Every configured cloud.',
      schema: Joi.object({ status: schemas.ok, served_cloud: Joi.array().items(Joi.object({ name: Joi.string().required(), type: Joi.string().required(), host: Joi.string().required() })).required() }),
    },
    ...schemas.errors(401),
  },
  examples: [{ summary: 'List clouds', status: 200 }],
  handler: ({ ctx }) => ok({ served_cloud: ctx.pool.list().map(present.presentCloud) }),
});

const trackerStatus = withCloud(
  v1Route<CloudParams>({
    method: 'get',
    path: '/vm/status',
    operationId: 'trackerStatus',
    summary: "The tracker's free and assigned nodes",
    tags: ['assignment'],
    auth: 'user',
    responses: { 200: { description: 'Tracker records.', schema: Joi.object({ status: schemas.ok, nodes: Joi.array().items(schemas.trackerRecord).required() }) }, ...schemas.errors(401, 404, 502) },
    async handler({ ctx, params, user }) {
      const cloud = ctx.pool.resolve(params.cloud);
      return ok({ nodes: await ctx.ownership.visibleRecords(user, await ctx.assignments.status(cloud)) });
    },
  }),
  [{ summary: 'Tracker status', status: 200 }],
);

type Lister = (ctx: V1Context, cloud: string | undefined, user: AuthenticatedUser | undefined) => Promise<unknown[]>;

/** GET /<name>[/{cloud}]: a list under `key` (other names answer 400, see v1-router.ts). */
const list = (name: string, key: string, item: Joi.Schema, summary: string, items: Lister, alias = false): V1Route[] =>
  withCloud(
    v1Route<CloudParams>({
      method: 'get',
      path: `/${name}`,
      operationId: `list${name[0].toUpperCase()}${name.slice(1)}`,
      summary,
      tags: ['catalog'],
      auth: 'user',
      deprecated: alias,
      responses: { 200: { description: summary, schema: Joi.object({ status: schemas.ok, [key]: Joi.array().items(item).required() }) }, ...schemas.errors(401, 404, 501, 502) },
      handler: async ({ ctx, params, user }) => ok({ [key]: await items(ctx, params.cloud, user) }),
    }),
    [{ summary, status: 200 }],
  );

const nodes: Lister = async (ctx, name, user) => {
  const cloud = ctx.pool.resolve(name);
  const [all, visible] = await Promise.all([ctx.vms.listVms(cloud), ctx.ownership.visibleVmIds(user, cloud.name)]);
  const shown = visible ? all.filter((vm) => visible.has(vm.id)) : all;
  return shown.map((vm) => present.presentNode(vm, cloud, ctx.integerStates));
};
const images: Lister = async (ctx, name) => {
  const cloud = ctx.pool.resolve(name);
  return (await ctx.vms.listImages(cloud)).map((i) => present.presentImage(i, cloud));
};
const flavors: Lister = async (ctx, name) => {
  const cloud = ctx.pool.resolve(name);
  return (await ctx.vms.listSizes(cloud)).map((s) => present.presentFlavor(s, cloud));
};
const tenants: Lister = async (ctx, name) => {
  const cloud = ctx.pool.resolve(name);
  return (await ctx.vms.listTenants(cloud)).map((t) => present.presentTenant(t, cloud));
};

/** Every v1 route, in the order of the spec's operations on a shared path. */
export function v1Routes(): V1Route[] {
  const flavor = schemas.catalogItem({ ram: Joi.number().required(), cpu: Joi.number().required(), disk: Joi.number().required() });
  return [
    ping('get', 'ping'),
    ping('post', 'pingPost'),
    login,
    clouds,
    ...trackerStatus,
    ...v1VmRoutes(),
    ...list('nodes', 'nodes', schemas.nodeSchema, 'The VMs of a cloud', nodes),
    ...list('images', 'images', schemas.catalogItem(), 'The images of a cloud', images),
    ...list('flavors', 'flavors', flavor, 'The sizes of a cloud', flavors),
    ...list('sizes', 'flavors', flavor, 'The sizes of a cloud (alias of /flavors)', flavors, true),
    ...list('tenants', 'tenants', schemas.catalogItem(), 'The tenants (projects) of a cloud', tenants),
  ];
}
