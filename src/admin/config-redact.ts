// The effective configuration as status shows it: every secret replaced. Driver secrets are the
// keys each DriverFactory lists in secretOptions; the rest are known paths, plus any key whose
// name says it is a secret, in case a driver forgot to list one.
import type { Config } from '../config/config-schema.js';

export const REDACTED = '[redacted]';
const SECRET_NAME = /(password|secret|token|credential|privatekey)/i;

/** `secretOptions`: the option keys a cloud's driver declares secret (the pool knows them). */
export function redactConfig(config: Config, secretOptions: (driver: string) => readonly string[]): Record<string, unknown> {
  const copy = structuredClone(config) as unknown as Record<string, unknown> & Config;
  if (copy.auth.adminPassword !== undefined) copy.auth.adminPassword = REDACTED;
  if (copy.cistern?.token !== undefined) copy.cistern.token = REDACTED;
  if (copy.metrics?.token !== undefined) copy.metrics.token = REDACTED;
  copy.database.url = redactUrl(copy.database.url);
  if (copy.cistern) copy.cistern.url = redactUrl(copy.cistern.url);
  for (const cloud of copy.clouds) {
    const secrets = new Set(secretOptions(cloud.driver));
    cloud.options = redactObject(cloud.options, secrets) as Record<string, unknown>;
  }
  return copy;
}

/** `postgres://user:pw@host/db` → `postgres://user:[redacted]@host/db`; other URLs unchanged. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = REDACTED;
    return parsed.toString().replace(encodeURIComponent(REDACTED), REDACTED);
  } catch {
    return url; // sqlite:./path is not a URL with credentials
  }
}

function redactObject(value: unknown, secrets: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((item) => redactObject(item, secrets));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = secrets.has(key) || (SECRET_NAME.test(key) && typeof child === 'string') ? REDACTED : redactObject(child, secrets);
  }
  return out;
}
