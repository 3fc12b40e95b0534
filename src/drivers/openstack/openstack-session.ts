// Every authenticated OpenStack call goes through here: the token, the service's endpoint, the
// bounded waits on 429/503 for calls that are safe to repeat, and the error translation. A 401
// forgets the refused token and answers credentials-expired: the pool's loop renews and repeats
// (the only credential retry, so a persistent 401 costs one request per pool attempt).
// Services above it (Nova, Glance, Neutron) only build paths and bodies.
import { DispatcherError, type Subject } from '../../domain/errors.js';
import { abortError, pauseUnlessAborted, throwIfAborted } from '../driver-abort.js';
import type { Logger } from '../../log/logger.js';
import type { KeystoneAuth, KeystoneToken } from './openstack-auth.js';
import { computeBase, findEndpoint, versioned, type ServiceKind } from './openstack-catalog.js';
import { openstackError, transportError } from './openstack-errors.js';
import type { HttpClient, HttpMethod, HttpResponse } from './openstack-http.js';
import type { OpenstackOptions } from './openstack-options.js';

export type Service = ServiceKind | 'identity';

export type Query = Record<string, string | number | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Compute microversion for this call (Nova only). */
  microversion?: string;
  /**
   * Whether a throttled call may be sent again. Defaults to true except for POST: a create that
   * timed out or was throttled is never repeated blindly (it might have been carried out).
   */
  safe?: boolean;
  /** What a 404 was looking for. */
  subject?: Subject;
  /** Error statuses that are answers here (e.g. 404 on a lookup). */
  accept?: number[];
  /** The pool's signal: closes the request in flight and ends a throttling wait. */
  signal?: AbortSignal;
}

type SessionOptions = Pick<OpenstackOptions, 'interface' | 'region' | 'endpoints' | 'throttle'>;

export class OpenstackSession {
  /** Requests sent per service, auth excluded: lets tests and benchmarks count round trips. */
  readonly sent: Record<Service, number> = { identity: 0, compute: 0, image: 0, network: 0 };

  constructor(
    readonly http: HttpClient,
    readonly auth: KeystoneAuth,
    private readonly options: SessionOptions,
    private readonly logger: Logger,
    private readonly wait: (ms: number, signal?: AbortSignal) => Promise<unknown> = pauseUnlessAborted,
  ) {}

  /** The base URL of a service (configured override first, then the catalog); undefined if the cloud has none. */
  async serviceUrl(service: Service, token?: KeystoneToken): Promise<string | undefined> {
    if (service === 'identity') return this.auth.identityUrl;
    const override = this.options.endpoints[service];
    const url = override ?? findEndpoint((token ?? (await this.auth.current())).catalog, service, this.options.interface, this.options.region);
    if (url === undefined) return undefined;
    if (service === 'compute') return computeBase(url);
    return versioned(url, service === 'image' ? 'v2' : 'v2.0');
  }

  /** Sends one call; `path` is relative to the service's base URL, or a full URL. */
  async request(service: Service, method: HttpMethod, path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    const safe = options.safe ?? method !== 'POST';
    const context = { service, method, path, subject: options.subject };
    for (let throttled = 0; ; ) {
      // The token is shared by every call, so its fetch is not aborted; the request after it is.
      const token = await this.auth.current();
      throwIfAborted(options.signal);
      const response = await this.send(service, method, path, options, token, context);
      // A redirect is an error too: following it would send the token to another URL.
      if ((response.status >= 200 && response.status < 300) || options.accept?.includes(response.status)) return response;
      // Only this token: a 401 that raced a renewal must not throw away the fresh one others use.
      if (response.status === 401) this.auth.invalidate(token.value);
      const error = openstackError(response, context);
      if (!this.mayRetry(error, safe, throttled)) throw error;
      throttled++;
      const ms = error.retryAfterMs ?? this.options.throttle.defaultWaitMs;
      this.logger.warn({ service, method, path, waitMs: ms, attempt: throttled }, 'openstack throttled the call; waiting');
      await this.wait(ms, options.signal);
    }
  }

  /** The JSON body of a successful call. */
  async json<T>(service: Service, method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.request(service, method, path, options)).body as T;
  }

  private mayRetry(error: DispatcherError, safe: boolean, attempts: number): boolean {
    if (error.kind !== 'throttled' || !safe || attempts >= this.options.throttle.maxRetries) return false;
    return (error.retryAfterMs ?? this.options.throttle.defaultWaitMs) <= this.options.throttle.maxWaitMs;
  }

  private async send(
    service: Service,
    method: HttpMethod,
    path: string,
    options: RequestOptions,
    token: KeystoneToken,
    context: { service: string; method: string; path: string },
  ): Promise<HttpResponse> {
    const base = await this.serviceUrl(service, token);
    if (base === undefined) {
      throw new DispatcherError('not-implemented', `the cloud's catalog has no ${service} endpoint (${this.options.interface})`, {
        code: 'NoEndpoint',
      });
    }
    const url = new URL(/^https?:\/\//.test(path) ? path : `${base}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { 'X-Auth-Token': token.value, Accept: 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.microversion) {
      headers['OpenStack-API-Version'] = `compute ${options.microversion}`;
      headers['X-OpenStack-Nova-API-Version'] = options.microversion;
    }
    this.sent[service]++;
    try {
      return await this.http.send({ method, url: url.toString(), headers, body: options.body, signal: options.signal });
    } catch (err) {
      if (options.signal?.aborted) throw abortError(options.signal);
      throw transportError(err, context);
    }
  }
}

/**
 * The `marker` of the next page, from Nova's `<key>_links` or Glance's `next`. Only the marker is
 * taken: the links carry the host the service believes it has, which behind a proxy is often not
 * the one we can reach.
 */
export function nextMarker(body: unknown, linksKey: string): string | undefined {
  const object = (body ?? {}) as Record<string, unknown>;
  const links = object[linksKey];
  let href: string | undefined;
  if (typeof links === 'string') href = links;
  else if (Array.isArray(links)) href = (links as { rel?: string; href?: string }[]).find((l) => l.rel === 'next')?.href;
  if (!href) return undefined;
  return new URL(href, 'http://placeholder.invalid').searchParams.get('marker') ?? undefined;
}

/**
 * Follows `marker` pagination to the end, or until `enough` accepts a page; refuses to loop on a
 * cloud that repeats a marker.
 */
export async function collectPages<T>(
  fetchPage: (marker: string | undefined) => Promise<unknown>,
  itemsKey: string,
  linksKey: string,
  enough?: (page: T[]) => boolean,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let marker: string | undefined;
  for (;;) {
    const body = await fetchPage(marker);
    const page = ((body ?? {}) as Record<string, unknown>)[itemsKey];
    if (Array.isArray(page)) items.push(...(page as T[]));
    if (Array.isArray(page) && enough?.(page as T[])) return items;
    marker = nextMarker(body, linksKey);
    if (!marker || !Array.isArray(page) || page.length === 0 || seen.has(marker)) return items;
    seen.add(marker);
  }
}
