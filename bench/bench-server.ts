// A dispatcher under test, in a child process of the benchmark: composed from a raw config as
// main.ts would, listening on an ephemeral port of 127.0.0.1, answering the parent's commands.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { composeDispatcher } from '../src/compose.js';
import { buildConfig } from '../src/config/config-loader.js';
import { secretOptionsOf } from '../src/drivers/driver-plugin.js';
import { DRIVERS } from '../src/drivers/driver-registry.js';
import type { FakeDriver } from '../src/drivers/fake/fake-driver.js';
import { createLogger } from '../src/log/log-factory.js';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { answerCommands, cpuMicros, measuredMemory, type DispatcherChildSpec, type DispatcherCommands, type ReadyMessage, type StartedVm } from './bench-ipc.js';

type Handler<K extends keyof DispatcherCommands> = (args: DispatcherCommands[K]['args']) => Promise<DispatcherCommands[K]['value']>;

const ADMIN = { username: 'bench', password: 'bench-password-not-a-secret' };

const spec = JSON.parse(process.argv[2] ?? '{}') as DispatcherChildSpec;
const config = buildConfig(
  {
    ...spec.config,
    server: { host: '127.0.0.1', port: 0 },
    database: { url: spec.databaseUrl },
    auth: { adminUser: ADMIN.username, adminPassword: ADMIN.password },
  },
  DRIVERS,
  {},
);
// The product's own logger at the configured level (info by default, as deployed): its cost is
// part of what is measured. The parent sends stdout to /dev/null.
const logger = createLogger(config.log.level, { secretOptions: secretOptionsOf(DRIVERS) });
const dispatcher = await composeDispatcher(config, logger, { drivers: DRIVERS, ...(spec.schema ? { schema: spec.schema } : {}) });
const { services } = dispatcher;
const server: Server = await new Promise((resolve) => {
  const s = dispatcher.app.listen(0, '127.0.0.1', () => resolve(s));
});
const { token } = await services.auth.login(ADMIN.username, ADMIN.password);

const calls: Handler<'calls'> = async () => {
  const out: Record<string, Record<string, number>> = {};
  for (const cloud of services.pool.list()) {
    if (cloud.provider === 'fake') out[cloud.name] = { ...(cloud.driver as FakeDriver).calls };
  }
  // Not a cloud: the store's statements, summed like a call (per start, per pair). Absent in builds before it was counted.
  const counters = (services.store as { counters?: { statements: number; driverMs?: number; batchCommits?: number } }).counters;
  if (counters) {
    out['(store)'] = {
      storeStatements: counters.statements,
      ...(counters.driverMs === undefined ? {} : { storeDriverMicros: Math.round(counters.driverMs * 1000) }),
      ...(counters.batchCommits === undefined ? {} : { storeBatchCommits: counters.batchCommits }),
    };
  }
  return out;
};

const start: Handler<'start'> = async ({ cloud: name, count, prefix, concurrency }) => {
  const cloud = services.pool.resolve(name);
  const started: StartedVm[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const vm = await services.vms.start(cloud, { name: `${prefix}-${i}`, image: 'ubuntu-24.04', size: 'small' });
      started[i] = { id: vm.id, name: vm.name };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  return started;
};

const operations: Handler<'operations'> = async ({ kind, limit }) =>
  (await services.operations.list({ kind, limit })).map((op) => ({
    id: op.id,
    kind: op.kind,
    state: op.state,
    target: op.target,
    steps: op.steps.map((s) => ({ step: s.step, at: s.at, ...(s.detail ? { detail: s.detail } : {}) })),
  }));

const statementCost: Handler<'statementCost'> = async ({ count, inFlight }) => {
  let next = 0;
  const worker = async () => {
    while (next++ < count) await sql`select 1`.execute(services.store.db);
  };
  const before = cpuMicros();
  await Promise.all(Array.from({ length: Math.max(1, inFlight) }, worker));
  return (cpuMicros() - before) / count;
};

const loop: Handler<'loop'> = async () => {
  const { active, idle } = performance.eventLoopUtilization();
  return { active, idle };
};

answerCommands({ calls, start, operations, statementCost, memory: async () => measuredMemory(), cpu: async () => cpuMicros(), loop }, async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await dispatcher.close();
});
process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port, token } satisfies ReadyMessage);
