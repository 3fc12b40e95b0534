// /api/v2/status: what any authenticated user may read about the dispatcher (see StatusService).
// What names internal endpoints, cloud accounts or other users' VMs is the admins': the effective
// configuration, a live listing of a cloud, the reconciler's findings (users get their count).
import { DispatcherError } from '../../../domain/errors.js';
import { v2Route, type V2Route } from '../v2-context.js';
import { EXAMPLE } from '../v2-examples.js';
import { problems } from '../v2-problem.js';
import { listOf } from '../v2-schemas.js';
import {
  cloudParams,
  cloudQuery,
  cloudStatusSchema,
  configSchema,
  failuresQuery,
  failuresSchema,
  findingsQuery,
  findingsSchema,
  heartbeatSchema,
  missingSchema,
  operationCountsSchema,
  sinceQuery,
  startupSchema,
  summarySchema,
  vmTotalsSchema,
} from './status-schemas.js';

const tags = ['status'];

export const statusRoutes: V2Route[] = [
  v2Route({
    method: 'get',
    path: '/status',
    operationId: 'getStatus',
    summary: 'Version, uptime, drain, the clouds served, the live instances and who runs each worker',
    tags,
    auth: 'user',
    responses: { 200: { description: 'The summary.', schema: summarySchema }, ...problems(401) },
    examples: [{ summary: 'Read the summary', status: 200 }],
    handler: async ({ ctx, user }) => ({
      status: 200,
      body: {
        ...ctx.services.admin.status.summary(),
        ...(await ctx.services.scaleOut.view()),
        ...(user ? { mine: await ctx.services.groups.clusters.counts(user.id) } : {}),
      },
    }),
  }),
  v2Route({
    method: 'get',
    path: '/status/clouds',
    operationId: 'getCloudsStatus',
    summary: 'Per cloud: driver, enabled, allocation used/total, tracked VMs, VMs by state (last reconcile pass)',
    tags,
    auth: 'user',
    responses: { 200: { description: 'The clouds.', schema: listOf(cloudStatusSchema, false) }, ...problems(401) },
    examples: [{ summary: 'Every cloud', status: 200 }],
    handler: async ({ ctx }) => ({ status: 200, body: { items: await ctx.services.admin.status.clouds() } }),
  }),
  v2Route<{ cloud: string }, { live: boolean }>({
    method: 'get',
    path: '/status/clouds/{cloud}',
    operationId: 'getCloudStatus',
    summary: 'One cloud (with ?live=true, admins only, its VMs listed now)',
    tags,
    auth: 'user',
    request: { params: cloudParams, query: cloudQuery },
    responses: { 200: { description: 'The cloud.', schema: cloudStatusSchema }, ...problems(400, 401, 403, 404) },
    examples: [
      { summary: 'A cloud, listed now', params: { cloud: EXAMPLE.cloud }, query: { live: 'true' }, status: 200 },
      { summary: 'An unknown cloud', params: { cloud: EXAMPLE.missingCloud }, status: 404 },
    ],
    handler: async ({ ctx, params, query, user }) => {
      if (query.live && user?.role !== 'admin') throw new DispatcherError('forbidden', 'listing a cloud live needs the admin role', { code: 'Forbidden' });
      return { status: 200, body: await ctx.services.admin.status.cloud(params.cloud, query.live) };
    },
  }),
  v2Route({
    method: 'get',
    path: '/status/config',
    operationId: 'getEffectiveConfig',
    summary: 'The configuration in effect, secrets redacted',
    description:
      "Admins only (it names internal endpoints and cloud accounts). Cloud options each driver declares secret, cistern.token, auth.adminPassword and database URL passwords read [redacted].",
    tags,
    auth: 'admin',
    responses: { 200: { description: 'The configuration.', schema: configSchema }, ...problems(401, 403) },
    examples: [{ summary: 'Read the configuration', status: 200 }],
    handler: ({ ctx }) => ({ status: 200, body: ctx.services.admin.status.config() }),
  }),
  v2Route({
    method: 'get',
    path: '/status/vms',
    operationId: 'getVmTotals',
    summary: 'VMs the dispatcher holds, per cloud, and how many are missing',
    tags,
    auth: 'user',
    responses: { 200: { description: 'Totals.', schema: vmTotalsSchema }, ...problems(401) },
    examples: [{ summary: 'Totals', status: 200 }],
    handler: async ({ ctx }) => ({ status: 200, body: await ctx.services.admin.status.vmTotals() }),
  }),
  v2Route({
    method: 'get',
    path: '/status/vms/missing',
    operationId: 'getMissingVms',
    summary: 'VMs the tracker or our records hold that the cloud no longer lists (last reconcile pass)',
    tags,
    auth: 'user',
    responses: { 200: { description: 'Missing VMs.', schema: missingSchema }, ...problems(401) },
    examples: [{ summary: 'Missing VMs', status: 200 }],
    handler: ({ ctx, user }) => {
      const missing = ctx.services.admin.status.missing();
      return { status: 200, body: { lastPassAt: missing.lastPassAt, count: missing.vms.length, vms: user?.role === 'admin' ? missing.vms : [] } };
    },
  }),
  v2Route<Record<string, never>, { cloud?: string }>({
    method: 'get',
    path: '/status/vms/findings',
    operationId: 'getVmFindings',
    summary: 'What reconcile passes found out of step: missing, unknown (ours by tag, no record) and stuck-releasing VMs',
    description:
      "Admins see every finding; other users get the count only (items empty). Kept in the store, one row per VM id. Unknown VMs are handled by the cloud's reconcile.orphans policy (report, adopt, destroy); " +
      'operators act on a finding with POST /api/v2/admin/clouds/{cloud}/findings/{vm}/actions.',
    tags,
    auth: 'user',
    request: { query: findingsQuery },
    responses: { 200: { description: 'The findings.', schema: findingsSchema }, ...problems(400, 401, 404) },
    examples: [
      { summary: 'Every finding', status: 200 },
      { summary: 'Findings of one cloud', query: { cloud: EXAMPLE.cloud }, status: 200 },
    ],
    // They name VMs of every user and unknown ones at the cloud: admins see them, others the count.
    handler: async ({ ctx, query, user }) => {
      const findings = await ctx.services.admin.status.findings(query.cloud);
      return { status: 200, body: { ...findings, count: findings.items.length, items: user?.role === 'admin' ? findings.items : [] } };
    },
  }),
  v2Route<Record<string, never>, { since?: string }>({
    method: 'get',
    path: '/status/vms/startup-times',
    operationId: 'getStartupTimes',
    summary: 'Startup time (create → running) per cloud and image: count, min, median, p95, max',
    tags,
    auth: 'user',
    request: { query: sinceQuery },
    responses: { 200: { description: 'Startup times in ms.', schema: startupSchema }, ...problems(400, 401) },
    examples: [{ summary: 'Startup times', status: 200 }],
    handler: async ({ ctx, query }) => ({ status: 200, body: await ctx.services.admin.metrics.startupTimes(query.since) }),
  }),
  v2Route<Record<string, never>, { type: 'boot' | 'image'; since?: string }>({
    method: 'get',
    path: '/status/failures',
    operationId: 'getFailures',
    summary: 'Boot failures (with the fault) or failures per image',
    tags,
    auth: 'user',
    request: { query: failuresQuery },
    responses: { 200: { description: 'Failures.', schema: failuresSchema }, ...problems(400, 401) },
    examples: [
      { summary: 'Boot failures', query: { type: 'boot' }, status: 200 },
      { summary: 'Failures per image', query: { type: 'image' }, status: 200 },
      { summary: 'An unknown type', query: { type: 'disk' }, status: 400 },
    ],
    handler: async ({ ctx, query }) => {
      const { metrics } = ctx.services.admin;
      const body = query.type === 'boot' ? await metrics.bootFailures(query.since) : await metrics.imageFailures(query.since);
      return { status: 200, body: { type: query.type, ...body } };
    },
  }),
  v2Route({
    method: 'get',
    path: '/status/operations',
    operationId: 'getOperationCounts',
    summary: 'Operations by state',
    tags,
    auth: 'user',
    responses: { 200: { description: 'Counts.', schema: operationCountsSchema }, ...problems(401) },
    examples: [{ summary: 'Operations by state', status: 200 }],
    handler: async ({ ctx }) => ({ status: 200, body: await ctx.services.admin.status.operations() }),
  }),
  v2Route({
    method: 'get',
    path: '/status/heartbeats',
    operationId: 'getHeartbeats',
    summary: "Background workers' last heart-beat and whether it is late",
    tags,
    auth: 'user',
    responses: { 200: { description: 'The workers running in this process.', schema: listOf(heartbeatSchema, false) }, ...problems(401) },
    examples: [{ summary: 'Heart-beats', status: 200 }],
    handler: ({ ctx }) => ({ status: 200, body: { items: ctx.services.admin.status.heartbeats() } }),
  }),
];
