// The composition root's wiring, shared by main.ts and the test harness: config in, a ready
// dispatcher out (store opened and migrated, admin bootstrapped, services built, app created).
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { createApp } from './app.js';
import { createAdminServices, type AdminServices } from './admin/admin-compose.js';
import { AdmissionGuard } from './admin/admission-guard.js';
import { RecordingLifecycle } from './admin/vm-lifecycle.js';
import type { ConfigSource } from './admin/runtime-admin-service.js';
import { BuiltinTracker } from './cistern/builtin-tracker.js';
import { createCisternTracker } from './cistern/cistern-client.js';
import type { Tracker } from './cistern/tracker.js';
import type { Config } from './config/config-schema.js';
import type { DriverRegistry } from './drivers/driver-plugin.js';
import { openScaleOut, type ScaleOut } from './coordination/scale-out-compose.js';
import type { AppLogger } from './log/log-factory.js';
import { CloudPool } from './pool/cloud-pool.js';
import { AssignmentService } from './services/assignment-service.js';
import { AuthService } from './services/auth-service.js';
import { CatalogCache } from './services/catalog-cache.js';
import { createClusterServices, type ClusterServices } from './services/cluster-compose.js';
import { operationRecovery } from './services/operation-recovery.js';
import { OperationService } from './services/operation-service.js';
import { VmService } from './services/vm-service.js';
import { LoginThrottle } from './services/login-throttle.js';
import { firstPasswordPath, reportBootstrap, writeFirstPassword } from './admin/bootstrap-admin.js';
import { AdminStore } from './store/admin-store.js';
import { AuditStore } from './store/audit-store.js';
import { FindingStore } from './store/finding-store.js';
import { OwnershipService } from './services/ownership-service.js';
import { LoginAttemptStore } from './store/login-attempt-store.js';
import { IdempotencyStore } from './store/idempotency-store.js';
import { OperationStore } from './store/operation-store.js';
import { openStore, type Store, type StoreOptions } from './store/store-open.js';
import { UserStore } from './store/user-store.js';
import { VmRecordStore } from './store/vm-record-store.js';

export interface Services {
  store: Store;
  pool: CloudPool;
  tracker: Tracker;
  users: UserStore;
  operations: OperationStore;
  auth: AuthService;
  vms: VmService;
  assignments: AssignmentService;
  /** Who may act on which VM and assignment (routes ask before acting). */
  ownership: OwnershipService;
  catalog: CatalogCache;
  /** Every operation's life (v1 and v2; v2's queued work runs in the background) and crash recovery. */
  operationService: OperationService;
  /** v2's Idempotency-Key reservations and stored answers. */
  idempotency: IdempotencyStore;
  /** Mutable runtime state (drain). */
  state: { draining: boolean };
  /** Operators' admin and status services (src/admin). */
  admin: AdminServices;
  /** Clusters, placement and saved images (API v2). */
  groups: ClusterServices;
  /** This instance among those sharing the database: lease, worker locks, shared limits. */
  scaleOut: ScaleOut;
}

export interface Dispatcher {
  app: Express;
  services: Services;
  /** Set when the bootstrap admin was created with a generated password: the 0600 file holding it (print the path, never the password). */
  firstPasswordFile?: string;
  /** Starts the background workers (reconciler, startup poll, settings sync); main calls it, tests only when they need it. */
  startBackground(): void;
  close(): Promise<void>;
}

export interface ComposeOptions extends StoreOptions {
  /** The drivers a cloud may name (main: DRIVERS, the registry of this build). */
  drivers: DriverRegistry;
  /** What POST /api/v2/admin/reload re-reads (main: the loader's file + environment). */
  configSource?: ConfigSource;
}

export async function composeDispatcher(config: Config, logger: AppLogger, options: ComposeOptions): Promise<Dispatcher> {
  const { configSource, drivers, ...storeOptions } = options;
  const store = await openStore(config.database.url, { initialise: config.database.initialise, preparedStatements: config.database.preparedStatements, ...storeOptions });
  let scaleOut: ScaleOut | undefined;
  try {
    const users = new UserStore(store.db);
    const operations = new OperationStore(store.db);
    // This process's id: the owner of the operations and idempotency keys it writes.
    const instanceId = randomUUID();
    scaleOut = await openScaleOut(config, store, instanceId, logger, storeOptions.schema);
    const { registry } = scaleOut;
    // Checked tokens are kept in memory; every instance drops them when a token or user changes anywhere.
    users.cacheTokens(scaleOut.coordinator, store.dialect === 'postgres');
    // Another instance's operations are left alone while its lease runs. An operation's
    // bookkeeping commits with its next write in one transaction on PostgreSQL, where every
    // commit waits for a WAL flush; on SQLite (WAL, synchronous NORMAL: a commit is no fsync) the
    // writes run one after the other, which cost less CPU than BEGIN and COMMIT through the
    // driver, and a cluster's parallel starts do not queue behind each other's transactions.
    const atomically = store.dialect === 'postgres' ? <T>(work: () => Promise<T>) => store.atomically(work) : undefined;
    const operationService = new OperationService({ operations, instanceId, logger, isLive: (owner) => registry.isLive(owner), atomically });
    const idempotency = new IdempotencyStore(store.db, undefined, instanceId);
    const freeDeadKeys = async () => {
      const live = await registry.liveIds();
      const freed = await idempotency.releasePendingOfDead((owner) => live.has(owner));
      if (freed > 0) logger.warn({ freed }, 'idempotency keys left pending by a stopped process were released');
    };
    await freeDeadKeys();
    // Expired tokens can never authenticate again; without this the table only grows.
    const purged = await users.purgeExpiredTokens();
    if (purged > 0) logger.info({ purged }, 'expired API tokens deleted');
    const throttle = new LoginThrottle(new LoginAttemptStore(store.db), config.auth.rateLimit);
    const auth = new AuthService(users, config.auth.tokenTtlSeconds, { throttle, log: logger });
    const bootstrap = await auth.bootstrapAdmin(config.auth.adminUser, config.auth.adminPassword);
    await reportBootstrap(bootstrap, config.auth.adminUser, { audit: new AuditStore(store.db), logger });
    const firstPasswordFile = bootstrap.generatedPassword ? writeFirstPassword(firstPasswordPath(config.database.url), bootstrap.generatedPassword) : undefined;
    const pool = new CloudPool(config.clouds, logger, drivers);
    const tracker = createTracker(config, store, logger, pool.defaultCloud);
    const catalog = new CatalogCache();
    const state = { draining: false };
    // admin/'s implementations of the ports the services declare (services/service-ports.ts).
    const tables = { admin: new AdminStore(store.db), records: new VmRecordStore(store.db), findings: new FindingStore(store.db) };
    const guard = new AdmissionGuard({ pool, tracker, admin: tables.admin, findings: tables.findings, state, shared: scaleOut.admission });
    const lifecycle = new RecordingLifecycle({ records: tables.records, admin: tables.admin, logger });
    const vms = new VmService({
      pool,
      tracker,
      catalog,
      operations: operationService,
      wait: { pollIntervalMs: config.tracker.pollIntervalMs, timeoutMs: config.tracker.releaseTimeoutMs },
      admission: guard,
      lifecycle,
    });
    const assignments = new AssignmentService({ tracker, vms, operations: operationService, admission: guard });
    const admin = await createAdminServices({ config, logger, store, pool, tracker, users, auth, vms, catalog, operations, guard, tables, state, configSource, holds: scaleOut.holds });
    // Settings changed through any instance reach this one at once (the periodic re-read stays as the fallback).
    scaleOut.coordinator.onSettingsChanged(coalesced(() => admin.clouds.refresh(), logger));
    const groups = createClusterServices({ store, pool, tracker, catalog, vms, operations, operationService, wait: { pollIntervalMs: config.tracker.pollIntervalMs, timeoutMs: config.tracker.releaseTimeoutMs } });
    operationService.recoverWith({ ...operationRecovery({ pool, tracker, vms, assignments, lifecycle }), ...groups.recovery });
    // What the previous process left unfinished is resolved before this one serves: a retry of
    // its Idempotency-Key then finds the outcome rather than racing it.
    await operationService.recover();
    const ownership = new OwnershipService({ records: tables.records, tracker, vms, users });
    const services: Services = {
      store,
      pool,
      tracker,
      users,
      operations,
      auth,
      vms,
      assignments,
      ownership,
      catalog,
      operationService,
      idempotency,
      state,
      admin,
      groups,
      scaleOut,
    };
    const app = createApp({ config, logger, services });
    return {
      app,
      services,
      firstPasswordFile,
      startBackground: () => {
        admin.workers.start();
        // Later passes resolve what a failed lookup left unresolved.
        // Taking dead instances' operations over is one worker; each instance resumes its own.
        const shared = scaleOut as ScaleOut;
        const holdsRecovery = async () => {
          if (!(await shared.holds('recovery'))) return false;
          await freeDeadKeys();
          await shared.sweepDead();
          return true;
        };
        if (config.reconciler.intervalMs > 0) operationService.startRecovery(config.reconciler.intervalMs, holdsRecovery);
      },
      async close() {
        await admin.workers.stop();
        await operationService.drain(); // background v2 work writes to the store
        await Promise.allSettled([pool.close(), tracker.close()]);
        await services.scaleOut.close();
        await store.close();
      },
    };
  } catch (err) {
    await scaleOut?.close();
    await store.close();
    throw err;
  }
}

/** Runs `work` on each call, never twice at once; a call during a run asks for one more run. */
function coalesced(work: () => Promise<unknown>, logger: AppLogger): () => void {
  let running = false;
  let again = false;
  const run = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    again = false;
    void work()
      .catch((err: unknown) => logger.warn({ err }, 'settings re-read failed'))
      .finally(() => {
        running = false;
        if (again) run();
      });
  };
  return run;
}

function createTracker(config: Config, store: Store, logger: AppLogger, probeCloud: string): Tracker {
  return config.cistern ? createCisternTracker({ ...config.cistern, probeCloud }, logger) : new BuiltinTracker(store);
}
