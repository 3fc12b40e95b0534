// The joi primitives the schema modules of both API versions and the admin API share, so that a
// text, a time or a CIDR block means the same thing (and documents the same way) everywhere.
import Joi from 'joi';

/** A non-empty string of at most 255 characters: ids, names, keys. */
export const text = Joi.string().min(1).max(255);

/** An ISO 8601 time, as every answer writes them. */
export const isoTime = Joi.string().isoDate();

/** An IPv4 or IPv6 CIDR block (a firewall rule's source). */
export const cidr = Joi.string().pattern(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/, 'CIDR');

/** The `{cloud}` path parameter: a cloud's name or one of its aliases. */
export const cloudParams = Joi.object({ cloud: text.required().description('A cloud name or alias (percent-encoded).') });
