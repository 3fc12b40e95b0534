// Errors are data: a kind (what happened), an optional provider code, and one table that maps
// kinds to HTTP. Drivers translate provider errors into these once, at the boundary.

export const ERROR_KINDS = {
  'bad-request': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  quota: 409,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  unprocessable: 422,
  'rate-limited': 429,
  internal: 500,
  'not-implemented': 501,
  'provider-fault': 502,
  'credentials-expired': 502,
  'tracker-fault': 502,
  throttled: 503,
  unavailable: 503,
  timeout: 504,
} as const;
export type ErrorKind = keyof typeof ERROR_KINDS;

/** What a not-found error was looking for; v1 words its messages after it. */
export type Subject = 'cloud' | 'vm' | 'image' | 'size' | 'keypair' | 'assignment' | 'operation' | 'user' | 'token';

export interface ErrorOptions {
  /** The provider's own error code (EC2 `err.name`, OpenStack wrapper key or Keystone code). */
  code?: string;
  subject?: Subject;
  /** Milliseconds the caller should wait before trying again, when the provider said. */
  retryAfterMs?: number;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class DispatcherError extends Error {
  readonly kind: ErrorKind;
  readonly code?: string;
  readonly subject?: Subject;
  readonly retryAfterMs?: number;
  readonly details?: Record<string, unknown>;

  constructor(kind: ErrorKind, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DispatcherError';
    this.kind = kind;
    this.code = options.code;
    this.subject = options.subject;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
  }

  get status(): number {
    return ERROR_KINDS[this.kind];
  }
}

export function isDispatcherError(err: unknown, kind?: ErrorKind): err is DispatcherError {
  return err instanceof DispatcherError && (kind === undefined || err.kind === kind);
}

export function notFound(subject: Subject, id: string): DispatcherError {
  return new DispatcherError('not-found', `${subject} ${id} not found`, { subject });
}

/** Wraps anything thrown into a DispatcherError without losing a typed one. */
export function toDispatcherError(err: unknown): DispatcherError {
  if (err instanceof DispatcherError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new DispatcherError('internal', message, { cause: err });
}
