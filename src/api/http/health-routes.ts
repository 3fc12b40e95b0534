// Liveness (the process answers) and readiness (the store takes a write, we are not draining). The
// tracker is reported too; a Cistern outage marks readiness degraded but does not fail it,
// since everything but assign/release/status still works without it.
import { Router } from 'express';
import type { Tracker } from '../../cistern/tracker.js';
import type { Store } from '../../store/store-open.js';

export interface HealthDeps {
  store: Pick<Store, 'writeProbe'>;
  tracker: Pick<Tracker, 'health'>;
  draining: () => boolean;
  version: string;
}

export function healthRoutes(deps: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', version: deps.version });
  });
  router.get('/readyz', async (_req, res) => {
    const [store, tracker] = await Promise.all([
      // A write, not a `select 1`: a read-only or deleted SQLite file still answers reads.
      deps.store.writeProbe().then(
        () => ({ ok: true, detail: 'writable' }),
        (err: unknown) => ({ ok: false, detail: `not writable: ${(err as Error).message}` }),
      ),
      deps.tracker.health(),
    ]);
    const draining = deps.draining();
    const ready = store.ok && !draining;
    res.status(ready ? 200 : 503).json({
      status: ready ? (tracker.ok ? 'ready' : 'degraded') : 'not-ready',
      draining,
      checks: { store, tracker },
    });
  });
  return router;
}
