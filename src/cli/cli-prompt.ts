// Reading the password: a prompt without echo on a terminal, the first line of stdin otherwise
// (`echo "$PW" | dispatcher login alice`), so it never appears in argv or `ps`.
import { CliError, EXIT } from './cli-errors.js';

export async function readSecret(prompt: string, stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Promise<string> {
  if (!stdin.isTTY) return firstLine(stdin);
  return new Promise((resolve, reject) => {
    let value = '';
    // Echo goes off before the prompt shows: what is typed right after it is never displayed.
    stdin.setRawMode(true);
    stderr.write(prompt);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003') return done(new CliError('interrupted', EXIT.interrupted));
        if (char === '\u0004') return done();
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else if (char >= ' ') value += char;
      }
    };
    stdin.on('data', onData);
  });
}

/** Reads a visible answer (the user name) from a terminal. */
export async function readLine(prompt: string, stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: stdin, output: stderr, terminal: true });
  try {
    return (await rl.question(prompt)).trim();
  } finally {
    rl.close();
  }
}

async function firstLine(stdin: NodeJS.ReadStream): Promise<string> {
  let text = '';
  stdin.setEncoding('utf8');
  for await (const chunk of stdin) {
    text += chunk as string;
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0];
}
