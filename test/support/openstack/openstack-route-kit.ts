// What the OpenStack test server's route modules share: the request context, the reply, the
// error bodies each service really sends, and the sample JSON files used as answer templates.
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RequestContext {
  method: string;
  /** Path after the service prefix (and after Nova's optional project id). */
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: IncomingHttpHeaders;
  /** Captures of the route's pattern. */
  params: string[];
  /** The compute microversion asked for (2.1 without a header). */
  microversion: string;
  /** The project of the token that authenticated the call. */
  projectId?: string;
}

export interface Route {
  method: string;
  /** Matched against the path after the service prefix. */
  pattern: RegExp;
  /** The name requests are counted under, e.g. `GET /compute/v2.1/servers/{id}`. */
  label: string;
  /** Answered without a token (Keystone's auth, Nova's version document). */
  open?: boolean;
  handle(ctx: RequestContext): Reply | Promise<Reply>;
}

export const reply = (status: number, body?: unknown, headers?: Record<string, string>): Reply => ({ status, body, headers });

/** Nova's error body: one wrapper key naming the fault. */
export const novaFault = (status: number, key: string, message: string): Reply => reply(status, { [key]: { code: status, message } });

export const neutronFault = (status: number, type: string, message: string): Reply =>
  reply(status, { NeutronError: { type, message, detail: '' } });

/** Glance's flat error body (with Accept: application/json). */
export const glanceFault = (status: number, title: string, message: string): Reply =>
  reply(status, { message: `${message}<br /><br />\n\n\n`, code: `${status} ${title}`, title });

/** keystonemiddleware's answer to a missing, unknown or expired token. */
export const keystoneUnauthorized = (): Reply =>
  reply(401, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });

/** A fresh copy of a sample body from test/fixtures/openstack/. */
export function fixture<T = Record<string, unknown>>(relativePath: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/openstack/${relativePath}`, import.meta.url), 'utf8')) as T;
}

export function compareVersions(a: string, b: string): number {
  const [aMajor, aMinor] = a.split('.').map(Number);
  const [bMajor, bMinor] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/** Nova-style `limit`/`marker` paging over items sorted as the cloud lists them. */
export function page<T extends { id: string }>(
  items: T[],
  query: URLSearchParams,
  maxLimit: number,
): { items: T[]; nextMarker?: string; badMarker?: boolean } {
  const asked = Number(query.get('limit') ?? maxLimit);
  const limit = Math.max(1, Math.min(Number.isFinite(asked) ? asked : maxLimit, maxLimit));
  const marker = query.get('marker');
  let start = 0;
  if (marker) {
    const at = items.findIndex((i) => i.id === marker);
    if (at < 0) return { items: [], badMarker: true };
    start = at + 1;
  }
  const slice = items.slice(start, start + limit);
  // Like Nova and Glance: a full page always gets a next link, even when nothing follows.
  return { items: slice, nextMarker: slice.length === limit ? slice[slice.length - 1].id : undefined };
}
