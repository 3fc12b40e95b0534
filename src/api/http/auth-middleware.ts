// Bearer-token authentication through passport-http-bearer. The original dispatcher also took
// the token as header X-Auth-Token and as `auth_token` in the query or JSON body; those are
// folded into the Authorization header first, so one strategy serves every spelling.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Passport } from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { DispatcherError } from '../../domain/errors.js';
import type { AuthService } from '../../services/auth-service.js';
import type { User } from '../../store/user-store.js';

export interface AuthOptions {
  /** false: the legacy open mode (requests without a token pass, anonymously). */
  required: boolean;
  /** v2 takes the bearer header only; v1 accepts the original's other spellings too. */
  legacySpellings: boolean;
}

export function createAuthenticator(auth: AuthService) {
  const passport = new Passport();
  passport.use(
    new BearerStrategy((token, done) => {
      auth.authenticate(token).then(
        (user) => done(null, user ?? false),
        (err: unknown) => done(err),
      );
    }),
  );

  return (options: AuthOptions): RequestHandler =>
    (req: Request, res: Response, next: NextFunction) => {
      if (options.legacySpellings) foldLegacyToken(req);
      if (!req.headers.authorization && !options.required) return next();
      passport.authenticate('bearer', { session: false }, (err: unknown, user: User | false) => {
        if (err) return next(err);
        if (!user) {
          const message = req.headers.authorization ? 'invalid, expired or revoked token' : 'a token is required (Authorization: Bearer <token>)';
          return next(new DispatcherError('unauthorized', message, { code: 'Unauthorized' }));
        }
        req.user = user;
        next();
      })(req, res, next);
    };
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
