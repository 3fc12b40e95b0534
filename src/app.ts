// createApp: the Express app without listen(), so tests and main share it.
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { toDispatcherError } from './domain/errors.js';
import { v1Api } from './api/v1/v1-router.js';
import { v1ErrorHandler } from './api/v1/v1-envelope.js';
import { v2Api } from './api/v2/v2-router.js';
import { v2ProblemHandler } from './api/v2/v2-problem.js';
import { v2OpenApi } from './api/v2/v2-openapi.js';
import { v1OpenApi } from './api/v1/v1-openapi.js';
import { docsRoutes } from './api/openapi/docs-routes.js';
import { jsonBody } from './api/http/body-parser.js';
import { createAuthenticator } from './api/http/auth-middleware.js';
import { healthRoutes } from './api/http/health-routes.js';
import { requestContext } from './api/http/request-context.js';
import { uiRoutes } from './ui/ui-routes.js';
import { allowedHosts, rejectBadEscapes, securityHeaders } from './api/http/request-guards.js';
import type { Config } from './config/config-schema.js';
import type { AppLogger } from './log/log-factory.js';
import type { Services } from './compose.js';
import { VERSION } from './domain/version.js';
import { DispatcherMetrics } from './metrics/metrics-registry.js';
import { metricsRoute } from './metrics/metrics-route.js';

export interface AppDeps {
  config: Config;
  logger: AppLogger;
  services: Services;
}

export function createApp({ config, logger, services }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Default: trust no proxy, so a client cannot pick its own address with X-Forwarded-For
  // (the login throttle keys on it). Behind nginx/HAProxy the operator names the proxies.
  app.set('trust proxy', config.server.trustProxy);
  app.set('query parser', 'simple');
  const metrics = new DispatcherMetrics({ admin: services.admin, operations: services.operations, draining: () => services.state.draining });
  services.pool.observeCalls(metrics.observeCall);
  app.use(securityHeaders());
  app.use(requestContext(logger, metrics.observeRequest));
  app.use(allowedHosts(config.server.allowedHosts));
  app.use(rejectBadEscapes());

  const authenticator = createAuthenticator(services.auth);
  const v1 = v1Api({
    pool: services.pool,
    vms: services.vms,
    assignments: services.assignments,
    ownership: services.ownership,
    auth: services.auth,
    authenticate: authenticator({ required: config.auth.required, legacySpellings: true }),
    integerStates: config.v1.integerStates,
  });
  // The trailing error handler answers body-parser failures in v1's envelope too.
  app.use('/api/v1', jsonBody(config.server.bodyLimitBytes), v1.router, v1ErrorHandler());
  const v2 = v2Api({
    services,
    config,
    authenticate: authenticator({ required: true, legacySpellings: false }),
    waitTimeoutMs: config.v2.waitTimeoutMs,
  });
  // The trailing problem handler answers body-parser failures (400, 413) in v2's words too.
  app.use('/api/v2', jsonBody(config.server.bodyLimitBytes), v2.router, v2ProblemHandler());
  // After the APIs, which answer every path under their prefix: an API request does not walk
  // these two routers (no path of theirs starts with /api/).
  app.use(healthRoutes({ store: services.store, tracker: services.tracker, draining: () => services.state.draining, version: VERSION }));
  app.use(metricsRoute({ metrics, auth: services.auth, scrapeToken: () => config.metrics.token }));
  // Both specs are generated from the route declarations; /docs renders them (public, like the specs).
  app.use(
    docsRoutes([
      { name: 'v2', document: () => v2OpenApi(v2.routes, VERSION) },
      { name: 'v1', document: () => v1OpenApi(v1.routes, VERSION) },
    ]),
  );
  app.use(uiRoutes()); // the dashboard, a client of /api/v2 like any other
  app.use((req, res) => {
    res.status(404).json({ status: 'error', status_code: 404, message: `no route for ${req.method} ${req.path}` });
  });
  // Last resort: never an HTML page or a stack trace.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const error = toDispatcherError(err);
    if (error.kind === 'internal') req.log.error({ err }, 'unexpected error');
    res.status(error.status).json({ status: 'error', status_code: error.status, message: error.kind === 'internal' ? 'internal error' : error.message });
  });
  return app;
}
