// A fixed-window limit per client address, for the password endpoints (brute-force brake).
import type { NextFunction, Request, Response } from 'express';
import { DispatcherError } from '../../domain/errors.js';

export function rateLimit(options: { windowMs: number; max: number }) {
  const windows = new Map<string, { start: number; count: number }>();
  return (req: Request, res: Response, next: NextFunction): void => {
    const now = Date.now();
    const key = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    let window = windows.get(key);
    if (!window || now - window.start >= options.windowMs) {
      if (windows.size > 10_000) windows.clear(); // bounded memory under address churn
      window = { start: now, count: 0 };
      windows.set(key, window);
    }
    window.count++;
    if (window.count > options.max) {
      const retryAfter = Math.ceil((window.start + options.windowMs - now) / 1000);
      res.setHeader('Retry-After', String(retryAfter));
      return next(new DispatcherError('rate-limited', `too many attempts; retry in ${retryAfter} s`, { code: 'RateLimited' }));
    }
    next();
  };
}
