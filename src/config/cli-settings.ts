// The CLI's view of the environment: where the dispatcher is, the token, the profile to use and
// where profiles live. It imports nothing heavy: `dispatcher` starts without the server's code.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { envValue, type Env } from './env-value.js';

export interface CliEnvironment {
  url?: string;
  token?: string;
  profile?: string;
  /** $XDG_CONFIG_HOME/cloud-dispatcher (default ~/.config/cloud-dispatcher). */
  configDir: string;
}

export function cliEnvironment(env: Env = process.env): CliEnvironment {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return {
    url: envValue(env, 'DISPATCHER_URL'),
    token: envValue(env, 'DISPATCHER_TOKEN'),
    profile: envValue(env, 'DISPATCHER_PROFILE'),
    configDir: join(base, 'cloud-dispatcher'),
  };
}
