// A request id per request (taken from X-Request-Id when the caller sent a sane one), echoed in
// the response, and one access-log line per request: full path, route template, status, duration,
// id and client address. 5xx log at error, 4xx and the rest at info, health probes at debug.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AppLogger } from '../../log/log-factory.js';
import type {} from 'passport';
import type { User as StoreUser } from '../../store/user-store.js';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: AppLogger;
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // passport's req.user is our User
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends StoreUser {}
  }
}

export type AuthenticatedUser = StoreUser;

/** What one finished request was, for the access log and the HTTP metrics. */
export interface RequestRecord {
  method: string;
  /** The route's template (`/api/v2/clouds/:cloud/vms`); undefined when no route matched. */
  route?: string;
  status: number;
  seconds: number;
}

const SANE_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** Polled by load balancers and Prometheus every few seconds: logged at debug. */
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

export function requestContext(logger: AppLogger, observe?: (record: RequestRecord) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const incoming = req.get('x-request-id');
    const id = incoming && SANE_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    const route = captureRouteTemplate(req, logger);
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const path = req.originalUrl.split('?')[0];
      const status = res.statusCode;
      const level = PROBES.has(path) ? 'debug' : status >= 500 ? 'error' : 'info';
      // On the root logger, reqId first: the same line a child bound to reqId writes, without
      // making a child (its bindings serialized, its formatters built) for every request.
      logger[level](
        {
          reqId: id,
          method: req.method,
          path,
          route: route.template,
          status,
          ms: Math.round(seconds * 10_000) / 10,
          client: req.ip,
          user: req.user?.username,
        },
        'request',
      );
      observe?.({ method: req.method, route: route.template, status, seconds });
    });
    next();
  };
}

/**
 * The router sets req.route when a route matches, while req.baseUrl still holds the mount path;
 * by the time the answer is written an error handler may have reset baseUrl, so the template is
 * taken at that moment. `req.log` (the logger bound to the request id) is made on first use:
 * most requests never log anything but their access line.
 */
function captureRouteTemplate(req: Request, logger: AppLogger): { template?: string } {
  const captured: { template?: string } = {};
  let current: unknown;
  let log: AppLogger | undefined;
  Object.defineProperties(req, {
    route: {
      configurable: true,
      enumerable: true,
      get: () => current,
      set: (value: { path?: unknown } | undefined) => {
        current = value;
        if (value && typeof value.path === 'string') captured.template = `${req.baseUrl}${value.path}`;
      },
    },
    log: {
      configurable: true,
      get: () => (log ??= logger.child({ reqId: req.id })),
      set: (value: AppLogger) => {
        log = value;
      },
    },
  });
  return captured;
}
