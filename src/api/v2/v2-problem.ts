// API v2 errors as RFC 9457 problem details (application/problem+json): the kinds table gives
// the status, the error's provider code travels as `code`, `instance` is the request path and
// `requestId` the id in the access log, so a client's report can be found.
import type { NextFunction, Request, Response } from 'express';
import Joi from 'joi';
import { toDispatcherError } from '../../domain/errors.js';
import { HttpStatusError } from '../openapi/route-mount.js';
import type { ResponseSpec } from '../openapi/route-spec.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export const problemSchema = Joi.object({
  type: Joi.string().required().description('A URI naming the kind of problem: `urn:cloud-dispatcher:problem:<kind>`.'),
  title: Joi.string().required(),
  status: Joi.number().integer().min(400).max(599).required(),
  detail: Joi.string().required(),
  instance: Joi.string().required().description('The request path.'),
  requestId: Joi.string().required().description('Also sent as X-Request-Id and written to the access log.'),
  code: Joi.string().description("The provider's error code where there is one (EC2 error name, OpenStack code), else the dispatcher's."),
  errors: Joi.array()
    .items(
      Joi.object({
        in: Joi.string().valid('params', 'query', 'headers', 'body').required(),
        key: Joi.string().allow('').required(),
        reason: Joi.string().required(),
        message: Joi.string().required(),
      }),
    )
    .description('Validation failures: which key, and why.'),
  retryAfterSeconds: Joi.number().integer().min(0),
  operation: Joi.string().description('The failed operation, when the answer waited for one (?wait=true).'),
  candidates: Joi.array()
    .items(Joi.string())
    .description('code AmbiguousHostname (a hostname several live VMs carry) or NameTaken (Cistern already tracks the name): the VM ids; name one by its id.'),
})
  .unknown(true)
  .description('RFC 9457 problem details.');

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  code?: string;
  errors?: unknown[];
  retryAfterSeconds?: number;
}

export function problemFor(err: unknown, req: Request): { problem: Problem; headers: Record<string, string> } {
  const instance = req.originalUrl.split('?')[0];
  if (err instanceof HttpStatusError) {
    return {
      problem: { type: problemType(err.code), title: TITLES[err.status] ?? 'Error', status: err.status, detail: err.message, instance, requestId: req.id, code: err.code },
      headers: err.headers,
    };
  }
  const error = toDispatcherError(err);
  const status = error.status;
  const problem: Problem = {
    type: problemType(error.kind),
    title: TITLES[status] ?? 'Error',
    status,
    detail: error.kind === 'internal' ? 'internal error' : error.message,
    instance,
    requestId: req.id,
    ...(error.code ? { code: error.code } : {}),
  };
  const headers: Record<string, string> = {};
  if (Array.isArray(error.details?.errors)) problem.errors = error.details.errors;
  // Extension members a route adds (e.g. the failed operation's id), never overriding the standard ones.
  const extensions = error.details?.extensions;
  if (extensions && typeof extensions === 'object') {
    for (const [key, value] of Object.entries(extensions)) if (!(key in problem)) (problem as unknown as Record<string, unknown>)[key] = value;
  }
  if (error.retryAfterMs) {
    problem.retryAfterSeconds = Math.ceil(error.retryAfterMs / 1000);
    headers['Retry-After'] = String(problem.retryAfterSeconds);
  }
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer';
  return { problem, headers };
}

function problemType(kind: string): string {
  return `urn:cloud-dispatcher:problem:${kind.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/^-/, '')}`;
}

export function sendProblem(res: Response, problem: Problem, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) if (!res.getHeader(name)) res.setHeader(name, value);
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

export function v2ProblemHandler() {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const { problem, headers } = problemFor(err, req);
    if (problem.status >= 500 && !(err instanceof HttpStatusError)) {
      const error = toDispatcherError(err);
      if (error.kind === 'internal') req.log.error({ err }, 'unexpected error');
      else req.log.error({ err: error, kind: error.kind, code: error.code }, 'upstream fault'); // the cause stays in err (one msg per line)
    }
    sendProblem(res, problem, headers);
  };
}

export function v2NotFound() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    next(new HttpStatusError(404, `no route for ${req.method} ${req.originalUrl.split('?')[0]}`, 'NoRoute'));
  };
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'The request does not validate (the problem names the key and why).',
  401: 'No token, or an invalid, expired or revoked one.',
  403: 'The token is valid but its user lacks the role.',
  404: 'No such cloud or resource.',
  409: 'The resource is not in a state that allows this (e.g. the VM is not FREE), or the same Idempotency-Key is still running.',
  413: 'The body is larger than the configured limit.',
  415: 'The body is not application/json.',
  422: 'The Idempotency-Key was used with another request.',
  429: 'Too many attempts; retry after the Retry-After header.',
  501: "The cloud's driver lacks the capability (refused before any call to the cloud).",
  502: 'The cloud or the tracker failed.',
  503: 'The cloud throttled the call or is unavailable, or the store failed (code StoreUnavailable).',
  504: 'The cloud did not answer in time.',
};

/** Documented problem answers for a route: `responses: { 200: …, ...problems(400, 404) }`. */
export function problems(...statuses: number[]): Record<number, ResponseSpec> {
  return Object.fromEntries(
    statuses.map((status) => [status, { description: PROBLEM_DESCRIPTIONS[status] ?? TITLES[status] ?? 'Error', schema: problemSchema, contentType: PROBLEM_CONTENT_TYPE }]),
  );
}
