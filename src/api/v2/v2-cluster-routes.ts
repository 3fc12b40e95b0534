// /api/v2/clusters: create (202), list, show, scale (PATCH), remove one member, act on every
// member (start / stop / reboot / repair), delete. Checks and refusals answer at once; the work
// runs as a `cluster.*` operation (Location: the operation).
import type { AuthenticatedUser } from '../http/request-context.js';
import type { Actor, ClusterAction, CreateCluster } from '../../services/cluster-service.js';
import { accepted, acceptOrWait, operationFailure } from './v2-async.js';
import { presentCluster, presentClusterSummary } from './v2-cluster-presenter.js';
import {
  clusterActionBody,
  clusterListQuery,
  clusterParams,
  clusterSchema,
  clusterSummarySchema,
  createClusterBody,
  forceQuery,
  memberParams,
  scaleClusterBody,
} from './v2-cluster-schemas.js';
import { v2Route, type V2Context, type V2Route } from './v2-context.js';
import { presentOperation } from './v2-presenters.js';
import { problems } from './v2-problem.js';
import { listOf, operationSchema, waitQuery } from './v2-schemas.js';
import { isPrivileged } from '../../services/ownership-service.js';

const tags = ['clusters'];
/** No cluster has this id: the examples that need a cluster show the 404 a stale id gets. */
const MISSING_CLUSTER = '00000000-0000-4000-8000-00000000c1a5';
const template = { image: 'ubuntu-24.04', size: 'm1.small', metadata: { team: 'genomics' } };

function actor(user?: AuthenticatedUser): Actor {
  return { id: user?.id, admin: isPrivileged(user) };
}

/** `fromCreates`: the view right after a create, built from what the members' creates answered (no listing). */
async function show(ctx: V2Context, user: AuthenticatedUser | undefined, id: string, fromCreates = false) {
  const { clusters } = ctx.services.groups;
  const cluster = await clusters.get(actor(user), id);
  const members = await clusters.members(cluster);
  const answered = fromCreates ? await clusters.createAnswers(members) : undefined;
  return presentCluster(cluster, members, { vms: ctx.services.vms, tracker: ctx.services.tracker }, answered);
}

const opAnswer = { 200: { description: 'Done (with ?wait=true): the finished operation.', schema: operationSchema }, 202: accepted };

export const clusterRoutes: V2Route[] = [
  v2Route<Record<string, never>, { limit: number }>({
    method: 'get',
    path: '/clusters',
    operationId: 'listClusters',
    summary: 'Your clusters (every cluster for an admin), newest first',
    tags,
    auth: 'user',
    request: { query: clusterListQuery },
    responses: { 200: { description: 'Clusters.', schema: listOf(clusterSummarySchema, false) }, ...problems(400, 401) },
    examples: [
      { summary: 'List clusters', status: 200 },
      { summary: 'List clusters with a limit out of range', query: { limit: '0' }, status: 400 },
    ],
    handler: async ({ ctx, query, user }) => {
      const { clusters } = ctx.services.groups;
      const list = await clusters.list(actor(user), query.limit);
      const items = await Promise.all(list.map(async (c) => presentClusterSummary(c, await clusters.members(c))));
      return { status: 200, body: { items } };
    },
  }),
  v2Route<Record<string, never>, { wait: boolean }, CreateCluster>({
    method: 'post',
    path: '/clusters',
    operationId: 'createCluster',
    summary: 'Create a cluster of `size` VMs, placed over the clouds by policy',
    description:
      'Placement is decided first: when the clouds cannot take `size` VMs the answer is 409 with each cloud\'s reason (`clouds`), and nothing is started. ' +
      'Otherwise 202 with the `cluster.create` operation (its `target` is the cluster id, its `placement` the reasons). Members start in parallel ' +
      '(per-cloud concurrency applies), tagged `dispatcher:cluster=<id>` and tracked FREE. Members that fail leave the cluster `degraded` with ' +
      'the failures listed; `repair` replaces them. With `?wait=true`, 201 with the cluster once the operation ends: each member\'s `vmState` and IPs ' +
      'are then what its create answered (`vmStateFrom: create`, `vmStateAt`: when), not a new listing of the clouds; GET the cluster for the clouds\' word now.',
    tags,
    auth: 'user',
    idempotent: true,
    request: { query: waitQuery, body: createClusterBody },
    responses: {
      201: { description: 'Created (with ?wait=true).', schema: clusterSchema, headers: { Location: { description: 'The cluster.' } } },
      202: accepted,
      ...problems(400, 401, 409, 503),
    },
    examples: [
      { summary: 'Create a cluster of two, spread', body: { name: 'job-42', size: 2, template }, status: 202 },
      { summary: 'Create a cluster packed on one cloud and wait', query: { wait: 'true' }, body: { name: 'job-43', size: 2, template, placement: { clouds: ['default'], strategy: 'pack' } }, status: 201 },
      { summary: 'Create a cluster whose image no cloud has', body: { name: 'job-44', size: 1, template: { image: 'no-such-image', size: 'm1.small' } }, status: 409 },
      { summary: 'Create a cluster without a size', body: { name: 'job-45', template }, status: 400 },
    ],
    handler: async ({ ctx, query, body, user }) => {
      const { cluster, submitted } = await ctx.services.groups.clusters.create(actor(user), body);
      if (query.wait) {
        const final = await ctx.services.operationService.settle(submitted, ctx.waitTimeoutMs);
        if (final?.state === 'succeeded') {
          const shown = await show(ctx, user, cluster.id, true);
          return { status: 201, body: shown, headers: { Location: shown.links.self } };
        }
        if (final) throw operationFailure(final);
      }
      return acceptOrWait(ctx, submitted, false, () => ({ status: 202 }));
    },
  }),
  v2Route<{ id: string }>({
    method: 'get',
    path: '/clusters/{id}',
    operationId: 'getCluster',
    summary: 'One cluster: status, desired and actual size, each member (cloud, state, IPs, tracker status, times), failures',
    tags,
    auth: 'user',
    request: { params: clusterParams },
    responses: { 200: { description: 'The cluster.', schema: clusterSchema }, ...problems(401, 404) },
    examples: [{ summary: 'Show a cluster that does not exist', params: { id: MISSING_CLUSTER }, status: 404 }],
    handler: async ({ ctx, params, user }) => ({ status: 200, body: await show(ctx, user, params.id) }),
  }),
  v2Route<{ id: string }, { wait: boolean }, { size: number; force: boolean }>({
    method: 'patch',
    path: '/clusters/{id}',
    operationId: 'scaleCluster',
    summary: 'Scale out or in',
    description:
      'Scale-out places the new members by the cluster\'s placement (409 with reasons when they do not fit). Scale-in removes FREE (or faulty) members first, ' +
      'newest first, and answers 409 rather than destroy an ASSIGNED member unless `force`. 409 while another operation works on the cluster.',
    tags,
    auth: 'user',
    request: { params: clusterParams, query: waitQuery, body: scaleClusterBody },
    responses: { ...opAnswer, ...problems(400, 401, 404, 409, 503) },
    examples: [
      { summary: 'Scale a missing cluster to five', params: { id: MISSING_CLUSTER }, body: { size: 5 }, status: 404 },
      { summary: 'Scale to a negative size', params: { id: MISSING_CLUSTER }, body: { size: -1 }, status: 400 },
    ],
    handler: async ({ ctx, params, query, body, user }) => {
      const submitted = await ctx.services.groups.clusters.scale(actor(user), params.id, body.size, body.force);
      return acceptOrWait(ctx, submitted, query.wait, (op) => ({ status: 200, body: presentOperation(op) }));
    },
  }),
  v2Route<{ id: string; vm: string }, { force: boolean }>({
    method: 'delete',
    path: '/clusters/{id}/members/{vm}',
    operationId: 'removeClusterMember',
    summary: 'Remove one member (by VM id or name): destroyed, waited until gone; the desired size shrinks by one',
    tags,
    auth: 'user',
    request: { params: memberParams, query: forceQuery },
    responses: { 202: accepted, ...problems(401, 404, 409) },
    examples: [{ summary: 'Remove a member of a missing cluster', params: { id: MISSING_CLUSTER, vm: 'job-42-0a1b2c3d' }, status: 404 }],
    handler: async ({ ctx, params, query, user }) => {
      const submitted = await ctx.services.groups.clusters.removeMember(actor(user), params.id, params.vm, query.force);
      return acceptOrWait(ctx, submitted, false, () => ({ status: 202 }));
    },
  }),
  v2Route<{ id: string }, { wait: boolean }, { action: ClusterAction }>({
    method: 'post',
    path: '/clusters/{id}/actions',
    operationId: 'actOnCluster',
    summary: 'start / stop / reboot every member, or repair',
    description:
      'Power actions need the capability (`power`, `reboot`) on every member\'s cloud: 501 before any call when one lacks it. `repair` starts replacements ' +
      'for failed members and destroys and replaces members whose VM is in `error`.',
    tags,
    auth: 'user',
    request: { params: clusterParams, query: waitQuery, body: clusterActionBody },
    responses: { ...opAnswer, ...problems(400, 401, 404, 409, 501) },
    examples: [
      { summary: 'Repair a missing cluster', params: { id: MISSING_CLUSTER }, body: { action: 'repair' }, status: 404 },
      { summary: 'An unknown cluster action', params: { id: MISSING_CLUSTER }, body: { action: 'explode' }, status: 400 },
    ],
    handler: async ({ ctx, params, query, body, user }) => {
      const submitted = await ctx.services.groups.clusters.act(actor(user), params.id, body.action);
      return acceptOrWait(ctx, submitted, query.wait, (op) => ({ status: 200, body: presentOperation(op) }));
    },
  }),
  v2Route<{ id: string }, { wait: boolean }>({
    method: 'delete',
    path: '/clusters/{id}',
    operationId: 'deleteCluster',
    summary: 'Release and destroy every member, wait until each is gone, then forget the cluster',
    tags,
    auth: 'user',
    request: { params: clusterParams, query: waitQuery },
    responses: { ...opAnswer, ...problems(401, 404, 409) },
    examples: [{ summary: 'Delete a missing cluster', params: { id: MISSING_CLUSTER }, status: 404 }],
    handler: async ({ ctx, params, query, user }) => {
      const submitted = await ctx.services.groups.clusters.delete(actor(user), params.id);
      return acceptOrWait(ctx, submitted, query.wait, (op) => ({ status: 200, body: presentOperation(op) }));
    },
  }),
];
