// A real server and a CLI home pointed at it, for one describe block of CLI tests: the server
// starts before the block (dist/ built first) and stops after it.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { startTestApp, type TestApp, type TestAppOptions } from './app-harness.js';
import { buildOnce, CliHome, json } from './cli-runner.js';

export interface CliAgainstApp {
  readonly app: TestApp;
  readonly home: CliHome;
  /** Runs a command with `-o json`; asserts exit 0 and answers the parsed output. */
  d(...args: string[]): Promise<{ body: any; stderr: string }>;
}

export function cliAgainstApp(options: TestAppOptions = {}): CliAgainstApp {
  let app: TestApp | undefined;
  let home: CliHome | undefined;
  before(async () => {
    buildOnce();
    app = await startTestApp(options);
    home = new CliHome({ DISPATCHER_URL: app.baseUrl, DISPATCHER_TOKEN: app.token });
  });
  after(async () => {
    await app?.close();
    home?.remove();
  });
  const cli: CliAgainstApp = {
    get app() {
      return app as TestApp;
    },
    get home() {
      return home as CliHome;
    },
    async d(...args: string[]) {
      const run = await cli.home.run([...args, '-o', 'json']);
      assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
      return { body: json(run), stderr: run.stderr };
    },
  };
  return cli;
}
