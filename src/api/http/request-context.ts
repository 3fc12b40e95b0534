// A request id per request (taken from X-Request-Id when the caller sent a sane one), echoed in
// the response, and one access-log line per request with the id, status and duration.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AppLogger } from '../../log/log-factory.js';
import type {} from 'passport';
import type { User as StoreUser } from '../../store/user-store.js';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: AppLogger;
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // passport's req.user is our User
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends StoreUser {}
  }
}

export type AuthenticatedUser = StoreUser;

const SANE_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function requestContext(logger: AppLogger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const incoming = req.get('x-request-id');
    req.id = incoming && SANE_ID.test(incoming) ? incoming : randomUUID();
    req.log = logger.child({ reqId: req.id });
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      req.log.info(
        { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10, user: req.user?.username },
        'request',
      );
    });
    next();
  };
}
