// What a driver throws once the pool's signal has fired: the pool's own reason (the 504 it
// already answered), so an aborted call never surfaces as the HTTP client's AbortError (a 500).
import { setTimeout as sleep } from 'node:timers/promises';
import { DispatcherError } from '../domain/errors.js';

export function abortError(signal: AbortSignal): DispatcherError {
  const reason: unknown = signal.reason;
  if (reason instanceof DispatcherError) return reason;
  return new DispatcherError('timeout', 'the cloud call was cancelled', { code: 'CallAborted', cause: reason });
}

/** Before a step that starts new work at the cloud: stop here if the caller has given up. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** A pause (latency, a throttling wait) that ends early, with abortError, when the signal fires. */
export async function pauseUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (err) {
    if (signal?.aborted) throw abortError(signal);
    throw err;
  }
}
