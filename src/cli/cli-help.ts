// Help texts, built from the command table.
import type { Command, OptionSpec } from './cli-command.js';
import { groupBy } from '../domain/group-by.js';

const EXIT_CODES = `exit codes:
  0 ok · 1 other error · 2 usage · 3 auth (401/403: run "dispatcher login") · 4 not found
  5 conflict (409/422) · 6 server (5xx) · 7 network (refused, DNS, TLS, not JSON)
  8 operation failed (--wait) · 130 interrupted while waiting (the operation goes on)`;

const ENVIRONMENT = `environment (wins over the profile; each also as <VAR>_FILE):
  DISPATCHER_URL, DISPATCHER_TOKEN, DISPATCHER_PROFILE, XDG_CONFIG_HOME`;

function optionLines(options: Record<string, OptionSpec>): string[] {
  const left = Object.entries(options).map(([name, o]) => `${o.short ? `-${o.short}, ` : '    '}--${name}${o.value ? ` ${o.value}` : ''}`);
  const width = Math.max(0, ...left.map((l) => l.length));
  return Object.values(options).map((o, i) => `  ${left[i].padEnd(width)}  ${o.description}${o.multiple ? ' (repeatable)' : ''}`);
}

function commandLines(commands: Command[], width = 38): string[] {
  const left = commands.map((c) => `${c.name}${c.args ? ` ${c.args}` : ''}`);
  return commands.map((c, i) => (left[i].length > width ? `  ${left[i]}\n  ${''.padEnd(width)}  ${c.summary}` : `  ${left[i].padEnd(width)}  ${c.summary}`));
}

export function mainHelp(commands: Command[], globals: Record<string, OptionSpec>): string {
  const groups = groupBy(commands, (command) => command.name.split(' ')[0]);
  // Single-command groups (login, logout, images list …) sit together; bigger groups get a blank line around.
  const sections: string[] = [];
  let singles: Command[] = [];
  for (const list of groups.values()) {
    if (list.length === 1) singles.push(...list);
    else {
      if (singles.length) sections.push(commandLines(singles).join('\n'));
      singles = [];
      sections.push(commandLines(list).join('\n'));
    }
  }
  if (singles.length) sections.push(commandLines(singles).join('\n'));
  return [
    'usage: dispatcher <command> [arguments] [options]',
    '',
    'The command-line client of cloud-dispatcher (API v2 and the operator API).',
    '',
    'getting started:',
    '  dispatcher serve                      start the server (as npm start does)',
    '  dispatcher login admin                log in (password prompted; the token goes to the profile)',
    '  dispatcher vms create worker-1 --image ubuntu-24.04 --size m1.small --wait',
    '  dispatcher status',
    '',
    'commands:',
    sections.join('\n\n'),
    '',
    commandLines([
      { name: 'completion bash|zsh', summary: 'print a completion script', run: async () => undefined },
      { name: 'help [command]', summary: 'help for a command (or: dispatcher <command> --help)', run: async () => undefined },
      { name: 'version', summary: 'the version (or --version)', run: async () => undefined },
      { name: 'serve', summary: 'start the server (npm start does the same)', run: async () => undefined },
    ]).join('\n'),
    '',
    'global options:',
    ...optionLines(globals),
    '',
    ENVIRONMENT,
    '',
    EXIT_CODES,
    '',
    'docs/cli.md has the whole reference.',
  ].join('\n');
}

export function groupHelp(group: string, commands: Command[]): string {
  const list = commands.filter((c) => c.name === group || c.name.startsWith(`${group} `));
  return [`usage: dispatcher ${group} <command> [arguments] [options]`, '', 'commands:', ...commandLines(list), '', `dispatcher ${group} <command> --help for more`].join('\n');
}

export function commandHelp(command: Command, globals: Record<string, OptionSpec>): string {
  return [
    `usage: dispatcher ${command.name}${command.args ? ` ${command.args}` : ''} [options]`,
    '',
    command.summary,
    ...(command.details ? ['', command.details] : []),
    ...(command.options && Object.keys(command.options).length ? ['', 'options:', ...optionLines(command.options)] : []),
    '',
    'global options:',
    ...optionLines(globals),
    '',
    EXIT_CODES,
  ].join('\n');
}
