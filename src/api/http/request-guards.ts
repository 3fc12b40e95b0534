// What every request passes before any route: a path whose percent-escapes decode (Express would
// throw a bare URIError from deep in its router, answered 500), a Host the operator allows, and
// the headers every answer carries. Errors are typed, so each API words them its own way.
import type { NextFunction, Request, Response } from 'express';
import { DispatcherError } from '../../domain/errors.js';

/** Answers are JSON or the docs' fixed assets: no browser may guess another type. */
export function securityHeaders() {
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  };
}

export function rejectBadEscapes() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    try {
      decodeURIComponent(req.path);
    } catch {
      return next(new DispatcherError('bad-request', 'the path holds a malformed percent-escape', { code: 'BadEscape' }));
    }
    next();
  };
}

/**
 * With `allowed` set, a Host header naming anything else is refused (DNS rebinding: a page on
 * evil.example resolving to our address). Probes (/healthz, /readyz) pass: load balancers send
 * addresses. Ports are ignored; names compare case-insensitively.
 */
export function allowedHosts(allowed: readonly string[] | undefined) {
  if (!allowed || allowed.length === 0) return (_req: Request, _res: Response, next: NextFunction): void => next();
  const names = new Set(allowed.map((h) => h.toLowerCase()));
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (req.path === '/healthz' || req.path === '/readyz') return next();
    const host = hostName(req.headers.host ?? '');
    if (names.has(host)) return next();
    next(new DispatcherError('bad-request', 'the Host header names a host this server does not serve', { code: 'HostNotAllowed' }));
  };
}

function hostName(header: string): string {
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  const colon = value.lastIndexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}
