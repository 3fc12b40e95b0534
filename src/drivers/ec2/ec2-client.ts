// The slice of the EC2 SDK the driver depends on: one `send`. Tests inject their own; production
// builds one real client per cloud here. Every request goes through Ec2Transport.send, which
// carries the pool's signal and translates every error once.
import type { EC2Client } from '@aws-sdk/client-ec2';
import { abortError, throwIfAborted } from '../driver-abort.js';
import { ec2Error } from './ec2-errors.js';
import type { Ec2Options } from './ec2-options.js';

export type Ec2Sender = Pick<EC2Client, 'send'>;
export type Ec2Sdk = typeof import('@aws-sdk/client-ec2');

let sdk: Promise<Ec2Sdk> | undefined;

/**
 * The SDK is loaded on first use: importing it costs about 85 MB of RSS and over a second of
 * start-up, which a dispatcher without an EC2 cloud should not pay.
 */
export function loadEc2Sdk(): Promise<Ec2Sdk> {
  sdk ??= import('@aws-sdk/client-ec2');
  return sdk;
}

export function createEc2Client({ EC2Client }: Ec2Sdk, options: Ec2Options): EC2Client {
  const { accessKeyId, secretAccessKey, sessionToken } = options;
  return new EC2Client({
    region: options.region,
    endpoint: options.endpoint,
    // No static keys: leave `credentials` unset so the SDK walks its default provider chain.
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, sessionToken } : undefined,
    // The SDK's retry is the only retry: throttling, 5xx, resets and timeouts, with backoff.
    maxAttempts: options.maxAttempts,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      // Without it the SDK only logs a warning when requestTimeout passes and keeps waiting.
      throwOnRequestTimeout: true,
    },
  });
}

/** The host shown by v1 `/cloud`: the endpoint's host, or AWS's regional one. */
export function ec2Host(options: Pick<Ec2Options, 'endpoint' | 'region'>): string {
  return options.endpoint ? new URL(options.endpoint).host : `ec2.${options.region}.amazonaws.com`;
}

export class Ec2Transport {
  private owned?: EC2Client;

  /** `injected`: a ready client (tests); the transport then neither builds nor destroys one. */
  constructor(
    private readonly options: Ec2Options,
    private readonly injected?: Ec2Sender,
  ) {}

  /** SigV4 signs every request: there is no session to open, only the SDK to load and a client to build. */
  async open(): Promise<void> {
    this.client(await loadEc2Sdk());
  }

  /** The pool's signal rides on the request: an abort closes the HTTP request and stops the SDK's retries. */
  async send<T>(signal: AbortSignal | undefined, call: (client: Ec2Sender, sdk: Ec2Sdk) => Promise<T>): Promise<T> {
    throwIfAborted(signal);
    const sdk = await loadEc2Sdk();
    const client = this.client(sdk);
    try {
      return await call(signal ? withAbortSignal(client, signal) : client, sdk);
    } catch (err) {
      // The SDK's AbortError would read as our own bug (500): the pool's reason is the answer.
      if (signal?.aborted) throw abortError(signal);
      throw ec2Error(err);
    }
  }

  /** A new client makes the default provider chain resolve credentials afresh. */
  drop(): void {
    this.owned?.destroy();
    this.owned = undefined;
  }

  private client(sdk: Ec2Sdk): Ec2Sender {
    if (this.injected) return this.injected;
    this.owned ??= createEc2Client(sdk, this.options);
    return this.owned;
  }
}

/** Sends with `abortSignal` (the SDK never retries an AbortError). */
function withAbortSignal(client: Ec2Sender, abortSignal: AbortSignal): Ec2Sender {
  const send = (command: Parameters<Ec2Sender['send']>[0]) => client.send(command, { abortSignal });
  return { send: send as unknown as Ec2Sender['send'] };
}
