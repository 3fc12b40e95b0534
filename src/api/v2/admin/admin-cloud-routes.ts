// /api/v2/admin/clouds and /admin/aliases: a cloud's settings over the config (enabled,
// allocation, aliases; persisted) and operators' actions on its tracked VMs.
import type { CloudChanges } from '../../../admin/cloud-admin-service.js';
import type { Count } from '../../../admin/cloud-vm-actions.js';
import { v2Route, type V2Route } from '../v2-context.js';
import { EXAMPLE } from '../v2-examples.js';
import { problems } from '../v2-problem.js';
import { listOf } from '../v2-schemas.js';
import { actor } from './admin-runtime-routes.js';
import {
  aliasBody,
  aliasParams,
  aliasSchema,
  cloudAdminSchema,
  cloudChangesBody,
  cloudParams,
  cloudVmActionBody,
  cloudVmActionResultSchema,
  forgottenSchema,
  vmActionBody,
  vmActionResultSchema,
  vmParams,
} from './admin-schemas.js';

type CloudParams = { cloud: string };
type VmParams = { cloud: string; vm: string };
const tags = ['admin'];

export const adminCloudRoutes: V2Route[] = [
  v2Route({
    method: 'get',
    path: '/admin/clouds',
    operationId: 'listCloudSettings',
    summary: "Every cloud's settings: in effect, from the config, and the operator's overrides",
    tags,
    auth: 'admin',
    responses: { 200: { description: 'The clouds.', schema: listOf(cloudAdminSchema, false) }, ...problems(401, 403) },
    examples: [{ summary: 'List cloud settings', status: 200 }],
    handler: async ({ ctx }) => ({ status: 200, body: { items: await ctx.services.admin.clouds.list() } }),
  }),
  v2Route<CloudParams>({
    method: 'get',
    path: '/admin/clouds/{cloud}',
    operationId: 'getCloudSettings',
    summary: "One cloud's settings",
    tags,
    auth: 'admin',
    request: { params: cloudParams },
    responses: { 200: { description: 'The cloud.', schema: cloudAdminSchema }, ...problems(401, 403, 404) },
    examples: [
      { summary: 'A cloud', params: { cloud: EXAMPLE.cloud }, status: 200 },
      { summary: 'An unknown cloud', params: { cloud: EXAMPLE.missingCloud }, status: 404 },
    ],
    handler: async ({ ctx, params }) => ({ status: 200, body: await ctx.services.admin.clouds.view(params.cloud) }),
  }),
  v2Route<CloudParams, Record<string, never>, CloudChanges>({
    method: 'patch',
    path: '/admin/clouds/{cloud}',
    operationId: 'updateCloudSettings',
    summary: 'Enable or disable a cloud, set its allocation',
    description:
      'Persisted, applied over the config at every start. A disabled cloud refuses new starts and assignments (503 naming the cloud, v1 too) ' +
      'but still lists, stops and releases. A start beyond the allocation answers 409 (code AllocationReached) before the cloud is called; ' +
      'what counts is every VM the tracker holds for the cloud. Lowering the allocation retires nothing by itself: retire the surplus.',
    tags,
    auth: 'admin',
    request: { params: cloudParams, body: cloudChangesBody },
    responses: { 200: { description: 'The cloud, as now in effect.', schema: cloudAdminSchema }, ...problems(400, 401, 403, 404) },
    examples: [{ summary: 'An empty change', params: { cloud: EXAMPLE.cloud }, body: {}, status: 400 }],
    handler: async ({ ctx, params, body, user }) => ({ status: 200, body: await ctx.services.admin.clouds.update(actor(user), params.cloud, body) }),
  }),
  v2Route({
    method: 'get',
    path: '/admin/aliases',
    operationId: 'listAliases',
    summary: 'Every cloud alias in effect',
    tags,
    auth: 'admin',
    responses: { 200: { description: 'The aliases.', schema: listOf(aliasSchema, false) }, ...problems(401, 403) },
    examples: [{ summary: 'List aliases', status: 200 }],
    handler: ({ ctx }) => ({ status: 200, body: { items: ctx.services.admin.clouds.aliases() } }),
  }),
  v2Route<CloudParams, Record<string, never>, { alias: string }>({
    method: 'post',
    path: '/admin/clouds/{cloud}/aliases',
    operationId: 'addAlias',
    summary: 'Add an alias to a cloud',
    description: 'Persisted; resolves wherever a cloud name is accepted (v1 included). A name or alias already in use answers 409.',
    tags,
    auth: 'admin',
    request: { params: cloudParams, body: aliasBody },
    responses: { 201: { description: 'Added.', schema: aliasSchema }, ...problems(400, 401, 403, 404, 409) },
    examples: [{ summary: "A cloud's own name as an alias", params: { cloud: EXAMPLE.cloud }, body: { alias: EXAMPLE.cloud }, status: 409 }],
    handler: async ({ ctx, params, body, user }) => ({ status: 201, body: await ctx.services.admin.clouds.addAlias(actor(user), params.cloud, body.alias) }),
  }),
  v2Route<{ alias: string }>({
    method: 'delete',
    path: '/admin/aliases/{alias}',
    operationId: 'removeAlias',
    summary: 'Remove an alias (one from the config file too)',
    tags,
    auth: 'admin',
    request: { params: aliasParams },
    responses: { 204: { description: 'Removed.' }, ...problems(401, 403, 404, 409) },
    examples: [{ summary: 'An unknown alias', params: { alias: 'no-such-alias' }, status: 404 }],
    handler: async ({ ctx, params, user }) => {
      await ctx.services.admin.clouds.removeAlias(actor(user), params.alias);
      return { status: 204 };
    },
  }),
  v2Route<CloudParams, Record<string, never>, { action: 'shutdown' | 'retire'; count: Count }>({
    method: 'post',
    path: '/admin/clouds/{cloud}/vms/actions',
    operationId: 'actOnCloudVms',
    summary: 'Shut down or retire N (or all) of a cloud\'s VMs',
    description:
      'shutdown destroys FREE VMs only, never an assigned one. retire takes FREE VMs first (destroyed now), then assigned ones, which take no ' +
      'new assignment and are destroyed when released. Each VM is reported: destroyed, retiring, skipped (assigned meanwhile), already-gone, failed.',
    tags,
    auth: 'admin',
    request: { params: cloudParams, body: cloudVmActionBody },
    responses: { 200: { description: 'What happened to each VM.', schema: cloudVmActionResultSchema }, ...problems(400, 401, 403, 404, 501) },
    examples: [{ summary: 'A count of zero', params: { cloud: EXAMPLE.cloud }, body: { action: 'shutdown', count: 0 }, status: 400 }],
    handler: async ({ ctx, params, body, user }) => {
      const { clouds } = ctx.services.admin;
      const cloud = ctx.services.pool.resolve(params.cloud).name;
      const results = body.action === 'shutdown' ? await clouds.shutdownFree(actor(user), cloud, body.count) : await clouds.retire(actor(user), cloud, body.count);
      return { status: 200, body: { action: body.action, cloud, results } };
    },
  }),
  v2Route<CloudParams>({
    method: 'delete',
    path: '/admin/clouds/{cloud}/vms',
    operationId: 'forgetCloudVms',
    summary: "Forget every tracker entry of a cloud (records only; the cloud is not called)",
    tags,
    auth: 'admin',
    request: { params: cloudParams },
    responses: { 200: { description: 'How many entries were forgotten.', schema: forgottenSchema }, ...problems(401, 403, 404) },
    handler: async ({ ctx, params, user }) => {
      const cloud = ctx.services.pool.resolve(params.cloud).name;
      return { status: 200, body: { cloud, ...(await ctx.services.admin.clouds.forgetAll(actor(user), cloud)) } };
    },
  }),
  v2Route<VmParams, Record<string, never>, { action: 'shutdown' | 'retire' | 'reset-override' }>({
    method: 'post',
    path: '/admin/clouds/{cloud}/vms/{vm}/actions',
    operationId: 'actOnTrackedVm',
    summary: 'Shut down, retire, or reset the operator override of one VM',
    description: 'shutdown refuses an assigned VM (409: retire it instead). reset-override clears the retiring flag (it takes assignments again).',
    tags,
    auth: 'admin',
    request: { params: vmParams, body: vmActionBody },
    responses: { 200: { description: 'What happened.', schema: vmActionResultSchema }, ...problems(400, 401, 403, 404, 409, 501) },
    examples: [{ summary: 'An unknown VM', params: { cloud: EXAMPLE.cloud, vm: 'no-such-vm' }, body: { action: 'retire' }, status: 404 }],
    handler: async ({ ctx, params, body, user }) => ({
      status: 200,
      body: await ctx.services.admin.clouds.vmAction(actor(user), params.cloud, params.vm, body.action),
    }),
  }),
  v2Route<VmParams>({
    method: 'delete',
    path: '/admin/clouds/{cloud}/vms/{vm}',
    operationId: 'forgetTrackedVm',
    summary: "Forget one VM's entry (records only; the cloud is not called)",
    tags,
    auth: 'admin',
    request: { params: vmParams },
    responses: { 200: { description: 'Forgotten.', schema: vmActionResultSchema }, ...problems(401, 403, 404) },
    examples: [{ summary: 'An unknown VM', params: { cloud: EXAMPLE.cloud, vm: 'no-such-vm' }, status: 404 }],
    handler: async ({ ctx, params, user }) => ({ status: 200, body: await ctx.services.admin.clouds.vmAction(actor(user), params.cloud, params.vm, 'forget') }),
  }),
];
