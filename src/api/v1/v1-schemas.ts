// The v1 request bodies (the original's `schema` definitions, made strict about types).
import Joi from 'joi';
import { metadata, safeText } from '../http/name-schemas.js';

const text = Joi.string().min(1).max(255);
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
  cidr: Joi.string()
    .pattern(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/, 'CIDR')
    .default('0.0.0.0/0'),
});

export function isTruthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  return typeof value === 'string' && ['true', '1', 'yes', 'on', 'y', 't'].includes(value.trim().toLowerCase());
}
