// One place that turns whatever went wrong talking to Cistern into a DispatcherError. Keyed on
// socket error codes and HTTP statuses, never on message text. Faults are 502 'tracker-fault'
// and name the Cistern host, because the operator's first question is "which Cistern?".
// The axios error is deliberately not kept as `cause`: its config carries the bearer token,
// and a logger that serialises causes would print it.
import { DispatcherError } from '../domain/errors.js';
import { transportFaultFor } from '../domain/transport-faults.js';

export function trackerFault(where: string, what: string, details: Record<string, unknown> = {}): DispatcherError {
  // No `code`: the v1 envelope would prefix it to a message that already says it all.
  return new DispatcherError('tracker-fault', `Cistern at ${where}: ${what}`, { details: { cistern: where, ...details } });
}

/** Cistern answered `{"status":"error"}`: its own refusal, a client-side problem, carried verbatim. */
export function cisternRefusal(where: string, message: string, httpStatus: number): DispatcherError {
  return new DispatcherError('conflict', message, { code: 'CisternError', details: { cistern: where, httpStatus } });
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const own = (err as { code?: unknown }).code;
  if (typeof own === 'string' && own !== 'ERR_BAD_REQUEST') return own;
  // Node wraps some socket errors (AggregateError for dual-stack connects, fetch-style causes).
  const nested = (err as { cause?: unknown; errors?: unknown[] }).cause ?? (err as { errors?: unknown[] }).errors?.[0];
  return nested === undefined ? (typeof own === 'string' ? own : undefined) : errorCode(nested);
}

/** A transport failure (no HTTP answer at all) as a tracker fault. */
export function transportFault(where: string, err: unknown, timeoutMs: number): DispatcherError {
  const code = errorCode(err);
  const known = transportFaultFor(code);
  if (known?.kind === 'timeout') return trackerFault(where, `did not answer within ${timeoutMs} ms`, { reason: 'timeout' });
  if (known) return trackerFault(where, known.words, { reason: code });
  return trackerFault(where, `request failed (${code ?? 'no error code'})`, { reason: code ?? 'unknown' });
}

/** The `host:port` an operator recognises, with the scheme's default port spelt out. */
export function describeEndpoint(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}
