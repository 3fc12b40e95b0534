// Issue 14: a seeded, bounded fuzz of API v1 — odd paths (bad escapes, control characters, long
// segments), every method, bodies of every JSON shape and some that are not JSON, every token
// spelling. No answer may be a 5xx other than 501/502/503/504 carrying a message (the cause).
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/app-harness.js';
import { rawRequest } from '../support/raw-http.js';
import { seededRandom } from '../../src/drivers/fake/fake-random.js';

const SEED = 0x5eed14;
const REQUESTS = 3_000;
const PARALLEL = 6;
const ROUTES = [
  '/api/v1',
  '/api/v1/auth',
  '/api/v1/cloud',
  '/api/v1/nodes',
  '/api/v1/images',
  '/api/v1/flavors',
  '/api/v1/sizes',
  '/api/v1/tenants',
  '/api/v1/vm/status',
  '/api/v1/vm/start',
  '/api/v1/vm/stop',
  '/api/v1/vm/action/assign',
  '/api/v1/vm/action/release',
  '/api/v1/fw/open',
  '/api/v1/fw/close',
];

/** The envelope's message of a 5xx answer: its cause ('' when there is none). */
function messageOf(text: string): string {
  try {
    return String((JSON.parse(text) as { message?: unknown }).message ?? '');
  } catch {
    return '';
  }
}

describe('API v1 fuzz', () => {
  let app: TestApp;
  const agent = new Agent({ keepAlive: true, maxSockets: PARALLEL });
  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    agent.destroy();
    await app?.close();
  });

  it(`answers ${REQUESTS} random requests (seed ${SEED}) without a 500`, async (t) => {
    const random = seededRandom(SEED); // the fake cloud's PRNG: the same requests for the same seed
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const segments = [
      'nodes', 'images', 'flavors', 'sizes', 'tenants', 'cloud', 'auth', 'vm', 'status', 'start', 'stop', 'action', 'assign', 'release', 'fw', 'open', 'close',
      'default', 'east', 'fake-east', 'nowhere', '%ff', '%', '%E0%A4%A', '%00', '%2F', '%2e%2e', '..', '__proto__', 'constructor', '%C3%A9', '%E2%80%AE', 'x'.repeat(300), '',
    ];
    const keys = ['name', 'image', 'size', 'node', 'hostname', 'user', 'vm_type', 'port', 'protocol', 'cidr', 'emulate', 'metadata', 'keyname', 'username', 'password', 'auth_token', '__proto__', 'extra'];
    const scalar = (): unknown =>
      pick<() => unknown>([
        () => 'ubuntu-24.04',
        () => 'm1.small',
        () => 'fz-' + Math.floor(random() * 1e6),
        () => '',
        () => 'a\u0000b',
        () => '\u202Egnp',
        () => 'x'.repeat(Math.floor(random() * 600)),
        () => Math.floor(random() * 70_000) - 1000,
        () => 1e308 * 10,
        () => random() < 0.5,
        () => null,
        () => 'True',
        () => '10.0.0.0/8',
        () => 'tcp',
      ])();
    const value = (depth: number): unknown => {
      const r = random();
      if (depth > 2 || r < 0.6) return scalar();
      if (r < 0.8) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [pick(keys), value(depth + 1)]));
    };
    const body = (): { text?: string; type?: string } => {
      const r = random();
      if (r < 0.15) return {};
      if (r < 0.25) return { text: pick(['{', '{"name":', 'not json', '[]', '"str"', '42', 'null', '{"a":1}}']), type: 'application/json' };
      if (r < 0.3) return { text: '{"name":"x"}', type: pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) };
      const object = Object.fromEntries(Array.from({ length: 1 + Math.floor(random() * 7) }, () => [pick(keys), value(0)]));
      if (random() < 0.5) Object.assign(object, { emulate: true });
      return { text: JSON.stringify(object), type: pick(['application/json', 'application/json; charset=utf-8', 'application/vnd.x+json']) };
    };
    const auth = (): { headers: Record<string, string>; query: string } => {
      switch (Math.floor(random() * 6)) {
        case 0:
          return { headers: {}, query: '' };
        case 1:
          return { headers: { authorization: 'Bearer nope' }, query: '' };
        case 2:
          return { headers: { 'x-auth-token': app.token }, query: '' };
        case 3:
          return { headers: {}, query: `auth_token=${pick([app.token, '%ff', ''])}` };
        default:
          return { headers: { authorization: `Bearer ${app.token}` }, query: '' };
      }
    };

    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < REQUESTS) {
        next++;
        // Half the paths are the real routes (with a cloud segment or not), half random segments.
        const path =
          random() < 0.5
            ? pick(ROUTES) + (random() < 0.5 ? '' : `/${pick(segments)}`)
            : '/api/v1/' + Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(segments)).join('/');
        const method = pick(['GET', 'GET', 'POST', 'PUT', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
        const { headers, query } = auth();
        const { text, type } = body();
        const sent = { ...headers, ...(type !== undefined && type !== '' ? { 'content-type': type } : {}) };
        const url = query ? `${path}?${query}` : path;
        let res;
        try {
          res = await rawRequest(app.baseUrl, method, url, { headers: sent, body: text, agent });
        } catch (err) {
          failures.push(`no answer: ${(err as Error).message}: ${method} ${url} ${JSON.stringify(sent)} ${text ?? ''}`.slice(0, 300));
          continue;
        }
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status < 500) continue;
        const message = method === 'HEAD' ? 'HEAD' : messageOf(res.text);
        if (![501, 502, 503, 504].includes(res.status) || message === '') failures.push(`${res.status} ${method} ${url} ${text ?? ''}: ${res.text.slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
    assert.deepEqual(failures, [], `answers >= 500 without a cause; statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
    assert.ok((statuses.get(400) ?? 0) > 100 && (statuses.get(200) ?? 0) > 50, `a fuzz that reaches the routes: ${JSON.stringify(Object.fromEntries(statuses))}`);
  });
});
