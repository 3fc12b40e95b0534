// Bearer-token authentication, with passport-http-bearer's rules written out: the token comes from
// the Authorization header (`Bearer <token>`, exactly two words), or `access_token` in the JSON
// body or the query, and two of them at once are refused. The original dispatcher also took the
// token as header X-Auth-Token and as `auth_token` in the query or JSON body; those are folded
// into the Authorization header first. Passport itself is not used: per request it built a
// strategy object and half a dozen closures for a check of a few lines (issue 18's profiles).
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { DispatcherError } from '../../domain/errors.js';
import type { AuthService } from '../../services/auth-service.js';

export interface AuthOptions {
  /** false: the legacy open mode (requests without a token pass, anonymously). */
  required: boolean;
  /** v2 takes the bearer header only; v1 accepts the original's other spellings too. */
  legacySpellings: boolean;
}

const BEARER = /^Bearer$/i;

export function createAuthenticator(auth: Pick<AuthService, 'authenticate'>) {
  return (options: AuthOptions): RequestHandler =>
    (req: Request, _res: Response, next: NextFunction) => {
      if (options.legacySpellings) foldLegacyToken(req);
      if (!req.headers.authorization && !options.required) return next();
      const token = bearerToken(req);
      // A token that is not a string (`access_token` as a number, an object, a repeated query key) matches no user.
      if (typeof token !== 'string') return next(unauthorized(req));
      auth.authenticate(token).then((user) => {
        if (!user) return next(unauthorized(req));
        req.user = user;
        next();
      }, next);
    };
}

/** The token by passport-http-bearer's rules; null when they refuse the request (its `fail(400)`). */
function bearerToken(req: Request): unknown {
  let token: unknown;
  const header = req.headers.authorization;
  if (header) {
    const parts = header.split(' ');
    if (parts.length !== 2) return null;
    if (BEARER.test(parts[0])) token = parts[1];
  }
  const body = req.body as { access_token?: unknown } | undefined;
  if (body && body.access_token) {
    if (token) return null;
    token = body.access_token;
  }
  // Express parses the query string on every read of req.query: only when it can hold the key
  // (spelled out, or percent-encoded).
  const at = req.url.indexOf('?');
  if (at !== -1 && (req.url.includes('access_token', at) || req.url.includes('%', at))) {
    const query = req.query as { access_token?: unknown };
    if (query && query.access_token) {
      if (token) return null;
      token = query.access_token;
    }
  }
  return token || null;
}

function unauthorized(req: Request): DispatcherError {
  const message = req.headers.authorization ? 'invalid, expired or revoked token' : 'a token is required (Authorization: Bearer <token>)';
  return new DispatcherError('unauthorized', message, { code: 'Unauthorized' });
}

function foldLegacyToken(req: Request): void {
  const body = req.body && typeof req.body === 'object' && typeof req.body.auth_token === 'string' ? (req.body.auth_token as string) : undefined;
  // Stripped whatever spelling wins: it is part of no route's schema.
  if (req.body && typeof req.body === 'object' && Object.hasOwn(req.body, 'auth_token')) delete req.body.auth_token;
  if (req.headers.authorization) return;
  const header = req.get('x-auth-token');
  const query = typeof req.query.auth_token === 'string' ? req.query.auth_token : undefined;
  const token = header ?? query ?? body;
  if (token) req.headers.authorization = `Bearer ${token}`;
}

export function requireRole(role: 'admin') {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (req.user?.role !== role) return next(new DispatcherError('forbidden', `the ${role} role is required`, { code: 'Forbidden' }));
    next();
  };
}
