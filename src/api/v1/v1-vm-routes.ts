// v1's VM routes: start, delete, assign, release, firewall. Each route is declared once; the router
// and /openapi/v1.json are both built from these declarations. The examples are emulate-mode
// requests, whose canned answers run without a cloud.
import Joi from 'joi';
import { DispatcherError } from '../../domain/errors.js';
import type { VmRef } from '../../services/vm-service.js';
import type { CloudConnection } from '../../pool/cloud-connection.js';
import type { AuthenticatedUser } from '../http/request-context.js';
import { ok, v1Route, withCloud, type CloudParams, type V1Context, type V1Route } from './v1-context.js';
import { EMULATED, emulatedNode, presentNode } from './v1-presenters.js';
import * as schemas from './v1-schemas.js';

type NodeRefBody = { node?: string; hostname?: string; emulate?: unknown };
type StartBody = { name: string; image: string; size: string; keyname?: string; metadata?: Record<string, string>; emulate?: unknown };
type AssignBody = NodeRefBody & { user: string; vm_type: string };
type FirewallBody = NodeRefBody & { port: number; protocol: 'tcp' | 'udp' | 'icmp'; cidr: string };

const exampleCloud = { provider: 'fake', displayName: 'Fake' } as CloudConnection;

function nodeRef(body: NodeRefBody): VmRef {
  if (!body.node && !body.hostname) throw new DispatcherError('bad-request', 'no valid node id nor hostname here', { code: 'NoNodeRef' });
  return { node: body.node, hostname: body.hostname };
}

/**
 * The original served start and stop from one view: POST created and PUT destroyed on both paths
 * (the other path's spelling is documented deprecated).
 */
const view = (method: 'post' | 'put', path: string, deprecated: boolean, operationId: string, summary: string) => ({
  method,
  path,
  operationId: deprecated ? `${operationId}Via${path === '/vm/start' ? 'Start' : 'Stop'}Path` : operationId,
  summary: deprecated ? `${summary} (the original served ${method === 'post' ? 'start on the stop' : 'stop on the start'} path too)` : summary,
  tags: ['vm'],
  auth: 'user' as const,
  deprecated,
});

const start = (path: string, deprecated: boolean): V1Route[] =>
  withCloud(
    v1Route<CloudParams, never, StartBody>({
      ...view('post', path, deprecated, 'startVm', 'Start a VM'),
      request: { body: schemas.startBody },
      responses: {
        200: {
          description: 'The new node (`emulate: true` answers a canned node and starts nothing).',
          schema: Joi.object({ status: schemas.ok, nodes: schemas.nodeSchema.required() }),
          example: { status: 'ok', nodes: emulatedNode('spec-v1-emulated-start', exampleCloud, false) },
        },
        ...schemas.errors(400, 401, 404, 501, 502, 504),
      },
      async handler({ ctx, params, body, user }) {
        const cloud = ctx.pool.resolve(params.cloud);
        if (schemas.isTruthy(body.emulate)) return ok({ nodes: emulatedNode(body.name, cloud, ctx.integerStates) });
        const vm = await ctx.vms.start(cloud, { name: body.name, image: body.image, size: body.size, keyName: body.keyname, metadata: body.metadata }, { userId: user?.id });
        return ok({ nodes: presentNode(vm, cloud, ctx.integerStates) });
      },
    }),
    [{ summary: 'Emulated start', body: { name: 'spec-v1-emulated-start', image: 'ubuntu-24.04', size: 'm1.small', emulate: true }, status: 200 }],
  );

const stop = (path: string, deprecated: boolean): V1Route[] =>
  withCloud(
    v1Route<CloudParams, never, NodeRefBody>({
      ...view('put', path, deprecated, 'stopVm', 'Delete a VM'),
      request: { body: schemas.stopBody },
      responses: { 200: { description: 'Deleted.', schema: schemas.resultOnly, example: EMULATED.stop }, ...schemas.errors(400, 401, 404, 501, 502, 504) },
      async handler({ ctx, params, body, user }) {
        const cloud = ctx.pool.resolve(params.cloud);
        if (schemas.isTruthy(body.emulate)) return { status: 200, body: EMULATED.stop };
        const ref = await ctx.ownership.vmRef(user, cloud, nodeRef(body));
        const vm = await ctx.vms.destroy(cloud, ref, { userId: user?.id });
        return ok({ result: `Node ${vm.id} deleted` });
      },
    }),
    [{ summary: 'Emulated stop', body: { node: '-fake_id-', emulate: true }, status: 200 }],
  );

type TrackerRun = (ctx: V1Context, cloud: CloudConnection, body: AssignBody, user: AuthenticatedUser | undefined) => Promise<Record<string, unknown>>;

const TRACKER_ACTIONS: Record<'assign' | 'release', { summary: string; body: Joi.ObjectSchema; example: NodeRefBody & Partial<AssignBody>; run: TrackerRun }> = {
  assign: {
    summary: 'Assign a FREE node to a user',
    body: schemas.assignBody,
    example: { node: '-fake_id-', user: 'alice', vm_type: 'worker', emulate: true },
    async run(ctx, cloud, body, user) {
      ctx.ownership.checkAssignee(user, body.user);
      const ref = await ctx.ownership.vmRef(user, cloud, nodeRef(body));
      return { ...(await ctx.assignments.assign(cloud, { ...ref, user: body.user, vmType: body.vm_type })) };
    },
  },
  release: {
    summary: 'Release a node: un-assign, delete, wait until gone',
    body: schemas.releaseBody,
    example: { node: '-fake_id-', emulate: true },
    async run(ctx, cloud, body, user) {
      const ref = await ctx.ownership.vmRef(user, cloud, nodeRef(body));
      return { ...(await ctx.assignments.release(cloud, ref, { userId: user?.id })) };
    },
  },
};

const trackerAction = (action: 'assign' | 'release'): V1Route[] =>
  withCloud(
    v1Route<CloudParams, never, AssignBody>({
      method: 'put',
      path: `/vm/action/${action}`,
      operationId: `${action}Vm`,
      summary: TRACKER_ACTIONS[action].summary,
      tags: ['assignment'],
      auth: 'user',
      request: { body: TRACKER_ACTIONS[action].body },
      responses: { 200: { description: `The tracker's answer.`, schema: schemas.trackerResult, example: EMULATED[action] }, ...schemas.errors(400, 401, 404, 409, 501, 502, 504) },
      async handler({ ctx, params, body, user }) {
        const cloud = ctx.pool.resolve(params.cloud);
        nodeRef(body);
        if (schemas.isTruthy(body.emulate)) return { status: 200, body: EMULATED[action] };
        return ok(await TRACKER_ACTIONS[action].run(ctx, cloud, body, user));
      },
    }),
    [{ summary: `Emulated ${action}`, body: TRACKER_ACTIONS[action].example, status: 200 }],
  );

const firewall = (which: 'open' | 'close'): V1Route[] =>
  withCloud(
    v1Route<CloudParams, never, FirewallBody>({
      method: 'put',
      path: `/fw/${which}`,
      operationId: `${which}Port`,
      summary: `${which === 'open' ? 'Open' : 'Close'} a port on a node`,
      tags: ['vm'],
      auth: 'user',
      request: { body: schemas.firewallBody },
      responses: { 200: { description: 'Done.', schema: schemas.resultOnly }, ...schemas.errors(400, 401, 404, 501, 502) },
      async handler({ ctx, params, body, user }) {
        const cloud = ctx.pool.resolve(params.cloud);
        const ref = await ctx.ownership.vmRef(user, cloud, nodeRef(body));
        const rule = { port: body.port, protocol: body.protocol ?? 'tcp', cidr: body.cidr ?? '0.0.0.0/0' };
        const vm = await ctx.vms.firewall(cloud, ref, rule, which === 'open', { userId: user?.id });
        return ok({ result: `Port ${rule.port}/${rule.protocol} ${which === 'open' ? 'opened' : 'closed'} for ${rule.cidr} on node ${vm.id}` });
      },
    }),
  );

/** In the order of /openapi/v1.json's operations on a shared path (start before stop on /vm/start). */
export function v1VmRoutes(): V1Route[] {
  return [...start('/vm/start', false), ...start('/vm/stop', true), ...stop('/vm/stop', false), ...stop('/vm/start', true), ...trackerAction('assign'), ...trackerAction('release'), ...firewall('open'), ...firewall('close')];
}
