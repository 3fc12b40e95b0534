// Request validation with joi: one helper, typed errors (code SchemaViolation) that each API
// version words its own way.
import type Joi from 'joi';
import { DispatcherError } from '../../domain/errors.js';

export function validate<T>(schema: Joi.Schema, value: unknown): T {
  const { value: out, error } = schema.validate(value, { abortEarly: true, convert: false, stripUnknown: false });
  if (error) {
    const detail = error.details[0];
    throw new DispatcherError('bad-request', detail.message, {
      code: 'SchemaViolation',
      details: { key: detail.path.join('.'), reason: detail.type },
    });
  }
  return out as T;
}
