// API v2, the resource API. Until its routes land (issue: API v2), it answers its version document.
import { Router, type RequestHandler } from 'express';
import type { Config } from '../../config/config-schema.js';
import type { Services } from '../../compose.js';
import { VERSION } from '../../version.js';

export interface V2Deps {
  services: Services;
  config: Config;
  authenticate: RequestHandler;
}

export function v2Router(_deps: V2Deps): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.json({ version: 'v2', status: 'preview', dispatcher: VERSION, links: { v1: '/api/v1/' } });
  });
  return router;
}
