// A request id per request (taken from X-Request-Id when the caller sent a sane one), echoed in
// the response, and one access-log line per request: full path, route template, status, duration,
// id and client address. 5xx log at error, 4xx and the rest at info, health probes at debug.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AppLogger } from '../../log/log-factory.js';
import type { User as StoreUser } from '../../store/user-store.js';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: AppLogger;
    /** Set by the bearer check (auth-middleware.ts) once the token names a user. */
    user?: StoreUser;
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

/** What one middleware instance shares with all its requests. */
interface ContextShared {
  logger: AppLogger;
  /** The access line's logger: the same line, without redaction (see requestContext). */
  access: AppLogger;
  observe?: (record: RequestRecord) => void;
}

/** What the context keeps on one request (under a symbol: not a property Express or a route knows). */
interface RequestState {
  shared: ContextShared;
  id: string;
  started: number;
  /** The route's template, taken when the router set req.route. */
  template?: string;
  route?: unknown;
  log?: AppLogger;
}

const STATE = Symbol('requestContext');
type WithState = Request & { [STATE]?: RequestState };

export function requestContext(logger: AppLogger, observe?: (record: RequestRecord) => void) {
  // The access line has fixed keys, none of them a redacted path: a child without redaction writes
  // the same line at a fraction of the cost (the redactor walked every line's object). A child
  // given no level of its own reads its parent's: it follows PUT /api/v2/admin/log-level.
  const shared: ContextShared = { logger, access: logger.child({}, { redact: [] }), observe };
  return (req: Request, res: Response, next: NextFunction): void => {
    installAccessors(Object.getPrototypeOf(req) as object);
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && SANE_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    (req as WithState)[STATE] = { shared, id, started: performance.now() };
    res.setHeader('X-Request-Id', id);
    res.on('finish', logFinished);
    next();
  };
}

/** res's 'finish' listener (one function for all requests, its state on the request). */
function logFinished(this: Response): void {
  const req = this.req as WithState;
  const state = req[STATE];
  if (!state) return;
  const { shared } = state;
  const seconds = (performance.now() - state.started) / 1000;
  const url = req.originalUrl;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const status = this.statusCode;
  const level = PROBES.has(path) ? 'debug' : status >= 500 ? 'error' : 'info';
  // reqId first: the same line a child bound to reqId writes, without making one per request.
  shared.access[level](
    {
      reqId: state.id,
      method: req.method,
      path,
      route: state.template,
      status,
      ms: Math.round(seconds * 10_000) / 10,
      client: req.ip,
      user: req.user?.username,
    },
    'request',
  );
  shared.observe?.({ method: req.method, route: state.template, status, seconds });
}

const withAccessors = new WeakSet<object>();

/**
 * The router sets req.route when a route matches, while req.baseUrl still holds the mount path;
 * by the time the answer is written an error handler may have reset baseUrl, so the template is
 * taken at that moment. `req.log` (the logger bound to the request id) is made on first use:
 * most requests never log anything but their access line. Both are accessors on the app's
 * request prototype (Express gives every request that prototype before the first middleware),
 * not properties defined on each request: that made 4 closures per request and turned the
 * request into a slow dictionary-mode object.
 */
function installAccessors(proto: object): void {
  if (withAccessors.has(proto)) return;
  withAccessors.add(proto);
  Object.defineProperties(proto, {
    route: {
      configurable: true,
      enumerable: true,
      get(this: WithState) {
        return this[STATE]?.route;
      },
      set(this: WithState, value: { path?: unknown } | undefined) {
        const state = this[STATE];
        if (!state) {
          Object.defineProperty(this, 'route', { configurable: true, enumerable: true, writable: true, value });
          return;
        }
        state.route = value;
        if (value && typeof value.path === 'string') state.template = `${this.baseUrl}${value.path}`;
      },
    },
    log: {
      configurable: true,
      get(this: WithState) {
        const state = this[STATE];
        if (!state) return undefined;
        return (state.log ??= state.shared.logger.child({ reqId: state.id }));
      },
      set(this: WithState, value: AppLogger) {
        const state = this[STATE];
        if (state) state.log = value;
        else Object.defineProperty(this, 'log', { configurable: true, writable: true, value });
      },
    },
  });
}
