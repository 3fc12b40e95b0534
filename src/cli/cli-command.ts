// What a CLI command is (name, arguments, options, help, run) and what it runs with.
import type { ApiClient } from './cli-http.js';
import type { Shown } from './cli-output.js';
import type { ProfileStore } from './cli-profile.js';
import type { Operation } from './cli-wait.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's placeholder in help (`--image ID`). */
  value?: string;
  description: string;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface CliContext {
  /** The client with the token (flags > environment > profile). */
  client: ApiClient;
  url: string;
  profiles: ProfileStore;
  profileName: string;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** The cloud named by --cloud, or the dispatcher's default cloud. */
  cloud(values: Values): Promise<string>;
  /** Follows an operation to its end (progress on stderr); throws exit 8 when it failed. */
  follow(op: Operation): Promise<Operation>;
}

export interface Command {
  /** Words that select it: `vms create`. */
  name: string;
  /** Positional arguments for help; `<x>` is required, `[x]` optional. */
  args?: string;
  summary: string;
  /** More help text (examples). */
  details?: string;
  options?: Record<string, OptionSpec>;
  run(ctx: CliContext, args: string[], values: Values): Promise<Shown | undefined>;
}

export function requiredArgs(command: Command): number {
  return (command.args?.match(/<[^>]+>/g) ?? []).length;
}

export const enc = encodeURIComponent;

/** --wait, shared by create, delete and release. */
export const WAIT_OPTION: Record<string, OptionSpec> = {
  wait: { type: 'boolean', short: 'w', description: 'follow the operation to its end (progress on a terminal, plain lines otherwise)' },
};
