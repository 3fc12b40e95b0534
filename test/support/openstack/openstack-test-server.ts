// An OpenStack cloud in one node:http server on 127.0.0.1: Keystone under /identity/v3, Nova
// under /compute/v2.1, Glance under /image and Neutron under /network (no version in the
// catalog, as real clouds register them). It counts requests per route, checks tokens and
// microversions, and plays faults the tests inject: error answers, Retry-After, slow answers.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { glanceRoutes, NeutronState, neutronRoutes } from './glance-neutron-routes.js';
import { KeystoneState, keystoneRoutes, type CatalogShape } from './keystone-routes.js';
import { novaRoutes, testFlavors } from './nova-routes.js';
import { NovaServers, type TestImage, type Timing } from './nova-servers.js';
import { compareVersions, keystoneUnauthorized, novaFault, type Reply, type Route } from './openstack-route-kit.js';

export interface OpenstackTestServerOptions extends Partial<Timing> {
  /** Lifetime of issued tokens; they answer 401 afterwards. */
  tokenTtlMs?: number;
  /** Nova's max_limit, and the page size of Glance. */
  pageLimit?: number;
  microversions?: { min: string; max: string };
  catalog?: Partial<CatalogShape>;
  images?: TestImage[];
  keyPairs?: string[];
}

export interface Fault {
  /** The route label, e.g. `GET /compute/v2.1/servers/detail`. */
  route: string;
  /** Answer this instead of the route's own answer; without it, only the delay applies. */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  /** How many requests it applies to (1 unless given). */
  times?: number;
}

export interface RecordedRequest {
  method: string;
  route: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export const TEST_IMAGES: TestImage[] = [
  { id: '70a599e0-31e7-49b7-b260-868f441e862b', name: 'cirros-0.6.2-x86_64-disk' },
  { id: '155d900f-4e14-4e4c-a73d-069cbf4541e6', name: 'ubuntu-24.04' },
  { id: 'a2459075-d96c-40d5-893e-577ff92e721c', name: 'broken-image', failBoot: true },
];

const SERVICES: { prefix: RegExp; name: string }[] = [
  { prefix: /^\/identity\/v3/, name: 'identity' },
  // Nova answers with or without the project id after the version.
  { prefix: /^\/compute\/v2\.1(?:\/[0-9a-f]{32})?/, name: 'compute' },
  { prefix: /^\/image/, name: 'image' },
  { prefix: /^\/network/, name: 'network' },
];

export class OpenstackTestServer {
  readonly settings: Required<Omit<OpenstackTestServerOptions, 'catalog'>> & { catalog: CatalogShape };
  readonly keystone: KeystoneState;
  readonly servers: NovaServers;
  readonly neutron = new NeutronState();
  readonly createBodies: unknown[] = [];
  readonly requests: RecordedRequest[] = [];
  /** Route labels of requests whose client closed the connection before the answer (an aborted call). */
  readonly abandoned: string[] = [];
  /** Calls refused for a missing, unknown or expired token. */
  unauthorized = 0;
  url = '';
  /** A URL where nothing listens (the catalog's internal and RegionTwo endpoints). */
  deadUrl = '';

  private readonly server: Server;
  private readonly routes: Record<string, Route[]>;
  private readonly faults: Fault[] = [];
  private readonly counters = new Map<string, number>();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; done: () => void }>();

  private constructor(options: OpenstackTestServerOptions) {
    this.settings = {
      tokenTtlMs: 3_600_000,
      bootDelayMs: 60,
      actionDelayMs: 40,
      deleteDelayMs: 40,
      pageLimit: 1000,
      microversions: { min: '2.1', max: '2.93' },
      keyPairs: ['default', 'ops-key'],
      ...options,
      // Its own copy: createImage adds to it, Glance delete removes from it.
      images: [...(options.images ?? TEST_IMAGES)],
      catalog: { image: true, network: true, versionedSuffixes: false, computeProjectId: true, ...options.catalog },
    };
    const s = this.settings;
    this.keystone = new KeystoneState(() => s.tokenTtlMs);
    this.servers = new NovaServers(() => s);
    const linkBase = `http://nova-internal.invalid:8774/v2.1/${'0'.repeat(32)}`;
    this.routes = {
      identity: keystoneRoutes(this.keystone, () => this.url, () => this.deadUrl, () => s.catalog),
      compute: novaRoutes({
        servers: this.servers,
        images: () => s.images,
        flavors: testFlavors(),
        keyPairs: s.keyPairs,
        securityGroups: () => ['default', 'web'],
        microversions: () => s.microversions,
        pageLimit: () => s.pageLimit,
        linkBase,
        createBodies: this.createBodies,
      }),
      image: glanceRoutes(() => s.images, () => s.pageLimit),
      network: neutronRoutes(this.neutron),
    };
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(String(err));
      });
    });
  }

  static async start(options: OpenstackTestServerOptions = {}): Promise<OpenstackTestServer> {
    const instance = new OpenstackTestServer(options);
    instance.deadUrl = `http://127.0.0.1:${await unusedPort()}`;
    await new Promise<void>((resolve) => instance.server.listen(0, '127.0.0.1', resolve));
    instance.url = `http://127.0.0.1:${(instance.server.address() as AddressInfo).port}`;
    return instance;
  }

  get authUrl(): string {
    return `${this.url}/identity/v3`;
  }

  /** Requests received on a route label, e.g. `POST /identity/v3/auth/tokens`. */
  count(route: string): number {
    return this.counters.get(route) ?? 0;
  }

  /** Every request counted so far, by route label. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.counters);
  }

  total(): number {
    return [...this.counters.values()].reduce((a, b) => a + b, 0);
  }

  resetCounts(): void {
    this.counters.clear();
    this.requests.length = 0;
    this.abandoned.length = 0;
  }

  inject(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Drops the injected faults not yet played. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  async close(): Promise<void> {
    for (const entry of this.timers) {
      clearTimeout(entry.timer);
      entry.done();
    }
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const service = SERVICES.find((s) => s.prefix.test(url.pathname));
    const path = service ? url.pathname.replace(service.prefix, '') : url.pathname;
    const route = service && this.routes[service.name].find((r) => r.method === req.method && r.pattern.test(path));
    const label = route?.label ?? `${req.method} (no route) ${url.pathname}`;
    const body = await readJson(req);
    this.counters.set(label, this.count(label) + 1);
    this.requests.push({ method: req.method ?? '', route: label, url: url.pathname + url.search, headers: req.headers, body });
    res.once('close', () => {
      if (!res.writableEnded) this.abandoned.push(label);
    });
    const fault = this.faults.find((f) => f.route === label && (f.times ?? 1) > 0);
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.delayMs) await this.delay(fault.delayMs);
      if (fault.status !== undefined) return send(res, { status: fault.status, body: fault.body ?? defaultFaultBody(fault.status), headers: fault.headers });
    }
    if (!service || !route) return send(res, novaFault(404, 'itemNotFound', 'The resource could not be found.'));
    const projectId = this.keystone.validate(header(req, 'x-auth-token'));
    if (!route.open && !projectId) {
      this.unauthorized++;
      return send(res, keystoneUnauthorized());
    }
    const microversion = service.name === 'compute' ? this.microversionOf(req) : '2.1';
    if (microversion === undefined) {
      const { min, max } = this.settings.microversions;
      return send(res, novaFault(406, 'computeFault', `Version is not supported by the API. Minimum is ${min} and maximum is ${max}.`));
    }
    const match = route.pattern.exec(path) ?? [];
    const answer = await route.handle({ method: req.method ?? 'GET', path, query: url.searchParams, body, headers: req.headers, params: match.slice(1), microversion, projectId });
    if (service.name === 'compute') {
      answer.headers = { ...answer.headers, 'OpenStack-API-Version': `compute ${microversion}`, 'X-OpenStack-Nova-API-Version': microversion };
    }
    send(res, answer);
  }

  /** The microversion asked for; undefined when outside what this cloud serves (Nova answers 406). */
  private microversionOf(req: IncomingMessage): string | undefined {
    const { min, max } = this.settings.microversions;
    const asked = /compute\s+(\S+)/.exec(header(req, 'openstack-api-version') ?? '')?.[1] ?? header(req, 'x-openstack-nova-api-version') ?? min;
    const version = asked === 'latest' ? max : asked;
    if (!/^2\.\d+$/.test(version)) return undefined;
    return compareVersions(version, min) >= 0 && compareVersions(version, max) <= 0 ? version : undefined;
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = { timer: setTimeout(() => finish(), ms), done: () => resolve() };
      const finish = () => {
        this.timers.delete(entry);
        resolve();
      };
      this.timers.add(entry);
    });
  }
}

function defaultFaultBody(status: number): unknown {
  if (status === 413) return { overLimit: { code: 413, message: 'Quota exceeded for instances: Requested 1, but already used 10 of 10 instances' } };
  if (status === 429 || status === 503) return status === 429 ? 'Too Many Requests' : 'Service Unavailable';
  return { computeFault: { code: status, message: 'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/' } };
}

function send(res: ServerResponse, answer: Reply): void {
  const headers: Record<string, string> = { 'x-openstack-request-id': `req-${randomUUID()}`, ...answer.headers };
  if (answer.body === undefined) {
    res.writeHead(answer.status, headers).end();
  } else if (typeof answer.body === 'string') {
    res.writeHead(answer.status, { 'Content-Type': 'text/plain', ...headers }).end(answer.body);
  } else {
    res.writeHead(answer.status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(answer.body));
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A port nothing listens on: bound, then released. */
async function unusedPort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

