// `Idempotency-Key` on v2 POSTs: the key is reserved (per user) before the handler runs, so
// concurrent duplicates cannot both create; the first answer (status, body, Location) is
// replayed for 24 h; the same key with another request is 422. An answer that failed is not
// kept (the reservation is freed), so a client may retry a request that was refused.
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import Joi from 'joi';
import { DispatcherError } from '../../domain/errors.js';
import type { IdempotencyStore } from '../../store/idempotency-store.js';
import type { IdempotencyHook } from '../openapi/route-mount.js';
import type { Reply } from '../openapi/route-spec.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';

export const idempotencyKeySchema = Joi.string()
  .min(1)
  .max(255)
  .pattern(/^[\x21-\x7e]+$/, 'printable ASCII')
  .description('Any unique string (a UUID is good). The same key and request within 24 h replays the first answer; another request with the key is refused with 422.');

export function idempotencyHook(store: IdempotencyStore): IdempotencyHook {
  return async (req: Request, _route, run): Promise<Reply> => {
    const key = req.get(IDEMPOTENCY_HEADER);
    const userId = req.user?.id;
    if (key === undefined || userId === undefined) return run();
    const { error } = idempotencyKeySchema.validate(key);
    if (error) {
      throw new DispatcherError('bad-request', `Idempotency-Key ${error.message.replace(/^"value" /, '')}`, {
        code: 'SchemaViolation',
        details: { errors: [{ in: 'headers', key: IDEMPOTENCY_HEADER, reason: error.details[0].type, message: error.message }] },
      });
    }
    const reservation = await store.reserve(userId, key, fingerprint(req));
    switch (reservation.outcome) {
      case 'replay': {
        const { answer } = reservation;
        return {
          status: answer.status,
          body: answer.body,
          headers: { 'Idempotency-Replayed': 'true', ...(answer.location ? { Location: answer.location } : {}) },
        };
      }
      case 'mismatch':
        throw new DispatcherError('unprocessable', `Idempotency-Key ${key} was used with another request`, { code: 'IdempotencyKeyReused' });
      case 'in-progress':
        throw new DispatcherError('conflict', `a request with Idempotency-Key ${key} is still running`, { code: 'IdempotencyKeyInProgress' });
      case 'reserved':
        break;
    }
    let reply: Reply;
    try {
      reply = await run();
    } catch (err) {
      await store.abandon(userId, key);
      throw err;
    }
    await store.complete(userId, key, { status: reply.status, body: reply.json === undefined ? reply.body : JSON.parse(typeof reply.json === 'string' ? reply.json : reply.json.text), location: reply.headers?.Location });
    return reply;
  };
}

/** Method, path (without the query: `?wait=true` asks for the same thing) and canonical body. */
export function fingerprint(req: Request): string {
  const path = req.originalUrl.split('?')[0];
  return createHash('sha256').update(`${req.method} ${path}\n${canonicalJson(req.body)}`).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
