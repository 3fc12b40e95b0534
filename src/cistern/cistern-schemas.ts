// The shapes Cistern answers, as its protocol documents them (docs/cistern.md). Anything else is
// a fault: the original trusted `res.get('nodes', [])` and carried on with whatever came back.
import Joi from 'joi';
import type { TrackerRecord, TrackerResult } from './tracker.js';

// Cistern may grow fields; v1 `/vm/status` passes records through, so unknown keys are kept.
// `user` and `recipe` are nullable in practice for records Cistern discovered by itself.
const recordSchema = Joi.object({
  id: Joi.number().integer().required(),
  id_vm: Joi.string().allow('').required(),
  hostname: Joi.string().allow('').required(),
  cloud: Joi.string().required(),
  user: Joi.string().allow('', null).empty(null).default(''),
  status: Joi.number().integer().required(),
  status_desc: Joi.string().required(),
  recipe: Joi.string().allow('', null).empty(null).default(''),
  recipe_id: Joi.number().integer().allow(null).empty(null).default(0),
}).unknown(true);

const nodesAnswerSchema = Joi.object({
  status: Joi.string().valid('ok').required(),
  nodes: Joi.array().items(recordSchema).required(),
}).unknown(true);

const resultAnswerSchema = Joi.object({
  status: Joi.string().valid('ok').required(),
  id_vm: Joi.string().required(),
  id: Joi.number().integer().required(),
  result: Joi.string().required(),
}).unknown(true);

const errorAnswerSchema = Joi.object({
  status: Joi.string().valid('error').required(),
  message: Joi.string().allow('', null),
}).unknown(true);

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

// `convert: false`: a number sent as a string is already a shape we did not agree on.
function check<T>(schema: Joi.Schema, answer: unknown): Parsed<T> {
  const { error, value } = schema.validate(answer, { convert: false, abortEarly: true });
  return error ? { ok: false, problem: error.message } : { ok: true, value: value as T };
}

export function parseNodesAnswer(answer: unknown): Parsed<TrackerRecord[]> {
  const parsed = check<{ nodes: TrackerRecord[] }>(nodesAnswerSchema, answer);
  return parsed.ok ? { ok: true, value: parsed.value.nodes } : parsed;
}

export function parseResultAnswer(answer: unknown): Parsed<TrackerResult> {
  const parsed = check<TrackerResult & { status: string }>(resultAnswerSchema, answer);
  if (!parsed.ok) return parsed;
  const { id_vm, id, result } = parsed.value;
  return { ok: true, value: { id_vm, id, result } };
}

/** Cistern's own refusal (`{"status":"error","message":…}`); null when the answer is not one. */
export function parseErrorAnswer(answer: unknown): { message: string } | null {
  const parsed = check<{ message?: string | null }>(errorAnswerSchema, answer);
  if (!parsed.ok) return null;
  return { message: parsed.value.message || 'Cistern refused without a message' };
}
