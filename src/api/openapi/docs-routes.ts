// GET /openapi/<name>.json (generated once, from the route declarations) and GET /docs: Swagger UI
// from the swagger-ui-dist package, served from this process (no CDN), over every spec.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import compression from 'compression';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { OpenApiDocument } from './openapi-document.js';

export interface DocsSpec {
  /** Shown in the docs UI's spec picker and used in the URL: /openapi/<name>.json. */
  name: string;
  document: () => OpenApiDocument;
}

/** Only the files the page loads: the rest of the package (its demo initializer, maps) stays unserved. */
const ASSETS = ['swagger-ui.css', 'index.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'favicon-32x32.png', 'favicon-16x16.png'];

function assetDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

export const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function specUrl(name: string): string {
  return `/openapi/${name}.json`;
}

export function docsRoutes(specs: readonly DocsSpec[]): Router {
  const router = Router();
  const dir = assetDir();
  const cache = new Map<string, string>();
  // Swagger UI needs inline style attributes and data: images; everything else comes from here.
  router.use('/docs', (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Content-Security-Policy', DOCS_CSP);
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  // The bundle is ~1.5 MB and the specs a few hundred kB: gzip takes them to a fifth.
  const compress = compression();

  for (const spec of specs) {
    router.get(specUrl(spec.name), compress, (_req: Request, res: Response) => {
      let text = cache.get(spec.name);
      if (!text) {
        text = JSON.stringify(spec.document());
        cache.set(spec.name, text);
      }
      res.type('application/json').send(text);
    });
  }

  router.get('/docs', compress, (_req: Request, res: Response) => {
    res.type('html').send(page());
  });
  router.get('/docs/swagger-init.js', compress, (_req: Request, res: Response) => {
    const urls = specs.map((s) => ({ url: specUrl(s.name), name: s.name }));
    res.type('application/javascript').send(initializer(urls));
  });
  router.get('/docs/assets/:file', compress, (req: Request, res: Response, next) => {
    const file = req.params.file;
    if (typeof file !== 'string' || !ASSETS.includes(file)) return next();
    res.sendFile(join(dir, file), { maxAge: '1d' });
  });
  return router;
}

function page(): string {
  // The initializer is a file, not an inline script, so a strict Content-Security-Policy can apply.
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>cloud-dispatcher API</title>
    <link rel="stylesheet" type="text/css" href="/docs/assets/swagger-ui.css">
    <link rel="stylesheet" type="text/css" href="/docs/assets/index.css">
    <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="/docs/assets/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/assets/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="/docs/assets/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="/docs/swagger-init.js" charset="UTF-8"></script>
  </body>
</html>
`;
}

function initializer(urls: { url: string; name: string }[]): string {
  return `window.onload = function () {
  window.ui = SwaggerUIBundle({
    urls: ${JSON.stringify(urls)},
    'urls.primaryName': ${JSON.stringify(urls[0]?.name ?? '')},
    dom_id: '#swagger-ui',
    deepLinking: true,
    // Never send the spec to validator.swagger.io (it would learn this host's name).
    validatorUrl: null,
    // A token entered under Authorize survives a reload of the page.
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout'
  });
};
`;
}
