// The answer to long work: 202 Accepted with the operation and `Location: /api/v2/operations/{id}`,
// or, with ?wait=true, the end result once the work ends within the bound (its failure as a problem).
import { DispatcherError, ERROR_KINDS, type ErrorKind } from '../../domain/errors.js';
import type { Submitted } from '../../services/operation-service.js';
import type { Operation } from '../../store/operation-store.js';
import type { Reply, ResponseSpec } from '../openapi/route-spec.js';
import type { V2Context } from './v2-context.js';
import { presentOperation, urls } from './v2-presenters.js';
import { operationSchema } from './v2-schemas.js';

export async function acceptOrWait(ctx: V2Context, submitted: Submitted, wait: boolean, succeeded: (op: Operation) => Reply): Promise<Reply> {
  const { operationService } = ctx.services;
  const id = submitted.operation.id;
  if (wait) {
    const final = await operationService.settle(submitted, ctx.waitTimeoutMs);
    if (final?.state === 'succeeded') return succeeded(final);
    if (final) throw operationFailure(final);
  }
  const current = (await operationService.get(id)) ?? submitted.operation;
  return { status: 202, body: presentOperation(current), headers: { Location: urls.operation(id) } };
}

/** The failed operation's error, re-raised so the problem handler words it (with the operation's id). */
export function operationFailure(op: Operation): DispatcherError {
  const error = op.error;
  const kind = error && Object.hasOwn(ERROR_KINDS, error.kind) ? (error.kind as ErrorKind) : 'internal';
  return new DispatcherError(kind, error?.message ?? `operation ${op.id} ${op.state}`, {
    ...(error?.code ? { code: error.code } : {}),
    details: { extensions: { operation: op.id } },
  });
}

export const accepted: ResponseSpec = {
  description: 'Accepted: the work runs on. Poll the operation at the Location header until it is succeeded or failed.',
  schema: operationSchema,
  headers: { Location: { description: 'The operation: /api/v2/operations/{id}.' } },
};
