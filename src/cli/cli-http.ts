// The CLI's HTTP client: JSON in and out, and every failure turned into a CliError that says
// what went wrong (refused, DNS, TLS, a proxy's HTML page, 401 → log in) with its exit code.
import { CliError, EXIT, exitForStatus } from './cli-errors.js';

export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON, read by field where shown
  body: any;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | string[] | undefined>;
  headers?: Record<string, string>;
  /** 404 answers instead of throwing (the caller turns it into its own message). */
  allow?: number[];
}

/** The longest the CLI waits for one answer (a ?wait=true call is bounded by the server first). */
const REQUEST_TIMEOUT_MS = 120_000;

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  get hasToken(): boolean {
    return Boolean(this.token);
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiAnswer> {
    const url = new URL(path, this.baseUrl.replace(/\/?$/, '/'));
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
    }
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw networkError(err, url);
    }
    const body = await readBody(response, url);
    const answer = { status: response.status, body, headers: response.headers };
    if (response.ok || options.allow?.includes(response.status)) return answer;
    throw httpError(answer, method, url);
  }
}

async function readBody(response: Response, url: URL): Promise<unknown> {
  const text = await response.text();
  if (response.status === 204 || text === '') return undefined;
  const type = response.headers.get('content-type') ?? '';
  if (!/json/.test(type)) {
    const what = /html/.test(type) ? 'an HTML page' : `"${type || 'no content type'}"`;
    throw new CliError(
      `${url.origin} answered HTTP ${response.status} with ${what} instead of JSON`,
      EXIT.network,
      'is DISPATCHER_URL (or --url) the dispatcher itself, and not a proxy or login page in front of it?',
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`${url.origin} answered HTTP ${response.status} with malformed JSON`, EXIT.network);
  }
}

function httpError(answer: ApiAnswer, method: string, url: URL): CliError {
  const body = (answer.body ?? {}) as Record<string, unknown>;
  // v2 answers problem+json (detail); v1 its envelope (message).
  const detail = String(body.detail ?? body.message ?? body.title ?? `HTTP ${answer.status}`);
  const code = typeof body.code === 'string' ? ` [${body.code}]` : '';
  const where = `${method} ${url.pathname}`;
  if (answer.status === 401) {
    return new CliError(`not authenticated: ${detail}`, EXIT.auth, 'run "dispatcher login" (or set DISPATCHER_TOKEN)');
  }
  if (answer.status === 403) return new CliError(`forbidden: ${detail}`, EXIT.auth, 'this needs an admin account');
  const errors = Array.isArray(body.errors) ? (body.errors as Array<{ key?: string; message?: string }>) : [];
  const lines = errors.length > 1 ? errors.map((e) => `  ${e.key}: ${e.message}`) : [];
  // A placement refusal (409 NoPlacement) names each cloud's reason: the operator's next step.
  if (body.clouds && typeof body.clouds === 'object') lines.push(...Object.entries(body.clouds as Record<string, unknown>).map(([cloud, why]) => `  ${cloud}: ${String(why)}`));
  const extra = lines.length ? `\n${lines.join('\n')}` : '';
  return new CliError(`${where}: ${answer.status} ${detail}${code}${extra}`, exitForStatus(answer.status));
}

/** fetch() says "fetch failed"; the reason is in its cause (an errno, a TLS code, an abort). */
export function networkError(err: unknown, url: URL): CliError {
  const error = err as Error & { cause?: Error & { code?: string; errors?: Array<{ code?: string }> } };
  if (error.name === 'TimeoutError' || error.name === 'AbortError') {
    return new CliError(`${url.origin} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`, EXIT.network);
  }
  const cause = error.cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code ?? '';
  const host = url.host;
  const text = cause?.message ?? error.message;
  if (code === 'ECONNREFUSED') {
    return new CliError(`cannot connect to ${url.origin}: connection refused`, EXIT.network, 'is the dispatcher running there? ("dispatcher serve" starts one; --url or DISPATCHER_URL point elsewhere)');
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new CliError(`cannot resolve ${url.hostname}: DNS lookup failed (${code})`, EXIT.network, 'check the host name in --url / DISPATCHER_URL');
  }
  if (/CERT|SSL|TLS|ERR_SSL|EPROTO/.test(code) || /certificate|ssl|tls/i.test(text)) {
    return new CliError(`TLS with ${host} failed: ${text}${code ? ` (${code})` : ''}`, EXIT.network, 'http:// vs https://? a self-signed certificate needs NODE_EXTRA_CA_CERTS');
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return new CliError(`${host} closed the connection (${code}): ${text}`, EXIT.network);
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return new CliError(`connecting to ${host} timed out (${code})`, EXIT.network);
  return new CliError(`cannot reach ${url.origin}: ${text}${code ? ` (${code})` : ''}`, EXIT.network);
}
