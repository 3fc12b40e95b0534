#!/usr/bin/env -S node --max-semi-space-size=4
// The flag is the server's (`serve` runs it in this process), as `npm start` gives it: see
// docs/performance.md, "memory". Harmless to the CLI.
// `dispatcher serve` starts the server; every other command is the CLI, which loads no server code.
const argv = process.argv.slice(2);
if (argv[0] === 'serve') {
  await import('../dist/main.js');
} else {
  const { runCli } = await import('../dist/cli/cli-main.js');
  const { readFileSync } = await import('node:fs');
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, version };
  process.exitCode = await runCli(argv, io);
}
