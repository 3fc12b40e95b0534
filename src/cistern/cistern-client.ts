// The Tracker port over Cistern's HTTP protocol (docs/cistern.md). Every answer is checked
// against the documented shape: a Cistern that is down, slow, failing or answering garbage is a
// 502 naming its host, never an empty result the caller would act on (the original returned `{}`
// and carried on to destroy VMs). Cistern learns of VMs by itself, so register/forget do nothing.
// Cistern's calls name a VM by hostname; ours name it by id, so each call first checks that the
// hostname names that VM alone, and that Cistern's answer names the same VM.
import http from 'node:http';
import https from 'node:https';
import type { AxiosInstance, AxiosResponse, CreateAxiosDefaults } from 'axios';
import { DispatcherError } from '../domain/errors.js';
import { lazyAxios } from '../domain/lazy-axios.js';
import type { Logger } from '../log/logger.js';
import { cisternRefusal, describeEndpoint, trackerFault, transportFault } from './cistern-faults.js';
import { parseErrorAnswer, parseNodesAnswer, parseResultAnswer, type Parsed } from './cistern-schemas.js';
import { ambiguousHostname, findInRecords, isLive, type AssignRequest, type NodeRef, type Tracker, type TrackerHealth, type TrackerRecord, type TrackerResult } from './tracker.js';

export interface CisternOptions {
  /** Base URL including the API prefix, e.g. `http://127.0.0.1:5071/api/v1`. */
  url: string;
  /** Deadline of one whole request (connect, answer and body). */
  timeoutMs: number;
  /** Sent as `Authorization: Bearer <token>`; never logged. */
  token?: string;
  /** The cloud whose node list `health()` asks for; the configured default cloud. */
  probeCloud?: string;
  /** Deadline of the `health()` probe; readiness probes give up quickly, so min(timeoutMs, 1000) by default. */
  healthTimeoutMs?: number;
}

// Idle kept-alive sockets are dropped before common servers drop them (gunicorn 2 s, Node 5 s;
// Node also honours a server's Keep-Alive hint): a request sent on a socket the server is closing
// fails with a reset, which is retried once for reads only.
const IDLE_SOCKET_MS = 1_500;
// A node list of a few thousand records is well under this; more is not a Cistern answer.
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

type Method = 'GET' | 'POST' | 'PUT';

export class CisternTracker implements Tracker {
  readonly kind = 'cistern' as const;
  readonly keepsReleased = false;
  /** `host:port` of Cistern, as fault messages name it. */
  readonly endpoint: string;

  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly healthTimeoutMs: number;
  private readonly probeCloud: string;
  /** The HTTP client, once axios is loaded (lazyAxios: only a process that talks to Cistern loads it). */
  private readonly http: Promise<AxiosInstance>;
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly logger?: Logger;

  constructor(options: CisternOptions, logger?: Logger) {
    const url = parseBaseUrl(options.url);
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
      throw new Error(`cistern.timeoutMs must be a positive number, not ${options.timeoutMs}`);
    }
    this.base = url.href.replace(/\/+$/, '');
    this.endpoint = describeEndpoint(url);
    this.timeoutMs = options.timeoutMs;
    this.healthTimeoutMs = options.healthTimeoutMs ?? Math.min(options.timeoutMs, 1_000);
    this.probeCloud = options.probeCloud ?? 'default';
    this.logger = logger;
    this.agents = {
      http: new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
      https: new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
    };
    const config: CreateAxiosDefaults = {
      httpAgent: this.agents.http,
      httpsAgent: this.agents.https,
      timeout: options.timeoutMs,
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      },
      // We read status, content type and body ourselves: axios' own parsing hides non-JSON.
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      maxRedirects: 0,
      maxContentLength: MAX_ANSWER_BYTES,
      proxy: false,
    };
    this.http = lazyAxios(config);
  }

  listNodes(cloud: string, withFaulty: boolean): Promise<TrackerRecord[]> {
    return this.nodes(cloud, withFaulty, this.timeoutMs);
  }

  /** Cistern has no lookup route: the cloud's whole list, searched here. */
  async findNode(cloud: string, ref: NodeRef): Promise<TrackerRecord | undefined> {
    return findInRecords(cloud, await this.listNodes(cloud, true), ref);
  }

  async assign(cloud: string, request: AssignRequest): Promise<TrackerResult> {
    const record = await this.soleBearer(cloud, request.idVm, 'FREE');
    const body = { hostname: record.hostname, user: request.user, vm_type: request.vmType };
    const answer = await this.call('POST', `/vm/assign/${encodeURIComponent(cloud)}`, body);
    return this.actedOn(request.idVm, this.expect(answer, parseResultAnswer));
  }

  async release(cloud: string, idVm: string): Promise<TrackerResult> {
    const record = await this.soleBearer(cloud, idVm, 'live');
    const answer = await this.call('PUT', `/vm/release/${encodeURIComponent(cloud)}`, { hostname: record.hostname });
    return this.actedOn(idVm, this.expect(answer, parseResultAnswer));
  }

  /**
   * A second VM with a tracked name could never be told apart in Cistern's protocol: refused
   * before the cloud is called. A Cistern that cannot be asked does not stop starts: twins it
   * learns of later are still refused by assign and release (soleBearer), never confused.
   */
  async checkNewName(cloud: string, hostname: string): Promise<void> {
    let records: TrackerRecord[];
    try {
      records = await this.listNodes(cloud, true);
    } catch (err) {
      if (err instanceof DispatcherError && err.kind === 'tracker-fault') return;
      throw err;
    }
    const bearers = records.filter((r) => r.hostname === hostname);
    if (bearers.length === 0) return;
    throw new DispatcherError('conflict', `Cistern already tracks a VM named ${hostname} on cloud ${cloud} (${bearers.map((r) => r.id_vm).join(', ')}): Cistern names VMs by hostname, so pick another name`, {
      code: 'NameTaken',
      details: { candidates: bearers.map((r) => r.id_vm), extensions: { candidates: bearers.map((r) => r.id_vm) } },
    });
  }

  /**
   * Cistern acts by hostname: the record of `idVm`, provided no other live record shares its
   * hostname (Cistern could act on that one instead) and it is in the state the call needs.
   */
  private async soleBearer(cloud: string, idVm: string, needs: 'FREE' | 'live'): Promise<TrackerRecord> {
    const records = await this.listNodes(cloud, true);
    const record = records.find((r) => r.id_vm === idVm);
    if (!record) throw new DispatcherError('not-found', `Cistern has no node ${idVm} on cloud ${cloud}`, { subject: 'vm' });
    if (needs === 'FREE' && record.status_desc !== 'FREE') throw new DispatcherError('conflict', `node ${idVm} is ${record.status_desc}, not FREE`, { code: 'NotFree' });
    if (needs === 'live' && !isLive(record)) throw new DispatcherError('conflict', `node ${idVm} is already ${record.status_desc}`, { code: 'AlreadyReleased' });
    const twins = records.filter((r) => r.hostname === record.hostname && isLive(r));
    if (twins.length > 1) throw ambiguousHostname(cloud, record.hostname, twins.map((r) => r.id_vm));
    return record;
  }

  /** Cistern said which VM it changed: another one than asked is a fault to report, never a success. */
  private actedOn(idVm: string, result: TrackerResult): TrackerResult {
    if (result.id_vm !== idVm) throw this.fault(`acted on node ${result.id_vm} when asked for ${idVm}`, { asked: idVm, actedOn: result.id_vm });
    return result;
  }

  async register(): Promise<void> {}

  async forget(): Promise<void> {}

  /**
   * Cistern has no health route; listing the probe cloud's active nodes is the cheapest call that
   * proves it is up, authorised and speaking the protocol. A `{"status":"error"}` answer (e.g. a
   * cloud it does not know) still proves that, so it counts as healthy.
   */
  async health(): Promise<TrackerHealth> {
    const started = Date.now();
    try {
      const records = await this.nodes(this.probeCloud, false, this.healthTimeoutMs);
      return { kind: 'cistern', ok: true, detail: `Cistern at ${this.endpoint}: answered in ${Date.now() - started} ms (${records.length} active nodes in ${this.probeCloud})` };
    } catch (err) {
      if (err instanceof DispatcherError && err.code === 'CisternError') {
        return { kind: 'cistern', ok: true, detail: `Cistern at ${this.endpoint}: reachable, said "${err.message}" for ${this.probeCloud}` };
      }
      return { kind: 'cistern', ok: false, detail: err instanceof Error ? err.message : String(err) };
    }
  }

  async close(): Promise<void> {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private async nodes(cloud: string, withFaulty: boolean, timeoutMs: number): Promise<TrackerRecord[]> {
    const answer = await this.call('GET', `/nodes/${encodeURIComponent(cloud)}`, { with_faulty_nodes: withFaulty }, timeoutMs);
    return this.expect(answer, parseNodesAnswer);
  }

  /** One round trip; resolves to the parsed JSON of a 2xx/4xx answer, throws a fault otherwise. */
  private async call(method: Method, path: string, body: object, timeoutMs = this.timeoutMs): Promise<{ status: number; json: unknown }> {
    const started = Date.now();
    let response: AxiosResponse<string>;
    try {
      response = await this.send(method, path, body, timeoutMs);
    } catch (err) {
      const fault = transportFault(this.endpoint, err, timeoutMs);
      this.logger?.warn({ tracker: 'cistern', method, path, ms: Date.now() - started, reason: fault.details?.reason }, fault.message);
      throw fault;
    }
    const status = response.status;
    this.logger?.debug({ tracker: 'cistern', method, path, status, ms: Date.now() - started }, 'cistern call');
    const contentType = String(response.headers['content-type'] ?? 'no content type').split(';')[0].trim();
    const json = parseJson(response.data);
    if (status >= 500) {
      const said = json === undefined ? undefined : parseErrorAnswer(json)?.message;
      throw this.fault(`answered HTTP ${status}${said ? `: ${said}` : ''}`, { httpStatus: status });
    }
    if (json === undefined) throw this.fault(`answered non-JSON (${contentType}) with HTTP ${status}`, { httpStatus: status });
    const refusal = status >= 300 && status < 400 ? null : parseErrorAnswer(json);
    if (refusal) {
      this.logger?.info({ tracker: 'cistern', method, path, status }, `Cistern refused: ${refusal.message}`);
      throw cisternRefusal(this.endpoint, refusal.message, status);
    }
    // A 4xx without Cistern's error envelope is the proxy or the auth in front of it talking.
    if (status < 200 || status >= 300) throw this.fault(`answered HTTP ${status}`, { httpStatus: status });
    return { status, json };
  }

  private async send(method: Method, path: string, body: object, timeoutMs: number): Promise<AxiosResponse<string>> {
    const http = await this.http;
    const request = () =>
      http.request<string>({
        method,
        url: `${this.base}${path}`,
        data: JSON.stringify(body),
        timeout: timeoutMs,
        // axios' timeout is a socket idle timeout, which a trickling answer keeps resetting;
        // the signal bounds the whole exchange.
        signal: AbortSignal.timeout(timeoutMs),
      });
    try {
      return await request();
    } catch (err) {
      // A reused keep-alive socket the server had just closed: safe to repeat a read only.
      const code = (err as { code?: unknown }).code;
      if (method === 'GET' && (code === 'ECONNRESET' || code === 'EPIPE')) return request();
      throw err;
    }
  }

  private expect<T>(answer: { status: number; json: unknown }, parse: (json: unknown) => Parsed<T>): T {
    const parsed = parse(answer.json);
    if (!parsed.ok) throw this.fault(`answered an unexpected shape: ${parsed.problem}`, { httpStatus: answer.status });
    return parsed.value;
  }

  private fault(what: string, details: Record<string, unknown>): DispatcherError {
    const fault = trackerFault(this.endpoint, what, details);
    this.logger?.warn({ tracker: 'cistern', ...details }, fault.message);
    return fault;
  }
}

export function createCisternTracker(options: CisternOptions, logger?: Logger): CisternTracker {
  return new CisternTracker(options, logger);
}

function parseBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`cistern.url is not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`cistern.url must be http or https, not ${url.protocol}`);
  }
  // Credentials in the URL would end up in fault messages; the token option exists for that.
  if (url.username || url.password) throw new Error('cistern.url must not carry credentials; use cistern.token');
  if (url.search || url.hash) throw new Error('cistern.url must not carry a query or fragment');
  return url;
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
