// The specs against the running app: valid OpenAPI 3.1; every routed API path documented and
// every documented path routed (read from the app's router stacks, so a route added outside the
// declarations is caught); every documented example answers as documented; /docs renders.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { v1Routes } from '../../src/api/v1/v1-routes.js';
import { EXAMPLE } from '../../src/api/v2/v2-examples.js';
import { v2Routes } from '../../src/api/v2/v2-routes.js';
import type { RouteDoc, RouteExample } from '../../src/api/openapi/route-spec.js';
import { ADMIN, startTestApp, type TestApp } from '../support/app-harness.js';
import { concretePath, routedPaths } from '../support/route-probe.js';
import { waitFor } from '../support/wait-for.js';

const APIS = [
  { name: 'v1', base: '/api/v1', routes: () => v1Routes() as RouteDoc[] },
  { name: 'v2', base: '/api/v2', routes: () => v2Routes() as RouteDoc[] },
];
/** Served outside the two APIs (the dashboard at /ui is a client of v2); everything else under /api/ must be documented. */
const NOT_API = ['/healthz', '/readyz', '/metrics', '/docs', '/openapi/', '/ui'];

let app: TestApp;
const specs: Record<string, any> = {};

before(async () => {
  app = await startTestApp();
  for (const api of APIS) specs[api.name] = (await app.request('GET', `/openapi/${api.name}.json`)).body;
});
after(async () => app?.close());

describe('the OpenAPI documents', () => {
  for (const api of APIS) {
    it(`${api.name} validates as OpenAPI 3.1 and lists exactly the declared routes`, async () => {
      const spec = specs[api.name];
      assert.equal(spec.openapi, '3.1.0');
      const result = await new Validator().validate(spec);
      assert.deepEqual(result, { valid: true });
      const documented = Object.entries(spec.paths as Record<string, object>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
      const declared = api.routes().map((r) => `${r.method} ${r.path}`);
      assert.deepEqual(documented.sort(), declared.sort());
      assert.equal(new Set(documented.map((d) => spec.paths[d.split(' ')[1]][d.split(' ')[0]].operationId)).size, documented.length, 'operationIds are unique');
    });
  }

  it('documents every route the app serves under /api/, and nothing else is routed there', () => {
    const operations = APIS.flatMap((api) =>
      Object.entries(specs[api.name].paths as Record<string, object>).flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => ({ method, sample: concretePath(api.base, path, { cloud: 'default' }) })),
      ),
    );
    const routed = routedPaths(app.dispatcher.app).filter((r) => r.methods.length > 0);
    for (const route of routed) {
      if (NOT_API.some((p) => route.path.startsWith(p))) continue;
      for (const method of route.methods) {
        assert.ok(
          operations.some((op) => op.method === method && route.matches(op.sample)),
          `${method.toUpperCase()} ${route.path} is routed but not in any spec`,
        );
      }
    }
    for (const op of operations) {
      assert.ok(
        routed.some((r) => r.methods.includes(op.method) && r.matches(op.sample)),
        `${op.method.toUpperCase()} ${op.sample} is documented but not routed`,
      );
    }
  });

  it('answers every documented operation over HTTP (no "no route", 405 or v1 "Not implemented")', async () => {
    // A token of its own: the probe also calls DELETE /auth/tokens/current.
    const login = await app.request('POST', '/api/v2/auth/tokens', ADMIN, { authorization: '' });
    const auth = { authorization: `Bearer ${login.body.token}` };
    for (const api of APIS) {
      for (const [path, ops] of Object.entries(specs[api.name].paths as Record<string, object>)) {
        for (const method of Object.keys(ops)) {
          const res = await app.request(method.toUpperCase(), concretePath(api.base, path, { cloud: 'default' }), method === 'get' || method === 'delete' ? undefined : {}, auth);
          const what = `${method.toUpperCase()} ${api.base}${path} → ${res.status} ${JSON.stringify(res.body)}`;
          assert.notEqual(res.status, 405, what);
          assert.notEqual(res.body?.code, 'NoRoute', what);
          assert.notEqual(res.body?.message, 'Page not found', what);
          assert.notEqual(res.body?.message, 'Not implemented', what);
        }
      }
    }
  });
});

/** A fresh running VM, its tracker record and the operation that made it: what example placeholders stand for. */
async function fixtures(): Promise<Record<string, string>> {
  const created = await app.request('POST', `/api/v2/clouds/${EXAMPLE.cloud}/vms?wait=true`, { name: `example-${Math.random().toString(36).slice(2, 8)}`, image: 'ubuntu-24.04', size: 'm1.small', metadata: { team: 'genomics' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const vmId: string = created.body.id;
  await waitFor('the example VM running', async () => (await app.request('GET', created.body.links.self)).body.state === 'running');
  const records = (await app.request('GET', `/api/v2/assignments?cloud=${EXAMPLE.cloud}`)).body.items as { id: string; vmId: string }[];
  const operations = (await app.request('GET', '/api/v2/operations?limit=1&kind=vm.start')).body.items as { id: string }[];
  return {
    [EXAMPLE.vmId]: vmId,
    [EXAMPLE.assignmentId]: records.find((r) => r.vmId === vmId)?.id ?? 'missing',
    [EXAMPLE.operationId]: operations[0].id,
  };
}

function substitute<T>(value: T, swaps: Record<string, string>): T {
  if (value === undefined) return value;
  let text = JSON.stringify(value);
  for (const [from, to] of Object.entries(swaps)) text = text.split(from).join(to);
  return JSON.parse(text) as T;
}

function pointer(...segments: string[]): string {
  return segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
}

describe('documented examples', () => {
  for (const api of APIS) {
    it(`${api.name}: every example request answers its status with a body matching the documented schema`, async () => {
      const ajv = new Ajv2020({ strict: false, validateFormats: false });
      ajv.addSchema(specs[api.name], api.name);
      const examples = api.routes().flatMap((route) => (route.examples ?? []).map((example) => ({ route, example })));
      assert.ok(examples.length >= (api.name === 'v2' ? 20 : 10), `only ${examples.length} examples`);
      for (const { route, example } of examples) {
        const needsFixtures = JSON.stringify(example).includes(EXAMPLE.vmId) || JSON.stringify(example).includes(EXAMPLE.assignmentId) || JSON.stringify(example).includes(EXAMPLE.operationId);
        const swaps = needsFixtures ? await fixtures() : {};
        const ex = substitute<RouteExample>(example, swaps);
        const query = ex.query ? `?${new URLSearchParams(ex.query)}` : '';
        const path = concretePath(api.base, route.path, ex.params) + query;
        const res = await app.request(route.method.toUpperCase(), path, ex.body, route.auth === 'public' ? { authorization: '', ...ex.headers } : ex.headers);
        const what = `${route.method.toUpperCase()} ${route.path} "${example.summary}" → ${res.status} ${JSON.stringify(res.body)}`;
        assert.equal(res.status, ex.status, what);
        const documented = route.responses[ex.status];
        assert.ok(documented, `${what}: status ${ex.status} is not documented`);
        if (!documented.schema) continue;
        const contentType = documented.contentType ?? 'application/json';
        assert.ok(res.headers.get('content-type')?.startsWith(contentType), `${what}: content-type ${res.headers.get('content-type')}`);
        const { error } = documented.schema.validate(res.body, { convert: false });
        assert.equal(error, undefined, `${what}: joi says ${error?.message}`);
        const validate = ajv.getSchema(`${api.name}#/${pointer('paths', route.path, route.method, 'responses', String(ex.status), 'content', contentType, 'schema')}`);
        assert.ok(validate, `${what}: no schema in the spec`);
        assert.ok(validate(res.body), `${what}: the spec's JSON Schema says ${ajv.errorsText(validate.errors)}`);
      }
    });

    it(`${api.name}: every response example in the spec matches its schema`, () => {
      for (const route of api.routes()) {
        for (const [status, response] of Object.entries(route.responses)) {
          if (response.example === undefined || !response.schema) continue;
          const { error } = response.schema.validate(response.example, { convert: false });
          assert.equal(error, undefined, `${route.method} ${route.path} ${status}: ${error?.message}`);
        }
      }
    });
  }
});

describe('/docs', () => {
  it('renders Swagger UI from local assets over both specs', async () => {
    const page = await fetch(`${app.baseUrl}/docs`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    assert.match(html, /<div id="swagger-ui">/);
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(refs.length >= 4);
    assert.ok(refs.every((ref) => ref.startsWith('/')), `every asset is served locally: ${refs.join(', ')}`);
    assert.ok(refs.includes('/docs/assets/swagger-ui-bundle.js') && refs.includes('/docs/assets/swagger-ui.css'));
    let init = '';
    for (const ref of refs) {
      const asset = await fetch(`${app.baseUrl}${ref}`);
      assert.equal(asset.status, 200, ref);
      const body = await asset.text();
      assert.ok(body.length > 0, ref);
      if (ref.endsWith('.js')) assert.match(asset.headers.get('content-type') ?? '', /javascript/, ref);
      if (ref.endsWith('.css')) assert.match(asset.headers.get('content-type') ?? '', /text\/css/, ref);
      if (ref === '/docs/swagger-init.js') init = body;
    }
    assert.match(init, /SwaggerUIBundle\(/);
    const specUrls = [...init.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(specUrls.sort(), ['/openapi/v1.json', '/openapi/v2.json']);
    for (const url of specUrls) {
      const spec = await fetch(`${app.baseUrl}${url}`);
      assert.equal(spec.status, 200);
      assert.equal(((await spec.json()) as { openapi: string }).openapi, '3.1.0');
    }
    assert.equal((await fetch(`${app.baseUrl}/docs/assets/swagger-initializer.js`)).status, 404, 'the package demo initializer is not served');
  });
});
