// `dispatcher <command>`: the operators' client of API v2 and the operator API. It imports no
// server code (no drivers, no store), so it starts in the time node itself takes.
import { parseArgs } from 'node:util';
import { cliEnvironment } from '../config/cli-settings.js';
import { adminCommands } from './cli-admin-commands.js';
import type { CliContext, Command, OptionSpec, Values } from './cli-command.js';
import { requiredArgs } from './cli-command.js';
import { clusterCommands } from './cli-cluster-commands.js';
import { completionScript } from './cli-completion.js';
import { CliError, EXIT, usageError } from './cli-errors.js';
import { commandHelp, groupHelp, mainHelp } from './cli-help.js';
import { ApiClient } from './cli-http.js';
import { parseFormat, render } from './cli-output.js';
import { DEFAULT_PROFILE, ProfileStore } from './cli-profile.js';
import { resourceCommands } from './cli-resource-commands.js';
import { sessionCommands } from './cli-session-commands.js';
import { statusCommands } from './cli-status-commands.js';
import { requireSuccess, waitForOperation } from './cli-wait.js';

export const DEFAULT_URL = 'http://127.0.0.1:5070';

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: { type: 'string', value: 'URL', description: `the dispatcher (default: DISPATCHER_URL, the profile's, ${DEFAULT_URL})` },
  token: { type: 'string', value: 'TOKEN', description: "API token (default: DISPATCHER_TOKEN, the profile's)" },
  profile: { type: 'string', value: 'NAME', description: `profile to use (default: DISPATCHER_PROFILE, "${DEFAULT_PROFILE}")` },
  output: { type: 'string', short: 'o', value: 'FORMAT', description: 'json, yaml, table or wide (default: table on a terminal, json otherwise)' },
  help: { type: 'boolean', short: 'h', description: 'help for the command' },
  version: { type: 'boolean', short: 'V', description: 'print the version' },
};

export const COMMANDS: Command[] = [...sessionCommands, ...resourceCommands, ...clusterCommands, ...statusCommands, ...adminCommands];

export interface CliIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: Record<string, string | undefined>;
  version: string;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr.write(`dispatcher: ${err.message}\n${err.hint ? `  hint: ${err.hint}\n` : ''}`);
      return err.exitCode;
    }
    io.stderr.write(`dispatcher: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.error;
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const print = (text: string) => io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  const loose = parseArgs({ args: argv, options: toParseOptions(allOptions()), strict: false, allowPositionals: true });
  const words = loose.positionals;
  if (words[0] === 'help') return help(words.slice(1), print);
  if (words[0] === 'version' || (words.length === 0 && loose.values.version)) {
    print(io.version);
    return EXIT.ok;
  }
  if (words.length === 0) {
    print(mainHelp(COMMANDS, GLOBAL_OPTIONS));
    return EXIT.ok;
  }
  if (words[0] === 'completion') {
    const script = completionScript(words[1] ?? '', COMMANDS, GLOBAL_OPTIONS);
    if (!script) throw usageError('completion needs a shell: bash or zsh', 'eval "$(dispatcher completion bash)"');
    print(script);
    return EXIT.ok;
  }
  const command = findCommand(words);
  if (!command) {
    if (COMMANDS.some((c) => c.name.startsWith(`${words.join(' ')} `))) {
      print(groupHelp(words.join(' '), COMMANDS));
      return EXIT.ok;
    }
    throw usageError(`unknown command "${words.join(' ')}"`, 'dispatcher help lists the commands');
  }
  const options = { ...GLOBAL_OPTIONS, ...command.options };
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: toParseOptions(options), strict: true, allowPositionals: true }) as typeof parsed;
  } catch (err) {
    throw usageError(`${command.name}: ${(err as Error).message.split('\n')[0]}`, `dispatcher ${command.name} --help`);
  }
  const { values } = parsed;
  if (values.help) {
    print(commandHelp(command, GLOBAL_OPTIONS));
    return EXIT.ok;
  }
  const args = parsed.positionals.slice(command.name.split(' ').length);
  const most = (command.args?.match(/[<[][^>\]]+[>\]]/g) ?? []).length;
  if (args.length < requiredArgs(command) || args.length > most) {
    throw usageError(`${command.name} takes ${command.args ?? 'no arguments'}; got ${args.length ? args.join(' ') : 'none'}`, `dispatcher ${command.name} --help`);
  }
  const format = parseFormat(values.output as string | undefined, io.stdout.isTTY === true);
  const ctx = context(io, values);
  const shown = await command.run(ctx, args, values);
  if (shown) print(await render(shown, format));
  return EXIT.ok;
}

function context(io: CliIo, values: Values): CliContext {
  const env = cliEnvironment(io.env);
  const profiles = new ProfileStore(env.configDir);
  const profileName = (values.profile as string | undefined) ?? env.profile ?? DEFAULT_PROFILE;
  const profile = profiles.get(profileName);
  const url = (values.url as string | undefined) ?? env.url ?? profile?.url ?? DEFAULT_URL;
  // The profile's token only goes to the dispatcher it came from.
  const token = (values.token as string | undefined) ?? env.token ?? (profile?.url === url ? profile.token : undefined);
  try {
    new URL(url);
  } catch {
    throw usageError(`--url ${url}: not a URL`, `e.g. ${DEFAULT_URL}`);
  }
  const client = new ApiClient(url, token);
  let defaultCloud: Promise<string> | undefined;
  return {
    client,
    url,
    profiles,
    profileName,
    stdin: io.stdin,
    stdout: io.stdout,
    stderr: io.stderr,
    cloud: (v) => {
      if (typeof v.cloud === 'string') return Promise.resolve(v.cloud);
      defaultCloud ??= client.request('GET', 'api/v2/clouds').then(({ body }) => {
        const found = (body.items as Array<{ name: string; default: boolean }>).find((c) => c.default);
        if (!found) throw new CliError('the dispatcher names no default cloud: give --cloud', EXIT.usage);
        return found.name;
      });
      return defaultCloud;
    },
    follow: async (op) => requireSuccess(await waitForOperation(client, op, { stderr: io.stderr, tty: io.stderr.isTTY === true })),
  };
}

function help(words: string[], print: (text: string) => void): number {
  if (words.length === 0) {
    print(mainHelp(COMMANDS, GLOBAL_OPTIONS));
    return EXIT.ok;
  }
  const command = findCommand(words);
  if (command && command.name === words.join(' ')) print(commandHelp(command, GLOBAL_OPTIONS));
  else if (COMMANDS.some((c) => c.name.startsWith(`${words.join(' ')} `))) print(groupHelp(words.join(' '), COMMANDS));
  else throw usageError(`no command "${words.join(' ')}"`, 'dispatcher help lists the commands');
  return EXIT.ok;
}

/** The command whose words start the positionals, the longest such. */
function findCommand(words: string[]): Command | undefined {
  let best: Command | undefined;
  for (const command of COMMANDS) {
    const parts = command.name.split(' ');
    if (parts.length <= words.length && parts.every((p, i) => words[i] === p) && (!best || parts.length > best.name.split(' ').length)) best = command;
  }
  return best;
}

function allOptions(): Record<string, OptionSpec> {
  const all: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS };
  for (const command of COMMANDS) for (const [name, spec] of Object.entries(command.options ?? {})) all[name] ??= spec;
  return all;
}

type ParseOptions = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

function toParseOptions(options: Record<string, OptionSpec>): ParseOptions {
  return Object.fromEntries(
    Object.entries(options).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]),
  );
}
