// bash and zsh completion, generated from the command table: command words, then the options
// of the command typed so far.
import type { Command, OptionSpec } from './cli-command.js';

export function completionScript(shell: string, commands: Command[], globals: Record<string, OptionSpec>): string | undefined {
  const words = new Map<string, Set<string>>(); // typed prefix → next words
  const add = (prefix: string, word: string) => words.set(prefix, (words.get(prefix) ?? new Set()).add(word));
  for (const name of [...commands.map((c) => c.name), 'help', 'version', 'serve', 'completion']) {
    const parts = name.split(' ');
    parts.forEach((part, i) => add(parts.slice(0, i).join(' '), part));
  }
  const flags = (options: Record<string, OptionSpec> = {}) => Object.keys(options).map((o) => `--${o}`);
  const globalFlags = flags(globals);
  const cases: string[] = [];
  // Longest prefixes first: "vms create" must win over "vms".
  for (const command of [...commands].sort((a, b) => b.name.length - a.name.length)) {
    cases.push(`    "${command.name}"*) opts="${[...flags(command.options), ...globalFlags].join(' ')}" ;;`);
  }
  for (const [prefix, next] of words) cases.push(`    "${prefix}") opts="${[...next].join(' ')} ${prefix ? '' : globalFlags.join(' ')}" ;;`);
  const body = `_dispatcher() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" line="" word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && continue
    line="\${line:+$line }$word"
  done
  local opts=""
  case "$line" in
${[...cases.filter((c) => !c.includes('*)')), ...cases.filter((c) => c.includes('*)'))].join('\n')}
    "completion") opts="bash zsh" ;;
  esac
  if [[ "\${COMP_WORDS[COMP_CWORD-1]}" == "-o" || "\${COMP_WORDS[COMP_CWORD-1]}" == "--output" ]]; then opts="json yaml table wide"; fi
  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
}
`;
  if (shell === 'bash') return `# bash completion for dispatcher: eval "$(dispatcher completion bash)"\n${body}complete -F _dispatcher dispatcher\n`;
  if (shell === 'zsh') {
    return `#compdef dispatcher\n# zsh completion for dispatcher: eval "$(dispatcher completion zsh)" (after compinit)\nautoload -U +X bashcompinit && bashcompinit\n${body}complete -F _dispatcher dispatcher\n`;
  }
  return undefined;
}
