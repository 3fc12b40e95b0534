// pino JSON logs. Secrets are redacted by path wherever they could appear: request headers
// and bodies, and cloud options (whose secret keys each driver declares).
import { pino, type Logger as Pino } from 'pino';
import type { LogLevel } from '../config/config-schema.js';

export const REDACT_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'auth_token',
  '*.auth_token',
  'req.headers.authorization',
  'req.headers["x-auth-token"]',
  'req.headers.cookie',
  'options.password',
  'options.secretAccessKey',
  'options.sessionToken',
  'options.applicationCredentialSecret',
];

export type AppLogger = Pino;

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): AppLogger {
  return pino(
    {
      level,
      base: { service: 'cloud-dispatcher' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination as pino.DestinationStream | undefined,
  );
}
