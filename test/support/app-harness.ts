// Starts the whole dispatcher (real store on a temp SQLite file, real HTTP on an ephemeral
// port of 127.0.0.1) with the configuration a test gives, and hands back a logged-in client.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig, readConfigFile } from '../../src/config/config-loader.js';
import type { Config } from '../../src/config/config-schema.js';
import { composeDispatcher, type Dispatcher } from '../../src/compose.js';
import { createHttpServer } from '../../src/http-server.js';
import { createLogger } from '../../src/log/log-factory.js';
import { secretOptionsOf } from '../../src/drivers/driver-plugin.js';
import { DRIVERS } from '../../src/drivers/driver-registry.js';
import type { FakeDriver } from '../../src/drivers/fake/fake-driver.js';

export const ADMIN = { username: 'admin', password: 'admin-password-for-tests' };

export interface TestAppOptions {
  /** Raw cloud entries (as in a config file); default: two fast fake clouds `default` and `fake-east` (alias `east`). */
  clouds?: Record<string, unknown>[];
  /** Any other raw config keys (merged over the harness defaults). */
  config?: Record<string, unknown>;
  /** Reuse a database (restart tests): a `sqlite:` URL made by an earlier startTestApp, or a PostgreSQL URL with `schema`. */
  databaseUrl?: string;
  /** The PostgreSQL schema of `databaseUrl` (test/support/store-backends.ts makes one per test). */
  schema?: string;
  /** Log lines land here when set (tests that check what is logged). */
  logSink?: NodeJS.WritableStream;
  /** A YAML/JSON config file whose keys go over the others (database and auth stay the harness's); POST /api/v2/admin/reload re-reads it. */
  configFile?: string;
}

export interface TestApp {
  baseUrl: string;
  token: string;
  config: Config;
  dispatcher: Dispatcher;
  databaseUrl: string;
  /** fetch() against the app with the admin token; JSON in and out. */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  /** The fake driver behind a cloud (to count its calls or act behind the dispatcher's back). */
  fake(cloud?: string): FakeDriver;
  close(): Promise<void>;
}

export const FAST_FAKE = { latencyMs: 0, bootDelayMs: 30, stopDelayMs: 20, destroyDelayMs: 30 };

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = options.databaseUrl ? undefined : mkdtempSync(join(tmpdir(), 'dispatcher-app-'));
  const databaseUrl = options.databaseUrl ?? `sqlite:${join(dir as string, 'dispatcher.sqlite')}`;
  const raw: Record<string, unknown> = {
    server: { host: '127.0.0.1', port: 0 },
    log: { level: options.logSink ? 'debug' : 'silent' },
    tracker: { pollIntervalMs: 10, releaseTimeoutMs: 5_000 },
    clouds: options.clouds ?? [
      { name: 'default', driver: 'fake', default: true, options: { ...FAST_FAKE } },
      { name: 'fake-east', driver: 'fake', aliases: ['east'], options: { ...FAST_FAKE, seed: 2 } },
    ],
    ...options.config,
    database: { url: databaseUrl },
    auth: { adminUser: ADMIN.username, adminPassword: ADMIN.password, ...(options.config?.auth as object) },
  };
  // What main does with the loader: build from the file, and hand the same recipe to reload.
  const build = () => buildConfig({ ...raw, ...(options.configFile ? readConfigFile(options.configFile) : {}), database: raw.database, auth: raw.auth }, DRIVERS, {});
  const config = build();
  const logger = createLogger(config.log.level, { destination: options.logSink, secretOptions: secretOptionsOf(DRIVERS) });
  const dispatcher = await composeDispatcher(config, logger, { drivers: DRIVERS, configSource: build, ...(options.schema ? { schema: options.schema } : {}) });
  const server: Server = createHttpServer(dispatcher.app, config.server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const request: TestApp['request'] = async (method, path, body, headers = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), authorization: `Bearer ${app.token}`, ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: the raw text is the body
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };

  const app: TestApp = {
    baseUrl,
    token: '',
    config,
    dispatcher,
    databaseUrl,
    request,
    fake: (cloud) => dispatcher.services.pool.resolve(cloud).driver as FakeDriver,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dispatcher.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  const login = await request('POST', '/api/v1/auth', ADMIN, { authorization: '' });
  if (login.status !== 200) throw new Error(`harness login failed: ${login.status} ${JSON.stringify(login.body)}`);
  app.token = login.body.token;
  return app;
}
