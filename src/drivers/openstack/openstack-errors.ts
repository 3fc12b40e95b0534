// The one translation of OpenStack's error answers into DispatcherErrors. Each service words its
// errors differently (Nova's wrapper key, Neutron's NeutronError.type, Glance's flat body,
// Keystone's error object); the kind is decided from the status and that key, never from the
// message text, which changes between releases and is translated on some clouds.
import { DispatcherError, type ErrorKind, type Subject } from '../../domain/errors.js';
import { transportFaultFor } from '../../domain/transport-faults.js';
import type { HttpResponse } from './openstack-http.js';

export interface ParsedError {
  /** The wrapper key (Nova), NeutronError.type, Glance's `code` string or Keystone's title. */
  code?: string;
  message?: string;
}

export interface CallContext {
  service: string;
  method: string;
  path: string;
  subject?: Subject;
}

/** Reads the code and message out of any of the OpenStack error body shapes. */
export function parseErrorBody(body: unknown): ParsedError {
  if (typeof body === 'string') return { message: cleanMessage(body) };
  if (body === null || typeof body !== 'object') return {};
  const object = body as Record<string, unknown>;
  const neutron = object.NeutronError;
  if (isRecord(neutron)) return { code: str(neutron.type), message: cleanMessage(str(neutron.message)) };
  // Glance: flat, with `code` a string such as "404 Not Found".
  if (typeof object.message === 'string' && typeof object.code === 'string') {
    return { code: object.code, message: cleanMessage(object.message) };
  }
  // Keystone: {"error": {"code": 401, "title": "Unauthorized", "message": …}}.
  if (isRecord(object.error) && object.error.code !== undefined) {
    return { code: str(object.error.title) ?? String(object.error.code), message: cleanMessage(str(object.error.message)) };
  }
  // Nova (and Cinder, Placement's older form): one wrapper key naming the fault.
  const keys = Object.keys(object);
  if (keys.length === 1 && isRecord(object[keys[0]])) {
    return { code: keys[0], message: cleanMessage(str((object[keys[0]] as Record<string, unknown>).message)) };
  }
  return { message: cleanMessage(str(object.message)) };
}

/** The kind for an error answer: by status, refined by the provider's code where the status is ambiguous. */
export function errorKind(status: number, code: string | undefined, retryAfter: boolean): ErrorKind {
  // Nova's overLimit is both a quota refusal and, with Retry-After, its rate limiter's answer.
  if (code === 'overLimit') return retryAfter ? 'throttled' : 'quota';
  if (code === 'OverQuota') return 'quota'; // Neutron answers an exhausted quota with 409
  switch (status) {
    case 400:
      return 'bad-request';
    case 401:
      return 'credentials-expired';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 409:
      return 'conflict';
    case 413:
      return retryAfter ? 'throttled' : 'quota';
    case 422:
      return 'unprocessable';
    case 429:
    case 503:
      return 'throttled';
    case 501:
      return 'not-implemented';
  }
  // 405/406/415 mean this driver asked wrongly (an unsupported microversion is 406): not the client's fault.
  if (status === 405 || status === 406 || status === 415 || status >= 500) return 'provider-fault';
  return status >= 400 ? 'bad-request' : 'provider-fault';
}

/** A DispatcherError for an OpenStack error answer. */
export function openstackError(response: HttpResponse, context: CallContext, now = Date.now()): DispatcherError {
  const parsed = parseErrorBody(response.body);
  const wait = retryAfterMs(response.headers['retry-after'], now);
  const kind = errorKind(response.status, parsed.code, wait !== undefined);
  const code = parsed.code ?? `HTTP${response.status}`;
  const what = `${context.service} ${context.method} ${context.path}`;
  const message = `${what}: ${response.status} ${code}${parsed.message ? `: ${parsed.message}` : ''}`;
  const requestId = response.headers['x-openstack-request-id'] ?? response.headers['x-compute-request-id'];
  return new DispatcherError(kind, message, {
    code,
    subject: kind === 'not-found' ? context.subject : undefined,
    retryAfterMs: kind === 'throttled' ? wait : undefined,
    details: { status: response.status, service: context.service, ...(requestId ? { requestId } : {}) },
  });
}

/** A DispatcherError for a call that got no HTTP answer at all. */
export function transportError(err: unknown, context: CallContext): DispatcherError {
  if (err instanceof DispatcherError) return err;
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'TransportError';
  const reason = err instanceof Error ? err.message : String(err);
  const kind: ErrorKind = transportFaultFor(code)?.kind ?? 'provider-fault';
  return new DispatcherError(kind, `${context.service} ${context.method} ${context.path}: ${reason}`, {
    code,
    cause: err,
    details: { service: context.service },
  });
}

/** Retry-After in milliseconds (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function cleanMessage(text: string | undefined): string | undefined {
  // Glance and proxies wrap messages in HTML; keep one readable line.
  const clean = text?.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return clean ? clean.slice(0, 500) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
