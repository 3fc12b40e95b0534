// The v1 request bodies (the original's `schema` definitions, made strict about types), and the
// answers' shapes as v1-presenters.ts builds them (for the spec and the tests that check answers).
import Joi from 'joi';
import type { ResponseSpec } from '../openapi/route-spec.js';
import { metadata, safeText } from '../http/name-schemas.js';
import { cidr, text } from '../http/primitive-schemas.js';

/** The original docs sent "True" as a string; any of these spellings counts as true. */
const truthy = Joi.alternatives(Joi.boolean(), Joi.string().max(10));

export const authBody = Joi.object({
  username: Joi.string().max(128).required(),
  password: Joi.string().max(1024).required(),
});

export const startBody = Joi.object({
  name: safeText().required(),
  image: text.required(),
  size: text.required(),
  keyname: text,
  metadata,
  emulate: truthy,
});

const nodeRef = { node: text, hostname: safeText() };

export const stopBody = Joi.object({ ...nodeRef, emulate: truthy });

export const assignBody = Joi.object({
  ...nodeRef,
  user: safeText().required(),
  vm_type: safeText().required(),
  emulate: truthy,
});

export const releaseBody = Joi.object({ ...nodeRef, emulate: truthy });

export const firewallBody = Joi.object({
  ...nodeRef,
  port: Joi.number().integer().min(1).max(65535).required(),
  protocol: Joi.string().valid('tcp', 'udp', 'icmp').default('tcp'),
  cidr: cidr.default('0.0.0.0/0'),
});

export const ok = Joi.string().valid('ok').required();

export const v1ErrorSchema = Joi.object({
  status: Joi.string().valid('error').required(),
  status_code: Joi.number().integer().required(),
  status_short_message: Joi.string().required(),
  status_long_message: Joi.string().required(),
  message: Joi.string().allow('').required(),
}).id('V1Error');

export const nodeSchema = Joi.object({
  name: Joi.string().required(),
  uuid: Joi.string().required().description('SHA-1 of "<id>:<provider>", as libcloud computed it.'),
  id: Joi.string().required(),
  provider: Joi.string().required(),
  public_ips: Joi.array().items(Joi.string()).required(),
  private_ips: Joi.array().items(Joi.string()).required(),
  cloud_type: Joi.string().required(),
  state: Joi.alternatives(Joi.string(), Joi.number().integer()).required().description('A state name, or libcloud\'s integer code when v1.integerStates is set.'),
  extra: Joi.object().unknown(true).required(),
}).id('V1Node');

export const catalogItem = (extra: Record<string, Joi.Schema> = {}) =>
  Joi.object({ id: Joi.string().required(), name: Joi.string().required(), provider: Joi.string().required(), cloud_type: Joi.string().required(), ...extra });

export const trackerRecord = Joi.object({
  id: Joi.number().integer().required(),
  id_vm: Joi.string().required(),
  hostname: Joi.string().required(),
  cloud: Joi.string().required(),
  user: Joi.string().allow('').required(),
  status: Joi.number().integer().required(),
  status_desc: Joi.string().required(),
  recipe: Joi.string().allow('').required(),
  recipe_id: Joi.number().integer().required(),
}).id('V1TrackerRecord');

export const trackerResult = Joi.object({ status: ok, id_vm: Joi.string().required(), id: Joi.number().integer().required(), result: Joi.string().required() });
export const resultOnly = Joi.object({ status: ok, result: Joi.string().required() });

/** The documented error answers of a route, in v1's envelope. */
export function errors(...statuses: number[]): Record<number, ResponseSpec> {
  const why: Record<number, string> = {
    400: 'The body does not validate, or names no node / an unknown image, size or node.',
    401: 'No token, or an invalid one.',
    403: 'Bad credentials.',
    404: 'Unknown cloud or path.',
    409: 'The node is not FREE (assign) or already released.',
    429: 'Too many login attempts.',
    501: "The cloud's driver lacks the capability.",
    502: 'The cloud or the tracker failed.',
    504: 'The cloud did not answer in time.',
  };
  return Object.fromEntries(statuses.map((s) => [s, { description: why[s] ?? 'Error', schema: v1ErrorSchema }]));
}

export function isTruthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  return typeof value === 'string' && ['true', '1', 'yes', 'on', 'y', 't'].includes(value.trim().toLowerCase());
}
