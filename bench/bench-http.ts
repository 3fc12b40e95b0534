// The load generator's HTTP client: node:http over keep-alive sockets (cheaper per request than
// fetch, so the client stays far below the server's cost), JSON in and out, and a bounded pool
// that runs a fixed number of requests with a fixed number in flight and a deadline.
import http from 'node:http';

export interface JsonAnswer {
  status: number;
  /** JSON of many shapes: each scenario checks what it reads. */
  body: any;
}

export class BenchClient {
  private readonly agent: http.Agent;
  private readonly url: URL;

  constructor(
    baseUrl: string,
    private readonly token: string,
    maxSockets = 64,
  ) {
    this.url = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  async request(method: string, path: string, body?: unknown): Promise<JsonAnswer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    try {
      return await this.send(method, path, payload);
    } catch (err) {
      // A kept-alive socket the server closed as idle just as this request went out (a race the
      // node:http docs describe; a starved client's free-socket timer fires late on a loaded
      // machine). The server never read the request, so sending it once more is safe.
      if (!(err instanceof StaleSocketError)) throw err;
      return this.send(method, path, payload);
    }
  }

  private send(method: string, path: string, payload: Buffer | undefined): Promise<JsonAnswer> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.url.hostname,
          port: this.url.port,
          method,
          path,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.token}`,
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
            } catch {
              resolve({ status: res.statusCode ?? 0, body: text });
            }
          });
        },
      );
      req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path}: no answer within 60 s`)));
      req.on('error', (err: NodeJS.ErrnoException) => reject(req.reusedSocket && err.code === 'ECONNRESET' ? new StaleSocketError(err) : err));
      req.end(payload);
    });
  }

  /** Like request(), but an answer other than 200 is an error naming the route and the body. */
  async ok(method: string, path: string, body?: unknown): Promise<JsonAnswer> {
    const answer = await this.request(method, path, body);
    if (answer.status !== 200) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
    return answer;
  }

  close(): void {
    this.agent.destroy();
  }
}

class StaleSocketError extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

export interface PoolOutcome {
  /** Tasks that completed (a task that threw stops the pool; the error is rethrown). */
  done: number;
  elapsedMs: number;
}

/**
 * Runs task(0…count-1) with `concurrency` in flight, until all ran or `deadlineMs` passed (no new
 * task starts after it). The first error stops the pool and is thrown once the others finished.
 */
export async function runPool(count: number, concurrency: number, task: (i: number) => Promise<void>, deadlineMs = Infinity): Promise<PoolOutcome> {
  const started = performance.now();
  let next = 0;
  let done = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < count && performance.now() - started < deadlineMs) {
      const i = next++;
      try {
        await task(i);
        done++;
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  if (failure !== undefined) throw failure;
  return { done, elapsedMs: performance.now() - started };
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
