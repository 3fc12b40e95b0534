// GET /metrics on the API's own port, for a bearer token: the scrape token (metrics.token) or an
// admin's API token. No token, no metrics: the figures name clouds, users' load and workers.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { AuthService } from '../services/auth-service.js';
import type { DispatcherMetrics } from './metrics-registry.js';

export interface MetricsRouteDeps {
  metrics: DispatcherMetrics;
  auth: Pick<AuthService, 'authenticate'>;
  /** The scrape token (config metrics.token); undefined: only admins' API tokens are taken. */
  scrapeToken: () => string | undefined;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

export function metricsRoute(deps: MetricsRouteDeps): Router {
  const router = Router();
  router.get('/metrics', async (req: Request, res: Response) => {
    if (!(await allowed(req.get('authorization'), deps))) {
      res.status(401).setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      res.type('text/plain').send('a scrape token or an admin token is required (Authorization: Bearer <token>)\n');
      return;
    }
    const text = await deps.metrics.scrape();
    res.setHeader('Cache-Control', 'no-store');
    res.type(deps.metrics.contentType).send(text);
  });
  return router;
}

async function allowed(header: string | undefined, deps: MetricsRouteDeps): Promise<boolean> {
  const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
  if (!token) return false;
  const scrape = deps.scrapeToken();
  // Compared as digests: equal lengths for timingSafeEqual, and no early exit on the first byte.
  if (scrape && timingSafeEqual(digest(scrape), digest(token))) return true;
  const user = await deps.auth.authenticate(token);
  return user?.role === 'admin' && user.active !== false;
}
