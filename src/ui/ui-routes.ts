// GET /ui: the web dashboard. Plain ES modules from the package's ui/ folder plus Preact and htm
// from node_modules, served by this process (no CDN, no build step). Every URL the page uses is
// relative, so it works under any path prefix a reverse proxy adds.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type NextFunction, type Request, type Response } from 'express';

/** ui/ sits at the package root: two levels up from both src/ui and dist/ui. */
const UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

// No inline script or style anywhere: the page loads its modules and stylesheet from 'self'.
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    // Small files, revalidated by ETag: an upgrade is seen at the next load.
    'Cache-Control': 'no-cache',
  });
  next();
}

/**
 * The vendor modules the page imports. hooks imports the bare specifier "preact", which a browser
 * resolves only through an import map (an inline script, which the CSP forbids), so it is pointed
 * at the sibling file instead.
 */
function vendorModules(): Map<string, string> {
  const require = createRequire(import.meta.url);
  const preact = dirname(require.resolve('preact/package.json'));
  const htmDist = dirname(require.resolve('htm')); // htm's exports map has no ./package.json
  // Their source maps are not served: drop the comment that would send devtools looking for them.
  const read = (path: string) => readFileSync(path, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
  return new Map([
    ['preact.js', read(join(preact, 'dist/preact.mjs'))],
    ['hooks.js', read(join(preact, 'hooks/dist/hooks.mjs')).replace(/from\s*(["'])preact\1/g, 'from"./preact.js"')],
    ['htm.js', read(join(htmDist, 'htm.mjs'))],
  ]);
}

export function uiRoutes(): Router {
  const router = Router({ strict: true });
  const vendor = vendorModules();
  router.use('/ui', securityHeaders);
  // `/ui` → `ui/` (relative, so a proxy's prefix is kept): the page's relative URLs need the slash.
  router.get('/ui', (_req, res) => res.redirect(301, 'ui/'));
  router.get('/ui/vendor/:file', (req, res, next) => {
    const text = vendor.get(String(req.params.file));
    if (text === undefined) return next();
    res.type('text/javascript').send(text);
  });
  router.use('/ui', express.static(UI_DIR, { index: 'index.html', redirect: false, dotfiles: 'ignore', cacheControl: false }));
  return router;
}
