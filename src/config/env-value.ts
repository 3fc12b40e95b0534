// One environment variable, or the content of the file its `<VAR>_FILE` names (secrets mounted as
// files). Kept apart from the loader so the CLI reads its settings without the driver registry.
import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.js';

export type Env = Record<string, string | undefined>;

export function envValue(env: Env, variable: string): string | undefined {
  const file = env[`${variable}_FILE`];
  if (file) {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`${variable}_FILE`, `cannot read ${file}: ${(err as Error).message}`);
    }
  }
  const value = env[variable];
  return value === undefined || value === '' ? undefined : value;
}
