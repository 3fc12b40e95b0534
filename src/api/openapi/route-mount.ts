// Builds an Express router from route declarations: authentication by the route's `auth`,
// validation from its joi schemas, the idempotency hook around `idempotent` routes, and the
// handler's Reply written out. Paths declared with some methods answer others with 405 (or the
// API's own answer: v1 says 501 in its envelope).
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type Joi from 'joi';
import { DispatcherError } from '../../domain/errors.js';
import { requireRole } from '../http/auth-middleware.js';
import { ValidationCache } from './validation-cache.js';
import { expressPath, type Reply, type Route, type RouteAuth, type RouteDoc } from './route-spec.js';

/** An HTTP answer the error kinds table has no kind for (405); problem handlers present it like a DispatcherError. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpStatusError';
  }
}

/** Runs `run` at most once per key and request; answers replays itself. */
export type IdempotencyHook = (req: Request, route: RouteDoc, run: () => Promise<Reply>) => Promise<Reply>;

export interface MountOptions<Ctx> {
  context: Ctx;
  /** The bearer authenticator for routes whose auth is not 'public'. */
  authenticate: RequestHandler;
  idempotency?: IdempotencyHook;
  /** Validates one part of a request; default validatePart. v1 words failures as the original did (the first one only). */
  validate?: PartValidator;
  /**
   * Answers a declared path's other methods instead of 405 with Allow. It is mounted right after
   * the path's last route and guarded like the path's most open route, so a later, wider path (v1's
   * catch-all `/:action`) cannot take the request and a method alone tells a caller nothing more.
   */
  unmatchedMethod?: RequestHandler;
}

export type Where = 'params' | 'query' | 'headers' | 'body';
export type PartValidator = (where: Where, schema: Joi.Schema, value: unknown) => unknown;

export function validatePart(where: Where, schema: Joi.Schema, value: unknown): unknown {
  const { value: out, error } = schema.validate(value, {
    abortEarly: false,
    convert: where !== 'body', // path and query values arrive as strings
    allowUnknown: where === 'headers',
    stripUnknown: false,
  });
  if (error) {
    const errors = error.details.map((d) => ({ in: where, key: d.path.join('.'), reason: d.type, message: d.message }));
    const first = errors[0];
    throw new DispatcherError('bad-request', `${where === 'body' ? 'body' : where === 'params' ? 'path' : where}: ${first.message}`, {
      code: 'SchemaViolation',
      details: { in: first.in, key: first.key, reason: first.reason, errors },
    });
  }
  return out;
}

export function writeReply(res: Response, reply: Reply): void {
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  res.status(reply.status);
  if (typeof reply.json === 'object' && reply.status !== 204) reply.json.send(res);
  else if (typeof reply.json === 'string' && reply.status !== 204) {
    if (!res.get('Content-Type')) res.set('Content-Type', 'application/json'); // as res.json does
    res.send(reply.json);
  } else if (reply.body === undefined || reply.status === 204) res.end();
  else res.json(reply.body);
}

export function mountRoutes<Ctx>(routes: readonly Route<Ctx>[], options: MountOptions<Ctx>): Router {
  const router = Router();
  const methodsByPath = new Map<string, Set<string>>();
  const seen = new Set<string>();
  routes.forEach((route, index) => {
    const id = `${route.method} ${route.path}`;
    if (seen.has(id)) throw new Error(`route declared twice: ${id}`);
    seen.add(id);
    const path = expressPath(route.path);
    const methods = methodsByPath.get(path) ?? new Set<string>();
    methods.add(route.method.toUpperCase());
    methodsByPath.set(path, methods);
    router[route.method](path, ...guards(route.auth, options), ...(route.middleware?.(options.context) ?? []), handle(route, options));
    if (options.unmatchedMethod && !routes.slice(index + 1).some((later) => later.path === route.path)) {
      const onPath = routes.filter((r) => r.path === route.path);
      router.all(path, ...guards(mostOpen(onPath.map((r) => r.auth)), options), options.unmatchedMethod);
    }
  });
  if (options.unmatchedMethod) return router;
  for (const [path, methods] of methodsByPath) {
    if (methods.has('GET')) methods.add('HEAD');
    const allow = [...methods].sort().join(', ');
    router.all(path, (req: Request, res: Response, next: NextFunction) => {
      if (req.method === 'OPTIONS') {
        res.setHeader('Allow', `${allow}, OPTIONS`);
        res.status(204).end();
        return;
      }
      next(new HttpStatusError(405, `${req.method} is not allowed here; allowed: ${allow}`, 'MethodNotAllowed', { Allow: allow }));
    });
  }
  return router;
}

/** The query string as sent (the app's one query parser makes the same req.query of it every time). */
function rawQuery(url: string): string {
  const at = url.indexOf('?');
  return at === -1 ? '' : url.slice(at + 1);
}

function guards<Ctx>(auth: RouteAuth, options: MountOptions<Ctx>): RequestHandler[] {
  if (auth === 'public') return [];
  if (auth === 'admin') return [options.authenticate, requireRole('admin')];
  return [options.authenticate];
}

function mostOpen(auths: RouteAuth[]): RouteAuth {
  return auths.includes('public') ? 'public' : auths.includes('user') ? 'user' : 'admin';
}

function handle<Ctx>(route: Route<Ctx>, options: MountOptions<Ctx>): RequestHandler {
  const { request = {} } = route;
  const validate = options.validate ?? validatePart;
  const { params: paramsSchema, query: querySchema } = request;
  const validateParams = paramsSchema && ((input: object) => validate('params', paramsSchema, input));
  const validateQuery = querySchema && ((input: object) => validate('query', querySchema, input));
  const paramsCache = new ValidationCache();
  const queryCache = new ValidationCache();
  return async (req: Request, res: Response) => {
    // Express 5 makes req.query a getter; validated values travel in the handler's input instead.
    const params = validateParams ? paramsCache.validated({ ...req.params }, validateParams) : { ...req.params };
    const query = validateQuery ? queryCache.validatedAs(rawQuery(req.url), () => ({ ...(req.query as object) }), validateQuery) : {};
    if (request.headers) validate('headers', request.headers, req.headers);
    const body = request.body ? validate('body', request.body, req.body) : undefined;
    const run = async (): Promise<Reply> =>
      route.handler({ ctx: options.context, params: params as never, query: query as never, body: body as never, user: req.user, req });
    const reply = route.idempotent && options.idempotency ? await options.idempotency(req, route, run) : await run();
    writeReply(res, reply);
  };
}
