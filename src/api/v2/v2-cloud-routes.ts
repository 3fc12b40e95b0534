// Clouds and their catalogs: GET /clouds, /clouds/{cloud}, /clouds/{cloud}/images|sizes|keypairs.
import { v2Route, type V2Route } from './v2-context.js';
import { EXAMPLE } from './v2-examples.js';
import { presentCloud, presentImage, presentKeyPair, presentSize } from './v2-presenters.js';
import { problems } from './v2-problem.js';
import { cloudParams, cloudSchema, imageSchema, keyPairSchema, listOf, sizeSchema } from './v2-schemas.js';

type CloudParams = { cloud: string };

const exampleCloud = {
  name: 'default',
  driver: 'fake',
  displayName: 'Fake',
  aliases: [],
  enabled: true,
  default: true,
  capabilities: ['list', 'get', 'find-by-name', 'create', 'destroy', 'images', 'sizes', 'tenants', 'keypairs', 'firewall', 'reboot', 'power'],
  links: { self: '/api/v2/clouds/default', vms: '/api/v2/clouds/default/vms', images: '/api/v2/clouds/default/images', sizes: '/api/v2/clouds/default/sizes', keypairs: '/api/v2/clouds/default/keypairs' },
};

export const cloudRoutes: V2Route[] = [
  v2Route({
    method: 'get',
    path: '/clouds',
    operationId: 'listClouds',
    summary: 'Every configured cloud',
    tags: ['clouds'],
    auth: 'user',
    responses: {
      200: { description: 'The clouds, with their aliases and capabilities.', schema: listOf(cloudSchema, false), example: { items: [exampleCloud] } },
      ...problems(401),
    },
    examples: [{ summary: 'List clouds', status: 200 }],
    handler: ({ ctx }) => {
      const { pool } = ctx.services;
      return { status: 200, body: { items: pool.list().map((c) => presentCloud(c, c.name === pool.defaultCloud, pool.settings(c.name))) } };
    },
  }),
  v2Route<CloudParams>({
    method: 'get',
    path: '/clouds/{cloud}',
    operationId: 'getCloud',
    summary: 'One cloud, by name or alias',
    tags: ['clouds'],
    auth: 'user',
    request: { params: cloudParams },
    responses: { 200: { description: 'The cloud.', schema: cloudSchema, example: exampleCloud }, ...problems(401, 404) },
    examples: [
      { summary: 'A cloud by name', params: { cloud: EXAMPLE.cloud }, status: 200 },
      { summary: 'An unknown cloud', params: { cloud: EXAMPLE.missingCloud }, status: 404 },
    ],
    handler: ({ ctx, params }) => {
      const { pool } = ctx.services;
      const cloud = pool.resolve(params.cloud);
      return { status: 200, body: presentCloud(cloud, cloud.name === pool.defaultCloud, pool.settings(cloud.name)) };
    },
  }),
  v2Route<CloudParams>({
    method: 'get',
    path: '/clouds/{cloud}/images',
    operationId: 'listImages',
    summary: "The cloud's images",
    description: 'Cached per cloud for its catalogTtlMs.',
    tags: ['clouds'],
    auth: 'user',
    request: { params: cloudParams },
    responses: { 200: { description: 'Images.', schema: listOf(imageSchema, false) }, ...problems(401, 404, 501, 502, 503, 504) },
    examples: [{ summary: 'List images', params: { cloud: EXAMPLE.cloud }, status: 200 }],
    handler: async ({ ctx, params }) => {
      const { vms } = ctx.services;
      return { status: 200, body: { items: (await vms.listImages(vms.cloud(params.cloud))).map(presentImage) } };
    },
  }),
  v2Route<CloudParams>({
    method: 'get',
    path: '/clouds/{cloud}/sizes',
    operationId: 'listSizes',
    summary: "The cloud's sizes (flavors, instance types)",
    tags: ['clouds'],
    auth: 'user',
    request: { params: cloudParams },
    responses: { 200: { description: 'Sizes.', schema: listOf(sizeSchema, false) }, ...problems(401, 404, 501, 502, 503, 504) },
    examples: [{ summary: 'List sizes', params: { cloud: EXAMPLE.cloud }, status: 200 }],
    handler: async ({ ctx, params }) => {
      const { vms } = ctx.services;
      return { status: 200, body: { items: (await vms.listSizes(vms.cloud(params.cloud))).map(presentSize) } };
    },
  }),
  v2Route<CloudParams>({
    method: 'get',
    path: '/clouds/{cloud}/keypairs',
    operationId: 'listKeyPairs',
    summary: "The cloud's key pairs",
    tags: ['clouds'],
    auth: 'user',
    request: { params: cloudParams },
    responses: { 200: { description: 'Key pairs.', schema: listOf(keyPairSchema, false) }, ...problems(401, 404, 501, 502, 503, 504) },
    examples: [{ summary: 'List key pairs', params: { cloud: EXAMPLE.cloud }, status: 200 }],
    handler: async ({ ctx, params }) => {
      const { vms } = ctx.services;
      return { status: 200, body: { items: (await vms.listKeyPairs(vms.cloud(params.cloud))).map(presentKeyPair) } };
    },
  }),
];
