// Request validation with joi: one helper, typed errors (code SchemaViolation) that each API
// version words its own way.
import type Joi from 'joi';
import { DispatcherError } from '../../domain/errors.js';

const V1_PREFS: Joi.ValidationOptions = { abortEarly: true, convert: false, stripUnknown: false };

export function validate<T>(schema: Joi.Schema, value: unknown): T {
  const { value: out, error } = withPrefs(schema, 'v1', V1_PREFS).validate(value);
  if (error) {
    const detail = error.details[0];
    throw new DispatcherError('bad-request', detail.message, {
      code: 'SchemaViolation',
      details: { key: detail.path.join('.'), reason: detail.type },
    });
  }
  return out as T;
}

const baked = new WeakMap<Joi.Schema, Map<string, Joi.Schema>>();

/**
 * `schema` with `prefs` as its own preferences, made once per schema and kind: what
 * `schema.validate(value, prefs)` does, without joi merging the options into a fresh object on
 * every call (and every nested schema validating under that slower object). A schema with
 * preferences of its own keeps the per-call options: its own must keep winning over them.
 */
export function withPrefs(schema: Joi.Schema, kind: string, prefs: Joi.ValidationOptions): { validate(value: unknown): Joi.ValidationResult } {
  let kinds = baked.get(schema);
  if (!kinds) baked.set(schema, (kinds = new Map()));
  let ready = kinds.get(kind);
  if (!ready) {
    const own = (schema as unknown as { _preferences: object | null })._preferences;
    ready = own ? schema : schema.prefs(prefs);
    kinds.set(kind, ready);
  }
  if (ready === schema) return { validate: (value) => schema.validate(value, prefs) };
  return ready;
}
