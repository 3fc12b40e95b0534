// Joi schemas of the names both API versions and the admin API accept (rules in domain/names.ts).
import Joi from 'joi';
import { CLOUD_LABEL, SAFE_TEXT, USERNAME } from '../../domain/names.js';

/** A VM name or hostname (also a lookup key), or the tracker's user a VM is assigned to. */
export const safeText = (max = 255) => Joi.string().min(1).max(max).pattern(SAFE_TEXT, 'text without control, bidi or zero-width characters');

export const username = Joi.string().pattern(USERNAME, 'username (ASCII letters, digits, . _ @ -, starting with a letter or digit, at most 64)');

export const cloudLabel = Joi.string().pattern(CLOUD_LABEL, 'name (no whitespace, control, bidi or zero-width characters; not ., .. or __proto__)');

/** Tags / metadata: safe keys and values. */
export const metadata = Joi.object()
  .pattern(safeText(255), Joi.string().max(255).allow('').pattern(SAFE_TEXT, 'text without control, bidi or zero-width characters'))
  .max(50);
