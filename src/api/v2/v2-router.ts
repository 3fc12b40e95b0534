// API v2, the resource API: a router built from the route declarations (./v2-routes.ts), with
// problem+json errors. The same declarations produce /openapi/v2.json (see ../openapi/).
import type { RequestHandler, Router } from 'express';
import type { Config } from '../../config/config-schema.js';
import { mountRoutes } from '../openapi/route-mount.js';
import { DEFAULT_WAIT_TIMEOUT_MS, type V2Route, type V2Services } from './v2-context.js';
import { idempotencyHook } from './v2-idempotency.js';
import { v2NotFound, v2ProblemHandler } from './v2-problem.js';
import { v2Routes } from './v2-routes.js';

export interface V2Deps {
  services: V2Services;
  config: Config;
  authenticate: RequestHandler;
  /** More route modules (declared with v2Route) to serve and document beside the built-in ones. */
  extraRoutes?: readonly (readonly V2Route[])[];
  /** Bound of `?wait=true` (default 60 s). */
  waitTimeoutMs?: number;
}

export interface V2Api {
  router: Router;
  /** Every route the router serves: the input of the v2 OpenAPI document. */
  routes: V2Route[];
}

export function v2Api(deps: V2Deps): V2Api {
  const routes = v2Routes(deps.extraRoutes);
  const router = mountRoutes(routes, {
    context: { services: deps.services, config: deps.config, waitTimeoutMs: deps.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS },
    authenticate: deps.authenticate,
    idempotency: idempotencyHook(deps.services.idempotency),
  });
  router.use(v2NotFound());
  router.use(v2ProblemHandler());
  return { router, routes };
}

export function v2Router(deps: V2Deps): Router {
  return v2Api(deps).router;
}
