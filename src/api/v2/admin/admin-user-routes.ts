// /api/v2/admin/users and /admin/user-limits: accounts, and how many VMs a user may hold assigned.
import type { Role } from '../../../store/user-store.js';
import { v2Route, type V2Route } from '../v2-context.js';
import { problems } from '../v2-problem.js';
import { listOf } from '../v2-schemas.js';
import { actor } from './admin-runtime-routes.js';
import {
  createUserBody,
  limitUserParams,
  passwordBody,
  revokedSchema,
  updateUserBody,
  userLimitBody,
  userLimitSchema,
  usernameParams,
  userSchema,
} from './admin-schemas.js';

type UserParams = { username: string };
const tags = ['admin'];

export const adminUserRoutes: V2Route[] = [
  v2Route({
    method: 'get',
    path: '/admin/users',
    operationId: 'listUsers',
    summary: 'Every account',
    tags,
    auth: 'admin',
    responses: { 200: { description: 'The accounts (never a password hash).', schema: listOf(userSchema, false) }, ...problems(401, 403) },
    examples: [{ summary: 'List accounts', status: 200 }],
    handler: async ({ ctx }) => ({ status: 200, body: { items: await ctx.services.admin.users.list() } }),
  }),
  v2Route<Record<string, never>, Record<string, never>, { username: string; password: string; role: Role }>({
    method: 'post',
    path: '/admin/users',
    operationId: 'createUser',
    summary: 'Create an account',
    tags,
    auth: 'admin',
    request: { body: createUserBody },
    responses: { 201: { description: 'Created.', schema: userSchema }, ...problems(400, 401, 403, 409) },
    examples: [{ summary: 'A password too short', body: { username: 'carol', password: 'short' }, status: 400 }],
    handler: async ({ ctx, body, user }) => ({ status: 201, body: await ctx.services.admin.users.create(actor(user), body) }),
  }),
  v2Route<UserParams>({
    method: 'get',
    path: '/admin/users/{username}',
    operationId: 'getUser',
    summary: 'One account',
    tags,
    auth: 'admin',
    request: { params: usernameParams },
    responses: { 200: { description: 'The account.', schema: userSchema }, ...problems(401, 403, 404) },
    examples: [{ summary: 'An unknown user', params: { username: 'no-such-user' }, status: 404 }],
    handler: async ({ ctx, params }) => ({ status: 200, body: await ctx.services.admin.users.get(params.username) }),
  }),
  v2Route<UserParams, Record<string, never>, { role?: Role; active?: boolean }>({
    method: 'patch',
    path: '/admin/users/{username}',
    operationId: 'updateUser',
    summary: 'Set the role, disable or enable an account',
    description: "Disabling revokes the account's tokens. The last active admin cannot be disabled or demoted (409).",
    tags,
    auth: 'admin',
    request: { params: usernameParams, body: updateUserBody },
    responses: { 200: { description: 'The account.', schema: userSchema }, ...problems(400, 401, 403, 404, 409) },
    handler: async ({ ctx, params, body, user }) => ({ status: 200, body: await ctx.services.admin.users.update(actor(user), params.username, body) }),
  }),
  v2Route<UserParams, Record<string, never>, { password: string }>({
    method: 'put',
    path: '/admin/users/{username}/password',
    operationId: 'resetPassword',
    summary: "Reset an account's password (revokes its tokens)",
    tags,
    auth: 'admin',
    request: { params: usernameParams, body: passwordBody },
    responses: { 200: { description: 'How many tokens were revoked.', schema: revokedSchema }, ...problems(400, 401, 403, 404) },
    handler: async ({ ctx, params, body, user }) => ({
      status: 200,
      body: await ctx.services.admin.users.resetPassword(actor(user), params.username, body.password),
    }),
  }),
  v2Route<UserParams>({
    method: 'delete',
    path: '/admin/users/{username}/tokens',
    operationId: 'revokeUserTokens',
    summary: 'Revoke every token of an account',
    tags,
    auth: 'admin',
    request: { params: usernameParams },
    responses: { 200: { description: 'How many tokens were revoked.', schema: revokedSchema }, ...problems(401, 403, 404) },
    handler: async ({ ctx, params, user }) => ({ status: 200, body: await ctx.services.admin.users.revokeTokens(actor(user), params.username) }),
  }),
  v2Route({
    method: 'get',
    path: '/admin/user-limits',
    operationId: 'listUserLimits',
    summary: 'Per-user limits of assigned VMs',
    tags,
    auth: 'admin',
    responses: { 200: { description: 'The limits, with what each user holds now.', schema: listOf(userLimitSchema, false) }, ...problems(401, 403) },
    examples: [{ summary: 'List user limits', status: 200 }],
    handler: async ({ ctx }) => ({ status: 200, body: { items: await ctx.services.admin.users.limits() } }),
  }),
  v2Route<{ user: string }, Record<string, never>, { maxAssigned: number }>({
    method: 'put',
    path: '/admin/user-limits/{user}',
    operationId: 'setUserLimit',
    summary: 'Set the most VMs a user may hold assigned',
    description:
      "`user` is the tracker's user (the `user` of an assignment, v1's assign body), not necessarily an account. An assign beyond the limit " +
      'answers 409 (code UserLimitReached), v1 and v2. Lowering a limit takes nothing away.',
    tags,
    auth: 'admin',
    request: { params: limitUserParams, body: userLimitBody },
    responses: { 200: { description: 'The limit.', schema: userLimitSchema }, ...problems(400, 401, 403) },
    handler: async ({ ctx, params, body, user }) => ({ status: 200, body: await ctx.services.admin.users.setLimit(actor(user), params.user, body.maxAssigned) }),
  }),
  v2Route<{ user: string }>({
    method: 'delete',
    path: '/admin/user-limits/{user}',
    operationId: 'removeUserLimit',
    summary: "Remove a user's limit",
    tags,
    auth: 'admin',
    request: { params: limitUserParams },
    responses: { 204: { description: 'Removed.' }, ...problems(401, 403, 404) },
    examples: [{ summary: 'A user without a limit', params: { user: 'no-such-user' }, status: 404 }],
    handler: async ({ ctx, params, user }) => {
      await ctx.services.admin.users.removeLimit(actor(user), params.user);
      return { status: 204 };
    },
  }),
];
