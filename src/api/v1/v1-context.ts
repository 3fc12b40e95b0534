// What every v1 handler gets as `ctx`, the definer that types v1 routes, and v1's optional
// trailing cloud segment as a pair of declarations.
import Joi from 'joi';
import type { RequestHandler } from 'express';
import type { AssignmentService } from '../../services/assignment-service.js';
import type { AuthService } from '../../services/auth-service.js';
import type { OwnershipService } from '../../services/ownership-service.js';
import type { VmService } from '../../services/vm-service.js';
import type { CloudPool } from '../../pool/cloud-pool.js';
import { routeDefiner, type Route, type RouteExample } from '../openapi/route-spec.js';

export interface V1Context {
  pool: CloudPool;
  vms: VmService;
  assignments: AssignmentService;
  auth: AuthService;
  ownership: OwnershipService;
  /** Node states as libcloud's integer codes (config v1.integerStates). */
  integerStates: boolean;
}

/** Declares a v1 route: `v1Route<CloudParams, never, StartBody>({ method, path, …, handler })`. */
export const v1Route = routeDefiner<V1Context>();

export type V1Route = Route<V1Context>;

/** The path parameters of a route declared withCloud: absent on the path without the segment. */
export interface CloudParams {
  cloud?: string;
}

/** v1's success answer: `status: ok` first, then the route's keys. */
export function ok(body: Record<string, unknown> = {}) {
  return { status: 200, body: { status: 'ok', ...body } };
}

const cloudParams = Joi.object({ cloud: Joi.string().required().description('A cloud name or alias (percent-encoded).') });

/**
 * A route at `path` and at `path/{cloud}` (v1's optional trailing cloud segment; without it, the
 * default cloud). The cloud is resolved before the body is validated, as the original did: an
 * unknown cloud answers 404 whatever the body (the handler resolves it again, a map lookup).
 */
export function withCloud(route: V1Route, examples: RouteExample[] = []): V1Route[] {
  const resolveFirst = (ctx: V1Context): RequestHandler[] => [
    (req, _res, next) => {
      ctx.pool.resolve(typeof req.params.cloud === 'string' ? req.params.cloud : undefined);
      next();
    },
  ];
  return [
    { ...route, middleware: resolveFirst, examples: examples.map((e) => ({ ...e, params: undefined })) },
    {
      ...route,
      path: `${route.path}/{cloud}`,
      operationId: route.operationId && `${route.operationId}OnCloud`,
      request: { ...route.request, params: cloudParams },
      middleware: resolveFirst,
      examples: examples.map((e) => ({ ...e, params: { cloud: 'default' } })),
    },
  ];
}
