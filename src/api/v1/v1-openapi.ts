// The v1 routes described as data for /openapi/v1.json: the request bodies are v1-schemas.ts (the
// schemas the v1 router validates with), the answers are the shapes v1-presenters.ts builds, and
// the examples are emulate-mode requests, whose canned answers run without a cloud.
import Joi from 'joi';
import { openApiDocument, type OpenApiDocument } from '../openapi/openapi-document.js';
import type { RouteDoc, RouteExample, ResponseSpec } from '../openapi/route-spec.js';
import type { CloudConnection } from '../../pool/cloud-connection.js';
import { EMULATED, emulatedNode } from './v1-presenters.js';
import * as schemas from './v1-schemas.js';

const ok = Joi.string().valid('ok').required();

export const v1ErrorSchema = Joi.object({
  status: Joi.string().valid('error').required(),
  status_code: Joi.number().integer().required(),
  status_short_message: Joi.string().required(),
  status_long_message: Joi.string().required(),
  message: Joi.string().allow('').required(),
}).id('V1Error');

const nodeSchema = Joi.object({
  name: Joi.string().required(),
  uuid: Joi.string().required().description('SHA-1 of "<id>:<provider>", as libcloud computed it.'),
  id: Joi.string().required(),
  provider: Joi.string().required(),
  public_ips: Joi.array().items(Joi.string()).required(),
  private_ips: Joi.array().items(Joi.string()).required(),
  cloud_type: Joi.string().required(),
  state: Joi.alternatives(Joi.string(), Joi.number().integer()).required().description('A state name, or libcloud\'s integer code when v1.integerStates is set.'),
  extra: Joi.object().unknown(true).required(),
}).id('V1Node');

const catalogItem = (extra: Record<string, Joi.Schema> = {}) =>
  Joi.object({ id: Joi.string().required(), name: Joi.string().required(), provider: Joi.string().required(), cloud_type: Joi.string().required(), ...extra });

const trackerRecord = Joi.object({
  id: Joi.number().integer().required(),
  id_vm: Joi.string().required(),
  hostname: Joi.string().required(),
  cloud: Joi.string().required(),
  user: Joi.string().allow('').required(),
  status: Joi.number().integer().required(),
  status_desc: Joi.string().required(),
  recipe: Joi.string().allow('').required(),
  recipe_id: Joi.number().integer().required(),
}).id('V1TrackerRecord');

const trackerResult = Joi.object({ status: ok, id_vm: Joi.string().required(), id: Joi.number().integer().required(), result: Joi.string().required() });
const resultOnly = Joi.object({ status: ok, result: Joi.string().required() });

function errors(...statuses: number[]): Record<number, ResponseSpec> {
  const why: Record<number, string> = {
    400: 'The body does not validate, or names no node / an unknown image, size or node.',
    401: 'No token, or an invalid one.',
    403: 'Bad credentials.',
    404: 'Unknown cloud or path.',
    409: 'The node is not FREE (assign) or already released.',
    429: 'Too many login attempts.',
    501: "The cloud's driver lacks the capability.",
    502: 'The cloud or the tracker failed.',
    504: 'The cloud did not answer in time.',
  };
  return Object.fromEntries(statuses.map((s) => [s, { description: why[s] ?? 'Error', schema: v1ErrorSchema }]));
}

const CLOUD = { cloud: 'default' };
const exampleCloud = { provider: 'fake', displayName: 'Fake' } as CloudConnection;

/** A route at `path` and at `path/{cloud}` (v1's optional trailing cloud segment; without it, the default cloud). */
function withCloud(doc: RouteDoc, examples: RouteExample[] = []): RouteDoc[] {
  const params = Joi.object({ cloud: Joi.string().required().description('A cloud name or alias (percent-encoded).') });
  return [
    { ...doc, examples: examples.map((e) => ({ ...e, params: undefined })) },
    {
      ...doc,
      path: `${doc.path}/{cloud}`,
      operationId: doc.operationId && `${doc.operationId}OnCloud`,
      request: { ...doc.request, params },
      examples: examples.map((e) => ({ ...e, params: CLOUD })),
    },
  ];
}

const start = (path: string, deprecated: boolean): RouteDoc[] =>
  withCloud(
    {
      method: 'post',
      path,
      operationId: deprecated ? 'startVmViaStopPath' : 'startVm',
      summary: deprecated ? 'Start a VM (the original served start on the stop path too)' : 'Start a VM',
      tags: ['vm'],
      auth: 'user',
      deprecated,
      request: { body: schemas.startBody },
      responses: {
        200: { description: 'The new node (`emulate: true` answers a canned node and starts nothing).', schema: Joi.object({ status: ok, nodes: nodeSchema.required() }), example: { status: 'ok', nodes: emulatedNode('spec-v1-emulated-start', exampleCloud, false) } },
        ...errors(400, 401, 404, 501, 502, 504),
      },
    },
    [{ summary: 'Emulated start', body: { name: 'spec-v1-emulated-start', image: 'ubuntu-24.04', size: 'm1.small', emulate: true }, status: 200 }],
  );

const stop = (path: string, deprecated: boolean): RouteDoc[] =>
  withCloud(
    {
      method: 'put',
      path,
      operationId: deprecated ? 'stopVmViaStartPath' : 'stopVm',
      summary: deprecated ? 'Delete a VM (the original served stop on the start path too)' : 'Delete a VM',
      tags: ['vm'],
      auth: 'user',
      deprecated,
      request: { body: schemas.stopBody },
      responses: { 200: { description: 'Deleted.', schema: resultOnly, example: EMULATED.stop }, ...errors(400, 401, 404, 501, 502, 504) },
    },
    [{ summary: 'Emulated stop', body: { node: '-fake_id-', emulate: true }, status: 200 }],
  );

const list = (name: string, key: string, item: Joi.Schema, summary: string, alias = false): RouteDoc[] =>
  withCloud(
    {
      method: 'get',
      path: `/${name}`,
      operationId: `list${name[0].toUpperCase()}${name.slice(1)}`,
      summary,
      tags: ['catalog'],
      auth: 'user',
      deprecated: alias,
      responses: { 200: { description: summary, schema: Joi.object({ status: ok, [key]: Joi.array().items(item).required() }) }, ...errors(401, 404, 501, 502) },
    },
    [{ summary, status: 200 }],
  );

export function v1RouteDocs(): RouteDoc[] {
  const flavor = catalogItem({ ram: Joi.number().required(), cpu: Joi.number().required(), disk: Joi.number().required() });
  return [
    { method: 'get', path: '/', operationId: 'ping', summary: 'Answers ok', tags: ['meta'], auth: 'public', responses: { 200: { description: 'ok', schema: Joi.object({ status: ok }) } }, examples: [{ summary: 'Ping', status: 200 }] },
    { method: 'post', path: '/', operationId: 'pingPost', summary: 'Answers ok', tags: ['meta'], auth: 'public', responses: { 200: { description: 'ok', schema: Joi.object({ status: ok }) } }, examples: [{ summary: 'Ping', status: 200 }] },
    {
      method: 'post',
      path: '/auth',
      operationId: 'login',
      summary: 'Trade a username and password for a token',
      tags: ['auth'],
      auth: 'public',
      request: { body: schemas.authBody },
      responses: {
        200: { description: 'A bearer token.', schema: Joi.object({ status: ok, status_code: Joi.number().valid(200).required(), token: Joi.string().required() }) },
        ...errors(400, 403, 429),
      },
      examples: [{ summary: 'Wrong password', body: { username: 'alice', password: 'not-her-password' }, status: 403 }],
    },
    {
      method: 'get',
      path: '/cloud',
      operationId: 'listClouds',
      summary: 'The served clouds',
      tags: ['cloud'],
      auth: 'user',
      responses: {
        200: { description: 'Every configured cloud.', schema: Joi.object({ status: ok, served_cloud: Joi.array().items(Joi.object({ name: Joi.string().required(), type: Joi.string().required(), host: Joi.string().required() })).required() }) },
        ...errors(401),
      },
      examples: [{ summary: 'List clouds', status: 200 }],
    },
    ...withCloud(
      {
        method: 'get',
        path: '/vm/status',
        operationId: 'trackerStatus',
        summary: "The tracker's free and assigned nodes",
        tags: ['assignment'],
        auth: 'user',
        responses: { 200: { description: 'Tracker records.', schema: Joi.object({ status: ok, nodes: Joi.array().items(trackerRecord).required() }) }, ...errors(401, 404, 502) },
      },
      [{ summary: 'Tracker status', status: 200 }],
    ),
    ...start('/vm/start', false),
    ...start('/vm/stop', true),
    ...stop('/vm/stop', false),
    ...stop('/vm/start', true),
    ...(['assign', 'release'] as const).flatMap((action) =>
      withCloud(
        {
          method: 'put',
          path: `/vm/action/${action}`,
          operationId: `${action}Vm`,
          summary: action === 'assign' ? 'Assign a FREE node to a user' : 'Release a node: un-assign, delete, wait until gone',
          tags: ['assignment'],
          auth: 'user',
          request: { body: action === 'assign' ? schemas.assignBody : schemas.releaseBody },
          responses: { 200: { description: `The tracker's answer.`, schema: trackerResult, example: EMULATED[action] }, ...errors(400, 401, 404, 409, 501, 502, 504) },
        },
        [
          {
            summary: `Emulated ${action}`,
            body: action === 'assign' ? { node: '-fake_id-', user: 'alice', vm_type: 'worker', emulate: true } : { node: '-fake_id-', emulate: true },
            status: 200,
          },
        ],
      ),
    ),
    ...(['open', 'close'] as const).flatMap((which) =>
      withCloud({
        method: 'put',
        path: `/fw/${which}`,
        operationId: `${which}Port`,
        summary: `${which === 'open' ? 'Open' : 'Close'} a port on a node`,
        tags: ['vm'],
        auth: 'user',
        request: { body: schemas.firewallBody },
        responses: { 200: { description: 'Done.', schema: resultOnly }, ...errors(400, 401, 404, 501, 502) },
      }),
    ),
    ...list('nodes', 'nodes', nodeSchema, 'The VMs of a cloud'),
    ...list('images', 'images', catalogItem(), 'The images of a cloud'),
    ...list('flavors', 'flavors', flavor, 'The sizes of a cloud'),
    ...list('sizes', 'flavors', flavor, 'The sizes of a cloud (alias of /flavors)', true),
    ...list('tenants', 'tenants', catalogItem(), 'The tenants (projects) of a cloud'),
  ];
}

export function v1OpenApi(version: string): OpenApiDocument {
  return openApiDocument(v1RouteDocs(), {
    title: 'cloud-dispatcher API v1 (legacy)',
    version,
    basePath: '/api/v1',
    description:
      "The original CRS4 dispatcher's dialect, kept route for route. Errors use v1's envelope. " +
      'Every example sets `emulate: true` where the route knows it: the answer is canned and no cloud is touched. New clients should use v2.',
    tags: [
      { name: 'meta', description: 'Liveness of the v1 face.' },
      { name: 'auth', description: 'Tokens.' },
      { name: 'cloud', description: 'Configured clouds.' },
      { name: 'vm', description: 'Start, delete, firewall.' },
      { name: 'assignment', description: 'The tracker: assign, release, status.' },
      { name: 'catalog', description: 'Lists per cloud.' },
    ],
  });
}
