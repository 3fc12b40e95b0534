// JSON bodies with a size limit, and only JSON: any other Content-Type is refused (415), so a
// cross-site form or `text/plain` POST never reaches a route. Parse failures become typed errors
// that each API version words its own way (v1: "Malformed JSON stream" in its envelope; v2: problem+json).
import express, { type NextFunction, type Request, type Response } from 'express';
import { DispatcherError } from '../../domain/errors.js';
import { FORBIDDEN_KEYS } from '../../domain/names.js';

export function jsonBody(limitBytes: number) {
  const parse = express.json({ limit: limitBytes, strict: false, type: () => true });
  return (req: Request, res: Response, next: NextFunction): void => {
    // Bodiless requests (GET, or no content) skip parsing; an empty body reads as {}.
    const length = req.headers['content-length'];
    if ((!length || length === '0') && !req.headers['transfer-encoding']) {
      req.body = {};
      return next();
    }
    if (!isJson(req.headers['content-type'])) {
      return next(new DispatcherError('unsupported-media-type', 'the body must be application/json', { code: 'UnsupportedMediaType' }));
    }
    parse(req, res, (err?: unknown) => {
      if (!err) {
        if (req.body === undefined || req.body === null) req.body = {};
        const forbidden = forbiddenKey(req.body);
        if (forbidden) return next(new DispatcherError('bad-request', `"${forbidden}" is not allowed`, { code: 'SchemaViolation', details: { key: forbidden, reason: 'object.unknown' } }));
        return next();
      }
      const type = (err as { type?: string }).type;
      if (type === 'entity.too.large') {
        return next(new DispatcherError('payload-too-large', `body larger than ${limitBytes} bytes`, { code: 'BodyTooLarge' }));
      }
      if (type === 'entity.parse.failed') return next(new DispatcherError('bad-request', 'Malformed JSON stream', { code: 'MalformedJson' }));
      return next(new DispatcherError('bad-request', (err as Error).message, { code: 'BadBody' }));
    });
  };
}

/** application/json or a structured `+json` type, with any parameters (charset). */
function isJson(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/**
 * JSON.parse makes `__proto__` an own key; joi then drops it silently where it should refuse it
 * like any unknown key, and code that copies the object could set a prototype. Refused at any depth.
 */
function forbiddenKey(value: unknown, depth = 0): string | undefined {
  if (value === null || typeof value !== 'object' || depth > 32) return undefined;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return key;
    const inner = forbiddenKey((value as Record<string, unknown>)[key], depth + 1);
    if (inner) return inner;
  }
  return undefined;
}
