// The v1 error envelope, with the reason phrases of Python's http.server table that the
// original sent, and the original's messages for the typed errors it knew.
import type { NextFunction, Request, Response } from 'express';
import { toDispatcherError, type DispatcherError } from '../../domain/errors.js';

const REASONS: Record<number, [string, string]> = {
  400: ['Bad Request', 'Bad request syntax or unsupported method'],
  401: ['Unauthorized', 'No permission -- see authorization schemes'],
  403: ['Forbidden', 'Request forbidden -- authorization will not help'],
  404: ['Not Found', 'Nothing matches the given URI'],
  409: ['Conflict', 'Request conflict'],
  413: ['Request Entity Too Large', 'Entity is too large'],
  415: ['Unsupported Media Type', 'Entity body in unsupported format'],
  422: ['Unprocessable Entity', 'Unprocessable Entity'],
  429: ['Too Many Requests', 'The user has sent too many requests in a given amount of time ("rate limiting")'],
  500: ['Internal Server Error', 'Server got itself in trouble'],
  501: ['Not Implemented', 'Server does not support this operation'],
  502: ['Bad Gateway', 'Invalid responses from another server/proxy.'],
  503: ['Service Unavailable', 'The server cannot process the request due to a high load'],
  504: ['Gateway Timeout', 'The gateway server did not receive a timely response'],
};

export interface V1Error {
  status: 'error';
  status_code: number;
  status_short_message: string;
  status_long_message: string;
  message: string;
}

export function v1Envelope(statusCode: number, message: string): V1Error {
  const [short, long] = REASONS[statusCode] ?? REASONS[500];
  return { status: 'error', status_code: statusCode, status_short_message: short, status_long_message: long, message };
}

/** Maps a typed error onto v1's status and wording. */
export function v1ErrorFor(error: DispatcherError): V1Error {
  if (error.kind === 'not-found') {
    switch (error.subject) {
      case 'cloud':
        return v1Envelope(404, 'Cloud not valid or wrong path');
      case 'image':
        return v1Envelope(400, 'no useful image id here');
      case 'size':
        return v1Envelope(400, 'no useful size id here');
      case 'vm':
        return v1Envelope(400, 'no useful node id here');
      default:
        return v1Envelope(404, error.message);
    }
  }
  if (error.code === 'SchemaViolation') return v1Envelope(400, `Some key doesn't validate the schema - ${error.message}`);
  if (error.kind === 'internal') return v1Envelope(500, 'Something went wrong');
  const provider = error.code && error.status >= 500 ? `${error.code}: ` : '';
  return v1Envelope(error.status, `${provider}${error.message}`);
}

export function v1ErrorHandler() {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const error = toDispatcherError(err);
    if (error.kind === 'internal') req.log.error({ err }, 'unexpected error');
    else if (error.status >= 500) req.log.error({ err: error, kind: error.kind, code: error.code }, 'upstream fault'); // the cause stays in err (one msg per line)
    const body = v1ErrorFor(error);
    if (error.retryAfterMs && !res.getHeader('Retry-After')) res.setHeader('Retry-After', String(Math.ceil(error.retryAfterMs / 1000)));
    res.status(body.status_code).json(body);
  };
}
