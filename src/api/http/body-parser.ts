// JSON bodies with a size limit. Parse failures become typed errors that each API version
// words its own way (v1: "Malformed JSON stream" in its envelope; v2: problem+json).
import express, { type NextFunction, type Request, type Response } from 'express';
import { DispatcherError } from '../../domain/errors.js';

export function jsonBody(limitBytes: number) {
  const parse = express.json({ limit: limitBytes, strict: false, type: () => true });
  return (req: Request, res: Response, next: NextFunction): void => {
    // Bodiless requests (GET, or no content) skip parsing; an empty body reads as {}.
    if (!req.headers['content-length'] && !req.headers['transfer-encoding']) {
      req.body = {};
      return next();
    }
    parse(req, res, (err?: unknown) => {
      if (!err) {
        if (req.body === undefined || req.body === null) req.body = {};
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
