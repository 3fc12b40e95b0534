// pino logs: JSON lines, or pino-pretty's text (LOG_FORMAT=pretty, and by default on a terminal).
// Secrets are redacted by path wherever they could appear: request headers and bodies, and cloud
// options (whose secret keys each driver declares: the composition root passes them in).
import { createRequire } from 'node:module';
import { pino, type Logger as Pino } from 'pino';
import type { LogFormat, LogLevel } from '../config/config-schema.js';

const REDACT_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'auth_token',
  '*.auth_token',
  'req.headers.authorization',
  'req.headers["x-auth-token"]',
  'req.headers.cookie',
];

/** The paths pino censors: the known ones, and each driver secret in a cloud's `options`, logged alone or inside the cloud. */
export function redactPaths(secretOptions: readonly string[]): string[] {
  return [...REDACT_PATHS, ...secretOptions.flatMap((key) => [`options.${key}`, `*.options.${key}`])];
}

export interface LoggerOptions {
  /** Every driver's secret option keys (`secretOptionsOf(registry)`). */
  secretOptions: readonly string[];
  /** stdout when absent. */
  destination?: NodeJS.WritableStream;
  format?: LogFormat;
}

export type AppLogger = Pino;

export function createLogger(level: LogLevel, { secretOptions, destination, format = 'json' }: LoggerOptions): AppLogger {
  const usePretty = format === 'pretty' || (format === 'auto' && !destination && process.stdout.isTTY === true);
  // pino-pretty is loaded only for text logs: JSON, the deployed format, never needs it.
  const stream = usePretty
    ? (createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty'))({ destination: (destination as NodeJS.WritableStream | undefined) ?? 1, colorize: !destination && process.stdout.isTTY === true, sync: true, translateTime: 'SYS:standard' })
    : destination;
  return pino(
    {
      level,
      base: { service: 'cloud-dispatcher' },
      redact: { paths: redactPaths(secretOptions), censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream as pino.DestinationStream | undefined,
  );
}

/**
 * Node's warnings (deprecations, the AWS SDK's "Node version no longer supported" notice) go
 * through the logger: written to stderr as plain text they break the JSON log stream.
 */
export function routeProcessWarnings(logger: AppLogger): void {
  process.removeAllListeners('warning'); // Node's own listener prints them to stderr
  process.on('warning', (warning: Error & { code?: string }) => {
    logger.warn({ err: warning, code: warning.code }, `process warning: ${warning.message.split('\n')[0]}`);
  });
}
