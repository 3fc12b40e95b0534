// Tokens: POST /auth/tokens trades a username and password for a bearer token (throttled per
// username and per client address, counters shared with v1 /auth); DELETE /auth/tokens/current revokes the token that authenticated the call.
import { DispatcherError, isDispatcherError } from '../../domain/errors.js';
import { v2Route, type V2Route } from './v2-context.js';
import { problems } from './v2-problem.js';
import { tokenBody, tokenSchema } from './v2-schemas.js';

export const authRoutes: V2Route[] = [
  v2Route<Record<string, never>, Record<string, never>, { username: string; password: string }>({
    method: 'post',
    path: '/auth/tokens',
    operationId: 'createToken',
    summary: 'Trade a username and password for a bearer token',
    tags: ['auth'],
    auth: 'public',
    request: { body: tokenBody },
    responses: {
      201: {
        description: 'A token, valid until expiresAt (auth.tokenTtlSeconds).',
        schema: tokenSchema,
        example: { token: 'k1JYb0m4…', tokenType: 'Bearer', expiresAt: '2030-01-02T03:04:05.000Z', user: { username: 'alice', role: 'user' } },
      },
      ...problems(400, 401, 429),
    },
    examples: [
      { summary: 'Wrong password', body: { username: 'alice', password: 'not-her-password' }, status: 401 },
      { summary: 'No password', body: { username: 'alice' }, status: 400 },
    ],
    handler: async ({ ctx, body, req }) => {
      try {
        const { token, expiresAt, user } = await ctx.services.auth.login(body.username, body.password, req.ip);
        return {
          status: 201,
          body: { token, tokenType: 'Bearer', expiresAt: expiresAt.toISOString(), user: { username: user.username, role: user.role } },
          headers: { 'Cache-Control': 'no-store' },
        };
      } catch (err) {
        // v1 answers bad credentials 403 (the original did); a token endpoint answers 401.
        if (isDispatcherError(err) && err.code === 'BadCredentials') throw new DispatcherError('unauthorized', 'wrong username or password', { code: 'BadCredentials' });
        throw err;
      }
    },
  }),
  v2Route({
    method: 'delete',
    path: '/auth/tokens/current',
    operationId: 'revokeCurrentToken',
    summary: 'Revoke the token used for this call',
    tags: ['auth'],
    auth: 'user',
    responses: { 204: { description: 'Revoked: the token no longer authenticates.' }, ...problems(401) },
    handler: async ({ ctx, req }) => {
      const token = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (token) await ctx.services.auth.revoke(token.trim());
      return { status: 204 };
    },
  }),
];
