// Operations: the record of long work (create, delete, release …), polled after a 202. A user
// sees the operations they started; an admin sees every one.
import { DispatcherError } from '../../domain/errors.js';
import type { OperationState } from '../../domain/operation-model.js';
import type { AuthenticatedUser } from '../http/request-context.js';
import { v2Route, type V2Route } from './v2-context.js';
import { EXAMPLE } from './v2-examples.js';
import { pageFrom } from './v2-pagination.js';
import { presentOperation } from './v2-presenters.js';
import { problems } from './v2-problem.js';
import { idParams, listOf, listOperationsQuery, operationSchema } from './v2-schemas.js';

type ListQuery = { state?: OperationState; kind?: string; cloud?: string; limit: number; next?: string };

function ownerFilter(user: AuthenticatedUser | undefined): number | undefined {
  return user?.role === 'admin' ? undefined : (user?.id ?? -1);
}

export const operationRoutes: V2Route[] = [
  v2Route<Record<string, never>, ListQuery>({
    method: 'get',
    path: '/operations',
    operationId: 'listOperations',
    summary: 'Operations, newest first',
    tags: ['operations'],
    auth: 'user',
    request: { query: listOperationsQuery },
    responses: { 200: { description: 'A page of operations.', schema: listOf(operationSchema, true) }, ...problems(400, 401) },
    examples: [
      { summary: 'Recent operations', query: { limit: '5' }, status: 200 },
      { summary: 'Failed VM starts', query: { state: 'failed', kind: 'vm.start' }, status: 200 },
    ],
    handler: async ({ ctx, query, user }) => {
      const { operationService, pool } = ctx.services;
      const cloud = query.cloud ? pool.resolve(query.cloud).name : undefined;
      const userId = ownerFilter(user);
      const { state, kind } = query;
      const page = await pageFrom(
        { ...query, filters: { state, kind, cloud, userId } },
        (after, limit) => operationService.list({ userId, cloud, state, kind, before: after && { createdAt: String(after[0]), id: String(after[1]) }, limit }),
        (op) => [op.createdAt, op.id],
      );
      return { status: 200, body: { items: page.items.map(presentOperation), next: page.next } };
    },
  }),
  v2Route<{ id: string }>({
    method: 'get',
    path: '/operations/{id}',
    operationId: 'getOperation',
    summary: 'One operation: poll it after a 202',
    tags: ['operations'],
    auth: 'user',
    request: { params: idParams },
    responses: { 200: { description: 'The operation, in whatever state it is.', schema: operationSchema }, ...problems(401, 404) },
    examples: [{ summary: 'Poll an operation', params: { id: EXAMPLE.operationId }, status: 200 }],
    handler: async ({ ctx, params, user }) => {
      const op = await ctx.services.operationService.get(params.id);
      const owner = ownerFilter(user);
      if (!op || (owner !== undefined && op.userId !== owner)) {
        throw new DispatcherError('not-found', `no operation ${params.id}`, { subject: 'operation' });
      }
      return { status: 200, body: presentOperation(op) };
    },
  }),
];
