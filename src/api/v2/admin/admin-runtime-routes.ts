// /api/v2/admin, the process: log level, config reload, drain, a reconcile pass, the audit log.
import type { LogLevel } from '../../../config/config-schema.js';
import type { AuthenticatedUser } from '../../http/request-context.js';
import { v2Route, type V2Context, type V2Route } from '../v2-context.js';
import { pageFrom } from '../v2-pagination.js';
import { problems } from '../v2-problem.js';
import { listOf } from '../v2-schemas.js';
import { auditEntrySchema, auditQuery, drainSchema, logLevelBody, logLevelSchema, passSchema, reloadSchema } from './admin-schemas.js';

/** Who is acting, for the audit log. */
export function actor(user: AuthenticatedUser | undefined): { id?: number; username: string } {
  return user ? { id: user.id, username: user.username } : { username: 'anonymous' };
}

const tags = ['admin'];

/** The log level and the drain are this process's alone: the answer says so, and which process it is. */
function local<T extends object>(ctx: V2Context, body: T): T & { scope: 'process'; instanceId: string } {
  return { ...body, scope: 'process', instanceId: ctx.services.scaleOut.instanceId };
}

export const adminRuntimeRoutes: V2Route[] = [
  v2Route({
    method: 'get',
    path: '/admin/log-level',
    operationId: 'getLogLevel',
    summary: 'The log level in effect',
    tags,
    auth: 'admin',
    responses: { 200: { description: 'The level.', schema: logLevelSchema }, ...problems(401, 403) },
    examples: [{ summary: 'Read the log level', status: 200 }],
    handler: ({ ctx }) => ({ status: 200, body: local(ctx, { level: ctx.services.admin.runtime.logLevel }) }),
  }),
  v2Route<Record<string, never>, Record<string, never>, { level: LogLevel }>({
    method: 'put',
    path: '/admin/log-level',
    operationId: 'setLogLevel',
    summary: 'Change the log level of this process, live',
    description: 'Not persisted: a restart starts from the configured level (LOG_LEVEL / log.level).',
    tags,
    auth: 'admin',
    request: { body: logLevelBody },
    responses: { 200: { description: 'The new and the previous level.', schema: logLevelSchema }, ...problems(400, 401, 403) },
    examples: [{ summary: 'An unknown level', body: { level: 'loud' }, status: 400 }],
    handler: async ({ ctx, body, user }) => ({ status: 200, body: local(ctx, await ctx.services.admin.runtime.setLogLevel(actor(user), body.level)) }),
  }),
  v2Route({
    method: 'post',
    path: '/admin/reload',
    operationId: 'reloadConfig',
    summary: 'Re-read the configuration file, without a restart',
    description:
      'Re-reads the file and environment the process started with. Clouds are added, removed or changed; calls in flight finish on the old ' +
      'connection, which is closed after them. The log level follows the file if the file changed it. A file that does not validate is refused ' +
      'whole (422, naming the key) and the running configuration is kept. Keys other than clouds and log are reported in restartRequired.',
    tags,
    auth: 'admin',
    responses: { 200: { description: 'What changed.', schema: reloadSchema }, ...problems(401, 403, 409, 422, 501) },
    handler: async ({ ctx, user }) => ({ status: 200, body: await ctx.services.admin.runtime.reload(actor(user)) }),
  }),
  v2Route({
    method: 'get',
    path: '/admin/drain',
    operationId: 'getDrain',
    summary: 'Whether this process is draining',
    tags,
    auth: 'admin',
    responses: { 200: { description: 'The drain state.', schema: drainSchema }, ...problems(401, 403) },
    examples: [{ summary: 'Read the drain state', status: 200 }],
    handler: ({ ctx }) => ({ status: 200, body: local(ctx, { draining: ctx.services.admin.runtime.draining }) }),
  }),
  v2Route({
    method: 'post',
    path: '/admin/drain',
    operationId: 'drain',
    summary: 'Drain: refuse new starts (503), turn /readyz not-ready',
    description: 'Everything else keeps working (lists, stops, assigns, releases). This process only, not persisted; SIGTERM drains too.',
    tags,
    auth: 'admin',
    responses: { 200: { description: 'Draining.', schema: drainSchema }, ...problems(401, 403) },
    handler: async ({ ctx, user }) => ({ status: 200, body: local(ctx, await ctx.services.admin.runtime.setDraining(actor(user), true)) }),
  }),
  v2Route({
    method: 'post',
    path: '/admin/undrain',
    operationId: 'undrain',
    summary: 'Lift a drain',
    tags,
    auth: 'admin',
    responses: { 200: { description: 'Not draining.', schema: drainSchema }, ...problems(401, 403) },
    handler: async ({ ctx, user }) => ({ status: 200, body: local(ctx, await ctx.services.admin.runtime.setDraining(actor(user), false)) }),
  }),
  v2Route({
    method: 'post',
    path: '/admin/reconcile',
    operationId: 'reconcile',
    summary: 'Run one reconcile pass now',
    description: 'Lists every cloud once: finds VMs the tracker or our records hold that the cloud no longer lists, records booting VMs seen running or failed.',
    tags,
    auth: 'admin',
    responses: { 200: { description: "The pass's report.", schema: passSchema }, ...problems(401, 403) },
    handler: async ({ ctx, user }) => ({
      status: 200,
      body: await ctx.services.admin.audit.run(actor(user), 'reconcile', 'process', {}, () => ctx.services.admin.reconciler.pass()),
    }),
  }),
  v2Route<Record<string, never>, { action?: string; actor?: string; limit: number; next?: string }>({
    method: 'get',
    path: '/admin/audit',
    operationId: 'listAudit',
    summary: 'The audit log, newest first',
    description: 'Every admin change: who, what, when, and how it ended (refusals included).',
    tags,
    auth: 'admin',
    request: { query: auditQuery },
    responses: { 200: { description: 'A page of entries.', schema: listOf(auditEntrySchema, true) }, ...problems(400, 401, 403) },
    examples: [{ summary: 'The latest 20 entries', query: { limit: '20' }, status: 200 }],
    handler: async ({ ctx, query }) => {
      const { action, actor } = query;
      const page = await pageFrom(
        { ...query, filters: { action, actor } },
        (after, limit) => ctx.services.admin.audit.list({ limit, before: after && Number(after[0]), action, actor }),
        (entry) => [entry.id],
      );
      return { status: 200, body: page };
    },
  }),
];
