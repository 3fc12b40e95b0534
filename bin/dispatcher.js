#!/usr/bin/env node
// `dispatcher` (no arguments or `serve`): start the server; other commands go to the CLI.
const [command] = process.argv.slice(2);
if (!command || command === 'serve') {
  await import('../dist/main.js');
} else {
  const { runCli } = await import('../dist/cli/cli-main.js');
  process.exitCode = await runCli(process.argv.slice(2));
}
