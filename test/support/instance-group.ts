// N real dispatcher processes on one PostgreSQL (scale-out tests and the bench): each group gets
// its own schema (named in DATABASE_URL's `options`, so nothing else needs to know it), its own
// directory with the config, one fake cloud shared through a table of that schema (the fake's
// `shared` option), and every process listens on
// a port of its own choosing (port 0). stop() ends every process it started (by PID) and drops
// the schema.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { waitFor } from './wait-for.js';
import { bearerClient, launchMain } from './main-launch.js';

export const GROUP_PASSWORD = 'scale-out-admin-password';

export interface Instance {
  readonly child: ChildProcess;
  readonly base: string;
  /** Its instance id, from /api/v2/status. */
  readonly id: string;
  /** Everything it wrote on stdout and stderr. */
  output(): string;
  /** An HTTP call with the group's admin token; the body parsed when there is one. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
}

export interface InstanceGroup {
  readonly schema: string;
  readonly instances: Instance[];
  /** Starts one more process on the group's database, config and cloud. */
  launch(): Promise<Instance>;
  /** The VMs the shared fake cloud holds (from its table), those due deleted counted as gone. */
  vmsAtCloud(): Promise<{ id: string; name: string; requestId: string }[]>;
  /** A pg client in the group's schema (checks of what the instances wrote). */
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  stop(): Promise<void>;
}

export interface GroupOptions {
  size: number;
  /** The dispatcher config (clouds get the fake's `shared` option, on the group's schema, added to their options). */
  config: Record<string, unknown> & { clouds: Array<{ options?: Record<string, unknown> } & Record<string, unknown>> };
  /** Command to run instead of `node --import tsx src/main.ts` (the bench runs the built dist). */
  command?: string[];
}

export async function startGroup(databaseUrl: string, options: GroupOptions): Promise<InstanceGroup> {
  const schema = `so_${randomBytes(6).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'dispatcher-group-'));
  const configFile = join(dir, 'config.json');
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const url = `${databaseUrl}${databaseUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const shared = { databaseUrl: url };
  const config = { ...options.config, clouds: options.config.clouds.map((c) => ({ ...c, options: { ...c.options, shared } })) };
  writeFileSync(configFile, JSON.stringify(config));
  const checks = new pg.Client({ connectionString: url });
  await checks.connect();
  const instances: Instance[] = [];
  const children: ChildProcess[] = [];
  let token: string | undefined;

  const launch = async (): Promise<Instance> => {
    const { child, out, err } = launchMain({ DATABASE_URL: url, DISPATCHER_CONFIG: configFile, DISPATCHER_ADMIN_PASSWORD: GROUP_PASSWORD }, options.command);
    children.push(child);
    const listening = await waitFor('listening', () => {
      if (child.exitCode !== null) throw new Error(`instance exited with ${child.exitCode}: ${(out() + err()).slice(-2000)}`);
      return /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out() + err());
    }, 60_000, 50);
    const base = `http://127.0.0.1:${listening[1]}`;
    if (!token) {
      const login = await fetch(`${base}/api/v1/auth`, { method: 'POST', body: JSON.stringify({ username: 'admin', password: GROUP_PASSWORD }), headers: { 'content-type': 'application/json' } });
      token = ((await login.json()) as { token: string }).token;
    }
    const api: Instance['api'] = bearerClient(base, () => token);
    const status = await api('GET', '/api/v2/status');
    const instance: Instance = { child, base, id: status.body.instanceId, output: () => out() + err(), api };
    instances.push(instance);
    return instance;
  };

  const group: InstanceGroup = {
    schema,
    instances,
    launch,
    async vmsAtCloud() {
      const rows = await checks.query<{ id: string; name: string; requestId: string }>(
        `select id, name, request_id as "requestId" from fake_cloud_vms
         where not (transition_to = 'terminated' and transition_at <= $1)`,
        [Date.now()],
      ).catch((err: { code?: string }) => {
        if (err.code === '42P01') return { rows: [] }; // no fake call yet: no table, no VM
        throw err;
      });
      return rows.rows;
    },
    async query(text, values) {
      return (await checks.query(text, values)).rows;
    },
    async stop() {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          await exited;
        }
      }
      await checks.end();
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    // The first one alone: it migrates the schema and creates the admin; the rest then start together.
    await launch();
    await Promise.all(Array.from({ length: options.size - 1 }, () => launch()));
  } catch (err) {
    await group.stop();
    throw err;
  }
  return group;
}
