// What a request that got no HTTP answer means, by the error code Node (or axios) put on it: one
// table for every client we have (the EC2 SDK, OpenStack's and Cistern's axios). Keyed on codes,
// never on message text. `words` is what an operator reads when the message must name the fault.
import type { ErrorKind } from './errors.js';

export interface TransportFault {
  /** timeout → 504; unavailable → 503 (the far end could not be reached or hung up); provider-fault → 502. */
  kind: Extract<ErrorKind, 'timeout' | 'unavailable' | 'provider-fault'>;
  words: string;
}

const timeout: TransportFault = { kind: 'timeout', words: 'did not answer in time' };

const TRANSPORT_FAULTS: Readonly<Record<string, TransportFault>> = {
  ETIMEDOUT: timeout,
  ESOCKETTIMEDOUT: timeout,
  // axios's own timeout, and its cancellation (what an aborted call's timeout looks like from inside).
  ECONNABORTED: timeout,
  ERR_CANCELED: timeout,
  UND_ERR_CONNECT_TIMEOUT: timeout,
  ECONNREFUSED: { kind: 'unavailable', words: 'connection refused' },
  ECONNRESET: { kind: 'unavailable', words: 'connection reset' },
  EPIPE: { kind: 'unavailable', words: 'connection reset' },
  ENOTFOUND: { kind: 'unavailable', words: 'host not found' },
  EAI_AGAIN: { kind: 'unavailable', words: 'host name lookup failed' },
  EHOSTUNREACH: { kind: 'unavailable', words: 'host unreachable' },
  ENETUNREACH: { kind: 'unavailable', words: 'network unreachable' },
  // An answer came, but not one a client can use: the far end's fault.
  ERR_FR_TOO_MANY_REDIRECTS: { kind: 'provider-fault', words: 'redirected too many times' },
  ERR_BAD_RESPONSE: { kind: 'provider-fault', words: 'answered something unreadable' },
  ERR_FR_MAX_BODY_LENGTH_EXCEEDED: { kind: 'provider-fault', words: 'answered too much' },
};

/** The fault a transport error code stands for; undefined for a code not in the table (or none). */
export function transportFaultFor(code: string | undefined): TransportFault | undefined {
  return code !== undefined && Object.hasOwn(TRANSPORT_FAULTS, code) ? TRANSPORT_FAULTS[code] : undefined;
}
