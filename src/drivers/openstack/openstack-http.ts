// The slice of HTTP the driver uses, so tests can inject their own. The axios implementation
// never throws on an HTTP status (the session reads OpenStack's error bodies itself) and keeps
// connections alive: one client per cloud, one TCP+TLS handshake instead of one per call.
import http from 'node:http';
import https from 'node:https';
import type { CreateAxiosDefaults } from 'axios';
import { lazyAxios } from '../../domain/lazy-axios.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Aborting it closes the request in flight (the pool's call timeout). */
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  /** Parsed JSON where the body was JSON, the text otherwise, undefined when empty. */
  body: unknown;
}

/**
 * Rejects only when no HTTP answer came, with an Error whose `code` is Node's (ECONNREFUSED,
 * ECONNRESET, ENOTFOUND, …), ECONNABORTED/ETIMEDOUT when `timeoutMs` passed, or ERR_CANCELED
 * when the request's signal fired.
 */
export interface HttpClient {
  send(request: HttpRequest): Promise<HttpResponse>;
  close(): void;
}

export function createAxiosHttpClient(options: { timeoutMs: number; userAgent?: string }): HttpClient {
  const httpAgent = new http.Agent({ keepAlive: true });
  const httpsAgent = new https.Agent({ keepAlive: true });
  const config: CreateAxiosDefaults = {
    httpAgent,
    httpsAgent,
    timeout: options.timeoutMs,
    validateStatus: () => true,
    // An OpenStack redirect is a misconfigured endpoint; following it would resend the token elsewhere.
    maxRedirects: 0,
    headers: { 'User-Agent': options.userAgent ?? 'cloud-dispatcher' },
  };
  const instance = lazyAxios(config);
  return {
    async send(request) {
      let response;
      try {
        response = await (await instance).request({
          method: request.method,
          url: request.url,
          headers: request.headers,
          data: request.body,
          signal: request.signal,
        });
      } catch (err) {
        throw withoutRequest(err);
      }
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value == null ? undefined : String(value);
      }
      return { status: response.status, headers, body: response.data === '' ? undefined : response.data };
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

/**
 * Axios errors carry the request config, headers and body included: the token, or the password
 * of an auth request. Only the message and Node's code travel on, so no log can show them.
 */
function withoutRequest(err: unknown): Error {
  const clean = new Error(err instanceof Error ? err.message : String(err)) as Error & { code?: string };
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') clean.code = code;
  return clean;
}
