// The CLI's exit codes (docs/cli.md lists them) and the error that carries one.
export const EXIT = {
  ok: 0,
  /** Anything not below (an unexpected answer). */
  error: 1,
  /** Bad command line: unknown command or option, missing argument. */
  usage: 2,
  /** 401/403: not logged in, token expired or revoked, not allowed. */
  auth: 3,
  /** 404: no such cloud, VM, assignment, operation, user. */
  notFound: 4,
  /** 409/412/422: the request conflicts with the current state (allocation full, already released). */
  conflict: 5,
  /** 5xx: the dispatcher or a cloud behind it failed. */
  server: 6,
  /** No usable answer: connection refused, DNS, TLS, timeout, HTML instead of JSON. */
  network: 7,
  /** --wait: the operation ended failed or interrupted. */
  operationFailed: 8,
  /** Ctrl-C while waiting (the operation goes on in the dispatcher). */
  interrupted: 130,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    /** A line of advice printed under the message. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function usageError(message: string, hint?: string): CliError {
  return new CliError(message, EXIT.usage, hint);
}

/** The exit code of an HTTP error status. */
export function exitForStatus(status: number): number {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 409 || status === 412 || status === 422) return EXIT.conflict;
  if (status >= 500) return EXIT.server;
  if (status === 400 || status === 405 || status === 413) return EXIT.usage;
  return EXIT.error;
}
