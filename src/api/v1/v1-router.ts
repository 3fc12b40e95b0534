// API v1's router, built from the route declarations (./v1-routes.ts) like v2's: authentication by
// each route's `auth`, validation from its joi schemas, v1's envelope for every error. What no
// declaration matches answers as the original did, behind a token: 501 for a method a path does
// not take, 400 for an unknown list, 404 for anything else.
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { DispatcherError } from '../../domain/errors.js';
import { mountRoutes } from '../openapi/route-mount.js';
import { validate } from '../http/validate.js';
import type { V1Context, V1Route } from './v1-context.js';
import { v1Envelope, v1ErrorHandler } from './v1-envelope.js';
import { v1Routes } from './v1-routes.js';

export interface V1Deps extends V1Context {
  authenticate: RequestHandler;
}

export interface V1Api {
  router: Router;
  /** Every route the router serves: the input of the v1 OpenAPI document. */
  routes: V1Route[];
}

const notImplemented: RequestHandler = (_req, res) => {
  res.status(501).json(v1Envelope(501, 'Not implemented'));
};

export function v1Api(deps: V1Deps): V1Api {
  const { authenticate, ...context } = deps;
  const routes = v1Routes();
  const router = mountRoutes(routes, {
    context,
    authenticate,
    // The original reported the first failing key only, in its own words (v1ErrorFor).
    validate: (_where, schema, value) => validate(schema, value),
    unmatchedMethod: notImplemented,
  });
  router.use(authenticate);
  router.all('/vm/action/:action{/:cloud}', notImplemented);
  router.all('/:action{/:cloud}', (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return notImplemented(req, res, next);
    next(new DispatcherError('bad-request', 'Unrecognized action found', { code: 'UnknownAction' }));
  });
  router.use((_req: Request, res: Response) => {
    res.status(404).json(v1Envelope(404, 'Page not found'));
  });
  router.use(v1ErrorHandler());
  return { router, routes };
}
