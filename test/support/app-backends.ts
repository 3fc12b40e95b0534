// The whole dispatcher (app-harness) on each store backend: its own SQLite file always, a fresh
// PostgreSQL schema when DATABASE_URL is set (dropped after the suite).
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { startTestApp, type TestApp, type TestAppOptions } from './app-harness.js';
import { dropSchema, postgresUrl } from './store-backends.js';

export interface AppBackend {
  label: string;
  /** Options for startTestApp; each call names a new schema. */
  options(): { databaseUrl?: string; schema?: string };
  /** Drops what options() made (after the app closed). */
  drop(options: { schema?: string }): Promise<void>;
}

export function appBackends(): AppBackend[] {
  const backends: AppBackend[] = [{ label: 'sqlite', options: () => ({}), drop: async () => {} }];
  const url = postgresUrl();
  if (url) {
    backends.push({
      label: 'postgres',
      options: () => ({ databaseUrl: url, schema: `t_${randomBytes(6).toString('hex')}` }),
      drop: async ({ schema }) => {
        if (schema) await dropSchema(url, schema);
      },
    });
  }
  return backends;
}

/**
 * Inside a describe: starts a test app on the backend before its tests and stops it (dropping
 * its schema) after them. Answers the app, and the store options a restarted app reuses.
 */
export function appOn(backend: AppBackend, extra: TestAppOptions = {}): { app: () => TestApp; options: { databaseUrl?: string; schema?: string } } {
  const options = backend.options();
  let app: TestApp | undefined;
  before(async () => {
    app = await startTestApp({ ...extra, ...options });
  });
  after(async () => {
    await app?.close();
    await backend.drop(options);
  });
  return {
    app: () => {
      if (!app) throw new Error('the test app is not started yet');
      return app;
    },
    options,
  };
}
