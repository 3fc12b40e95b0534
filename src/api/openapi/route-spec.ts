// The route-definition layer: every HTTP route is declared once, as data, and both the Express
// router (mountRoutes, with validation from the same joi schemas) and the OpenAPI document
// (openApiDocument) are built from that declaration. A route cannot be documented differently
// from how it is validated, and the tests check that nothing is routed outside the declarations.
//
// Adding routes (e.g. /api/v2/admin/*): write a module exporting `Route<V2Context>[]` built with
// `v2Route` (src/api/v2/v2-context.ts), and add it to V2_ROUTE_MODULES in src/api/v2/v2-routes.ts
// (or pass it to v2Api({ extraRoutes })). `auth: 'admin'` runs the bearer authenticator and then
// requireRole('admin') (src/api/http/auth-middleware.ts); the spec marks such routes
// `x-required-role: admin`.
import type { Request, RequestHandler } from 'express';
import type Joi from 'joi';
import type { AuthenticatedUser } from '../http/request-context.js';
import type { PreparedJson } from './prepared-json.js';

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** public: no token; user: a valid bearer token; admin: a token of a user with the admin role. */
export type RouteAuth = 'public' | 'user' | 'admin';

export interface ResponseSpec {
  description: string;
  /** The body's joi schema; absent for bodiless answers (204). */
  schema?: Joi.Schema;
  /** Default application/json. */
  contentType?: string;
  example?: unknown;
  headers?: Record<string, { description: string; schema?: Joi.Schema }>;
}

export interface RequestSpec {
  /** Path parameters, one key per `{name}` in the path. Validated with conversion. */
  params?: Joi.ObjectSchema;
  /** Query parameters. Validated with conversion (`?limit=5` becomes 5); unknown keys are refused. */
  query?: Joi.ObjectSchema;
  /** The JSON body. Validated strictly (no conversion). */
  body?: Joi.Schema;
  /** Request headers the route reads (lower-case names); other headers pass. */
  headers?: Joi.ObjectSchema;
}

/**
 * A documented example request. The spec shows it, and the tests send it to an app on fake clouds
 * and check that the answer has `status` and matches that status's documented schema.
 */
export interface RouteExample {
  summary: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
  /** The status the example answers with. */
  status: number;
}

/** Everything about a route except its handler: all the spec needs. */
export interface RouteDoc {
  method: HttpMethod;
  /** OpenAPI-style path relative to the API's base, e.g. `/clouds/{cloud}/vms/{id}`. */
  path: string;
  operationId?: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: RouteAuth;
  request?: RequestSpec;
  responses: Record<number, ResponseSpec>;
  examples?: RouteExample[];
  /** POST routes that honour `Idempotency-Key` (documented, and guarded by mountRoutes' idempotency hook). */
  idempotent?: boolean;
  deprecated?: boolean;
}

/** What a handler answers; mountRoutes writes it (and the idempotency hook can store and replay it). */
export interface Reply {
  status: number;
  body?: unknown;
  /**
   * The body already as JSON text, exactly what JSON.stringify would make of it (a large list
   * joined from pieces serialized once), or prepared once for many requests; sent in place of `body`.
   */
  json?: string | PreparedJson;
  headers?: Record<string, string>;
}

export interface HandlerInput<Ctx, P, Q, B> {
  ctx: Ctx;
  /** Validated (and converted) path parameters, already percent-decoded. */
  params: P;
  query: Q;
  body: B;
  /** Set on every route whose auth is not 'public'. */
  user: AuthenticatedUser | undefined;
  req: Request;
}

export interface Route<Ctx> extends RouteDoc {
  handler(input: HandlerInput<Ctx, never, never, never>): Promise<Reply> | Reply;
  /** Express middleware run after authentication and before validation, made once per mount (e.g. a rate limit with its own state). */
  middleware?: (ctx: Ctx) => RequestHandler[];
}

/**
 * Binds the handler's input types (which joi cannot infer) to a route of context Ctx:
 * `const route = routeDefiner<MyCtx>(); route<{ cloud: string }, { limit: number }>({ … })`.
 */
export function routeDefiner<Ctx>() {
  return <P = Record<string, string>, Q = Record<string, unknown>, B = unknown>(
    def: RouteDoc & { handler(input: HandlerInput<Ctx, P, Q, B>): Promise<Reply> | Reply; middleware?: (ctx: Ctx) => RequestHandler[] },
  ): Route<Ctx> => def as unknown as Route<Ctx>;
}

/** `/clouds/{cloud}/vms` → `/clouds/:cloud/vms` (Express 5 / path-to-regexp 8 syntax). */
export function expressPath(path: string): string {
  return path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
}

/** The `{names}` of an OpenAPI path, in order. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]);
}

/** A stable operationId from method and path when a route sets none: `get /clouds/{cloud}/vms` → `getCloudsCloudVms`. */
export function defaultOperationId(doc: Pick<RouteDoc, 'method' | 'path' | 'operationId'>): string {
  if (doc.operationId) return doc.operationId;
  const words = doc.path
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1));
  return doc.method + (words.join('') || 'Root');
}
