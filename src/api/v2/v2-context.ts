// What every v2 handler gets as `ctx`, and the definer that types v2 routes.
import type { Config } from '../../config/config-schema.js';
import type { Services } from '../../compose.js';
import { routeDefiner, type Route } from '../openapi/route-spec.js';

export interface V2Context {
  services: Services;
  config: Config;
  /** The longest `?wait=true` holds a request before answering 202 anyway. */
  waitTimeoutMs: number;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 60_000;

/** Declares a v2 route: `v2Route<{ cloud: string }, { limit: number }, CreateBody>({ method, path, …, handler })`. */
export const v2Route = routeDefiner<V2Context>();

export type V2Route = Route<V2Context>;

/** The base every v2 path is relative to (links and Location headers are absolute paths). */
export const V2_BASE = '/api/v2';
