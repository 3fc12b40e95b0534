// /ui as served: the relative redirect, the security headers (a CSP with no inline script), every
// module the page imports reachable from index.html with no bare specifier left, nothing else.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/app-harness.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => app?.close());

const get = (path: string) => fetch(`${app.baseUrl}${path}`, { redirect: 'manual' });

/** Every relative import and export-from of an ES module. */
function imports(source: string): string[] {
  return [...source.matchAll(/(?:import|export)\s*(?:[^'"]*?\sfrom\s*)?["']([^"']+)["']/g)].map((m) => m[1]);
}

describe('the dashboard at /ui', () => {
  it('redirects /ui to ui/ relatively, so a proxy prefix survives', async () => {
    const res = await get('/ui');
    assert.equal(res.status, 301);
    assert.equal(res.headers.get('location'), 'ui/');
  });

  it('serves the page with a strict CSP and no inline script or style', async () => {
    const res = await get('/ui/');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const page = await res.text();
    for (const tag of page.match(/<script\b[^>]*>/g) ?? []) assert.match(tag, /\ssrc="[^/"][^"]*"/, `a script from a relative file: ${tag}`);
    assert.doesNotMatch(page, /<style|\sstyle=|\son[a-z]+=/i);
    assert.doesNotMatch(page, /(?:src|href)="\//, 'every URL relative');
  });

  it('reaches every module from app.js, with relative specifiers only', async () => {
    const seen = new Set<string>();
    const queue = ['app.js'];
    while (queue.length) {
      const file = queue.shift()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const res = await get(`/ui/${file}`);
      assert.equal(res.status, 200, file);
      assert.match(res.headers.get('content-type') ?? '', /javascript/, file);
      for (const spec of imports(await res.text())) {
        assert.match(spec, /^\.\.?\//, `${file} imports ${spec}: a browser without an import map needs a relative path`);
        queue.push(new URL(spec, `http://x/${file}`).pathname.slice(1));
      }
    }
    assert.ok(seen.has('vendor/preact.js') && seen.has('vendor/hooks.js') && seen.has('vendor/htm.js'), [...seen].join(' '));
    assert.ok(seen.size > 15, `${seen.size} modules`);
    assert.doesNotMatch(await (await get('/ui/vendor/hooks.js')).text(), /sourceMappingURL/, 'no pointer to a map that is not served');
  });

  it('answers 404 for files that are not the dashboard', async () => {
    for (const path of ['/ui/nope.js', '/ui/vendor/preact.mjs', '/ui/%2e%2e/package.json', '/ui/..%2fpackage.json']) {
      const res = await get(path);
      assert.equal(res.status, 404, path);
    }
  });
});
