// An EC2 Query-API server on 127.0.0.1 that the real SDK talks to over HTTP. It counts calls per
// Action (tests assert on round trips) and injects faults: throttling, 5xx, slow answers, and
// answers dropped after the work was done (to prove the ClientToken makes a retry safe).
// SigV4 signatures are not checked: any static fake keys do.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { answer } from './ec2-actions.js';
import { Ec2Cloud, type Ec2CloudOptions } from './ec2-cloud-state.js';
import { Ec2ApiError, QueryParams } from './ec2-query-parser.js';
import { errorResponse } from './ec2-xml.js';

export type Ec2Fault =
  /** EC2's throttling answer: HTTP 503, RequestLimitExceeded. */
  | { type: 'throttle' }
  /** An error answer; `body` replaces the XML (a proxy's HTML page, say). */
  | { type: 'error'; status?: number; code?: string; body?: string }
  /** Waits this long, then answers normally (or never, if the client gave up first). */
  | { type: 'slow'; delayMs: number }
  /** Does the work, then cuts the connection instead of answering. */
  | { type: 'drop' };

export interface Ec2TestServerOptions extends Ec2CloudOptions {
  /** The largest page any describe answers, whatever MaxResults asks (EC2: 1000). */
  pageSize?: number;
}

export interface Ec2TestServer {
  endpoint: string;
  cloud: Ec2Cloud;
  /** Requests received per Action, faulted ones included. */
  readonly calls: Record<string, number>;
  /** Every request's parameters, in arrival order. */
  readonly requests: { action: string; params: Record<string, string> }[];
  /** Actions whose client closed the connection before the answer was sent (an aborted call). */
  readonly abandoned: string[];
  inject(action: string, fault: Ec2Fault, times?: number): void;
  clearFaults(): void;
  resetCalls(): void;
  close(): Promise<void>;
}

interface Injected {
  action: string;
  fault: Ec2Fault;
  remaining: number;
}

export async function startEc2TestServer(options: Ec2TestServerOptions = {}): Promise<Ec2TestServer> {
  const cloud = new Ec2Cloud(options);
  const pageSize = options.pageSize ?? 1000;
  const calls: Record<string, number> = {};
  const requests: Ec2TestServer['requests'] = [];
  const abandoned: string[] = [];
  let faults: Injected[] = [];
  const closing = new AbortController();

  const takeFault = (action: string): Ec2Fault | undefined => {
    const hit = faults.find((f) => (f.action === '*' || f.action === action) && f.remaining > 0);
    if (hit) hit.remaining--;
    return hit?.fault;
  };

  const send = (res: ServerResponse, status: number, body: string, requestId: string, type = 'text/xml;charset=UTF-8'): void => {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': requestId });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const query = new URL(req.url ?? '/', 'http://x').search.slice(1);
    const params = QueryParams.parse(chunks.length > 0 ? Buffer.concat(chunks).toString('utf8') : query);
    const action = params.get('Action') ?? '';
    const requestId = randomUUID();
    calls[action] = (calls[action] ?? 0) + 1;
    requests.push({ action, params: params.entries() });
    const clientGone = new AbortController();
    let dropped = false;
    res.once('close', () => {
      if (!res.writableEnded && !dropped) {
        abandoned.push(action);
        clientGone.abort();
      }
    });

    const fault = takeFault(action);
    if (fault?.type === 'slow') {
      try {
        await sleep(fault.delayMs, undefined, { signal: AbortSignal.any([closing.signal, clientGone.signal]) });
      } catch {
        return;
      }
    }
    if (fault?.type === 'throttle') return send(res, 503, errorResponse('RequestLimitExceeded', 'Request limit exceeded.', requestId), requestId);
    if (fault?.type === 'error') {
      const status = fault.status ?? 500;
      if (fault.body !== undefined) return send(res, status, fault.body, requestId, 'text/html');
      return send(res, status, errorResponse(fault.code ?? 'InternalError', 'An internal error has occurred', requestId), requestId);
    }
    let body: string;
    let status = 200;
    try {
      body = answer(action, { cloud, params, requestId, pageSize });
    } catch (err) {
      const apiError = err instanceof Ec2ApiError ? err : new Ec2ApiError('InternalError', String(err), 500);
      status = apiError.status;
      body = errorResponse(apiError.code, apiError.message, requestId);
    }
    if (fault?.type === 'drop') {
      dropped = true;
      req.socket.destroy();
      return;
    }
    send(res, status, body, requestId);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, errorResponse('InternalError', String(err), 'none'), 'none'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    cloud,
    calls,
    requests,
    abandoned,
    inject(action, fault, times = Number.POSITIVE_INFINITY) {
      faults.push({ action, fault, remaining: times });
    },
    clearFaults() {
      faults = [];
    },
    resetCalls() {
      for (const key of Object.keys(calls)) delete calls[key];
      requests.length = 0;
      abandoned.length = 0;
    },
    async close() {
      closing.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
