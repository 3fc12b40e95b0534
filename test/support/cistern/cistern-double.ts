// A Cistern for the test-suite: node:http on 127.0.0.1 and an ephemeral port, base path
// /api/v1, answering exactly the documented shapes, recording every request, and able to
// misbehave the ways a real one does (refuse, hang, 5xx, HTML, odd JSON, {"status":"error"}).
// One per test file or test: no state is shared between doubles.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CisternRecords, type CisternAnswer, type CisternRecord, type SeedRecord } from './cistern-double-records.js';

export type { CisternRecord, SeedRecord } from './cistern-double-records.js';

export type CisternCall = 'nodes' | 'assign' | 'release';

export interface RecordedRequest {
  method: string;
  /** The path as it arrived, still percent-encoded. */
  rawPath: string;
  call?: CisternCall;
  /** The decoded cloud segment of the path. */
  cloud?: string;
  /** The parsed JSON body; the raw text when it was not JSON. */
  body: unknown;
  contentType?: string;
  authorization?: string;
}

export type CisternFault =
  /** Accept the request and never answer. */
  | { kind: 'hang' }
  /** Send the headers, then one byte of body every `intervalMs`, never ending. */
  | { kind: 'trickle'; intervalMs: number }
  /** Answer this HTTP status with a Flask-like HTML page. */
  | { kind: 'http-status'; status: number }
  /** Answer 200 with an HTML page (a proxy's or a login page). */
  | { kind: 'html' }
  /** Answer 200 with this JSON body, whatever it is. */
  | { kind: 'shape'; body: unknown }
  /** Answer Cistern's own refusal with this message. */
  | { kind: 'error'; message: string; httpStatus?: number };

export interface FaultScope {
  /** Only this call misbehaves; the others answer normally. */
  call?: CisternCall;
  /** Misbehave this many times, then answer normally again. */
  times?: number;
}

export interface CisternDoubleOptions {
  /** When set, requests without `Authorization: Bearer <token>` get a 401. */
  token?: string;
  /** HTTP status of Cistern's `{"status":"error"}` answers (its Flask app answered 200). */
  errorHttpStatus?: number;
}

const ROUTES: Array<{ method: string; pattern: RegExp; call: CisternCall }> = [
  { method: 'GET', pattern: /^\/api\/v1\/nodes\/([^/]+)$/, call: 'nodes' },
  { method: 'POST', pattern: /^\/api\/v1\/vm\/assign\/([^/]+)$/, call: 'assign' },
  { method: 'PUT', pattern: /^\/api\/v1\/vm\/release\/([^/]+)$/, call: 'release' },
];

const htmlPage = (status: number, title: string) =>
  `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<title>${status} ${title}</title>\n<h1>${title}</h1>\n`;

export class CisternDouble {
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  readonly records = new CisternRecords();
  /** TCP connections accepted so far (keep-alive reuse shows as fewer connections than requests). */
  connections = 0;

  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly options: CisternDoubleOptions;
  private fault?: { fault: CisternFault; scope: FaultScope };
  private port = 0;

  constructor(options: CisternDoubleOptions = {}) {
    this.options = options;
    // A client that gives up mid-request only ends that exchange.
    this.server = http.createServer((req, res) => void this.handle(req, res).catch(() => res.destroy()));
    this.server.on('connection', (socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Base URL including `/api/v1`, what `cistern.url` is set to. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/api/v1`;
  }

  /** `127.0.0.1:<port>`, what fault messages must name. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** False between `refuse()` and `accept()`. */
  get listening(): boolean {
    return this.server.listening;
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  seed(cloud: string, records: SeedRecord[]): CisternRecord[] {
    return this.records.seed(cloud, records);
  }

  /** The requests of one call, e.g. every assign. */
  received(call: CisternCall): RecordedRequest[] {
    return this.requests.filter((r) => r.call === call);
  }

  fail(fault: CisternFault, scope: FaultScope = {}): void {
    this.fault = { fault, scope: { ...scope } };
  }

  heal(): void {
    this.fault = undefined;
  }

  /** Stops listening and drops every open connection: new connections are refused. */
  async refuse(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.dropConnections();
    await closed;
  }

  /** Listens again on the same port after `refuse()`. */
  async accept(): Promise<void> {
    await this.listen();
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.refuse();
    this.dropConnections();
  }

  private dropConnections(): void {
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const text = await readBody(req);
    const rawPath = (req.url ?? '/').split('?')[0];
    const route = ROUTES.find((r) => r.method === req.method && r.pattern.test(rawPath));
    const segment = route ? route.pattern.exec(rawPath)?.[1] : undefined;
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      rawPath,
      call: route?.call,
      cloud: segment === undefined ? undefined : safeDecode(segment),
      body: parseJson(text) ?? text,
      contentType: req.headers['content-type'],
      authorization: req.headers.authorization,
    };
    this.requests.push(recorded);

    const fault = this.takeFault(route?.call);
    if (fault) return this.misbehave(fault, res);

    if (this.options.token !== undefined && req.headers.authorization !== `Bearer ${this.options.token}`) {
      return sendJson(res, 401, { message: 'Unauthorized' });
    }
    if (!route) return sendHtml(res, 404, htmlPage(404, 'Not Found'));
    // Flask's get_json() ignores a body not declared as JSON; Cistern then failed on it.
    const body = recorded.body;
    if (!/^application\/json\b/.test(recorded.contentType ?? '') || typeof body !== 'object' || body === null) {
      return sendHtml(res, 400, htmlPage(400, 'Bad Request'));
    }
    const answer = this.answer(route.call, recorded.cloud ?? '', body as Record<string, unknown>);
    const status = answer.status === 'error' ? (this.options.errorHttpStatus ?? 200) : 200;
    sendJson(res, status, answer);
  }

  private answer(call: CisternCall, cloud: string, body: Record<string, unknown>): CisternAnswer {
    const str = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : undefined);
    switch (call) {
      case 'nodes':
        if (typeof body.with_faulty_nodes !== 'boolean') return { status: 'error', message: 'with_faulty_nodes must be a boolean' };
        return this.records.nodes(cloud, body.with_faulty_nodes);
      case 'assign': {
        const [hostname, user, vmType] = [str('hostname'), str('user'), str('vm_type')];
        if (!hostname || user === undefined || vmType === undefined) return { status: 'error', message: 'hostname, user and vm_type are required' };
        return this.records.assign(cloud, hostname, user, vmType);
      }
      case 'release': {
        const hostname = str('hostname');
        if (!hostname) return { status: 'error', message: 'hostname is required' };
        return this.records.release(cloud, hostname);
      }
    }
  }

  private takeFault(call: CisternCall | undefined): CisternFault | undefined {
    const current = this.fault;
    if (!current || (current.scope.call && current.scope.call !== call)) return undefined;
    if (current.scope.times !== undefined && --current.scope.times <= 0) this.fault = undefined;
    return current.fault;
  }

  private misbehave(fault: CisternFault, res: http.ServerResponse): void {
    switch (fault.kind) {
      case 'hang':
        return; // the response stays open until the client gives up or the double closes
      case 'trickle': {
        res.writeHead(200, { 'Content-Type': 'application/json' }).write(' ');
        const timer = setInterval(() => res.write(' '), fault.intervalMs);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case 'http-status':
        return sendHtml(res, fault.status, htmlPage(fault.status, http.STATUS_CODES[fault.status] ?? 'Error'));
      case 'html':
        return sendHtml(res, 200, '<html><body><h1>Welcome to nginx!</h1></body></html>');
      case 'shape':
        return sendJson(res, 200, fault.body);
      case 'error':
        return sendJson(res, fault.httpStatus ?? this.options.errorHttpStatus ?? 200, { status: 'error', message: fault.message });
    }
  }
}

export async function startCisternDouble(options: CisternDoubleOptions = {}): Promise<CisternDouble> {
  return new CisternDouble(options).listen();
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

function sendHtml(res: http.ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
