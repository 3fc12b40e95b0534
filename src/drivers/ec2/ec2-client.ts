// The slice of the EC2 SDK the driver depends on: one `send`. Tests inject their own; production
// builds one real client per cloud here.
import type { EC2Client } from '@aws-sdk/client-ec2';
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
