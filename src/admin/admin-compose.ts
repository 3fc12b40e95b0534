// Wiring of the admin side, in one call once the services exist: the admission guard and the
// lifecycle recorder (admin/'s implementations of ports services/ declares) are built by the
// composition root before the services, and handed in here with the admin's stores. The background
// workers start only when asked (main.ts does; tests trigger passes themselves or start them).
import type { Tracker } from '../cistern/tracker.js';
import type { Config } from '../config/config-schema.js';
import type { AppLogger } from '../log/log-factory.js';
import type { CloudPool } from '../pool/cloud-pool.js';
import type { AuthService } from '../services/auth-service.js';
import type { CatalogCache } from '../services/catalog-cache.js';
import type { VmService } from '../services/vm-service.js';
import type { AdminStore } from '../store/admin-store.js';
import { AuditStore } from '../store/audit-store.js';
import type { FindingStore } from '../store/finding-store.js';
import { RetentionStore } from '../store/retention-store.js';
import type { OperationStore } from '../store/operation-store.js';
import type { Store } from '../store/store-open.js';
import type { UserStore } from '../store/user-store.js';
import type { VmRecordStore } from '../store/vm-record-store.js';
import type { AdmissionGuard } from './admission-guard.js';
import { AuditService } from './audit-service.js';
import { CloudAdminService } from './cloud-admin-service.js';
import { Heartbeats } from './heartbeats.js';
import { IntervalWorker } from './interval-worker.js';
import { FindingKeeper } from './reconcile-findings.js';
import { Reconciler } from './reconciler.js';
import { RetentionWorker } from './retention-worker.js';
import { RuntimeAdminService, type ConfigSource } from './runtime-admin-service.js';
import { StatusService } from './status-service.js';
import { UserAdminService } from './user-admin-service.js';
import { VmMetrics } from './vm-metrics.js';

export interface AdminWorkers {
  /** Starts the reconciler, the startup poll, the settings sync and retention (each skipped when its interval is 0). */
  start(): void;
  stop(): Promise<void>;
}

export interface AdminServices {
  guard: AdmissionGuard;
  audit: AuditService;
  clouds: CloudAdminService;
  users: UserAdminService;
  runtime: RuntimeAdminService;
  reconciler: Reconciler;
  /** Reconcile findings (unknown, stuck-releasing, missing VMs) and operators' actions on them. */
  findings: FindingKeeper;
  /** Purges old finished history (a background worker; tests call purge()). */
  retention: RetentionWorker;
  metrics: VmMetrics;
  status: StatusService;
  heartbeats: Heartbeats;
  workers: AdminWorkers;
}

export interface AdminDeps {
  config: Config;
  logger: AppLogger;
  store: Store;
  pool: CloudPool;
  tracker: Tracker;
  users: UserStore;
  auth: AuthService;
  vms: VmService;
  catalog: CatalogCache;
  operations: OperationStore;
  /** The gate VmService and AssignmentService were given (the operators' actions take its locks). */
  guard: AdmissionGuard;
  /** The admin's tables, shared with the guard and the lifecycle recorder. */
  tables: { admin: AdminStore; records: VmRecordStore; findings: FindingStore };
  state: { draining: boolean };
  configSource?: ConfigSource;
  /** Whether this instance runs a singleton worker this round (several instances: one holds its lock). */
  holds?: (worker: string) => Promise<boolean>;
}

/** Builds the admin services and applies the operator's persisted settings over the config. */
export async function createAdminServices(deps: AdminDeps): Promise<AdminServices> {
  const audit = new AuditService(new AuditStore(deps.store.db), deps.logger);
  const { guard, tables } = deps;
  const clouds = new CloudAdminService({ pool: deps.pool, tracker: deps.tracker, admin: tables.admin, records: tables.records, vms: deps.vms, guard, audit });
  const warnings = await clouds.refresh();
  for (const warning of warnings) deps.logger.warn({ warning }, 'an operator setting could not be applied');
  const users = new UserAdminService({ users: deps.users, auth: deps.auth, admin: tables.admin, guard, audit });
  const runtime = new RuntimeAdminService({
    config: deps.config,
    logger: deps.logger,
    state: deps.state,
    pool: deps.pool,
    catalog: deps.catalog,
    audit,
    refreshSettings: () => clouds.refresh(),
    source: deps.configSource,
  });
  const { intervalMs, startupPollMs, bootTimeoutMs, settingsSyncMs } = deps.config.reconciler;
  const findings = new FindingKeeper({ tracker: deps.tracker, findings: tables.findings, records: tables.records, vms: deps.vms, logger: deps.logger });
  const reconciler = new Reconciler({ pool: deps.pool, tracker: deps.tracker, records: tables.records, bootTimeoutMs, findings });
  const heartbeats = new Heartbeats();
  const metrics = new VmMetrics(tables.records);
  const status = new StatusService({ pool: deps.pool, tracker: deps.tracker, admin: tables.admin, findings: tables.findings, operations: deps.operations, runtime, reconciler, heartbeats });
  const retention = new RetentionWorker({ store: new RetentionStore(deps.store.db), settings: deps.config.retention, logger: deps.logger });
  const workerDeps = { heartbeats, logger: deps.logger };
  const holds = deps.holds ?? (async () => true);
  // One instance at a time runs each of these; the others' rounds skip until its lock is free.
  const single = (worker: string, round: () => Promise<unknown>) => async () => ((await holds(worker)) ? round() : undefined);
  const loops = [
    new IntervalWorker('reconciler', intervalMs, single('reconciler', () => reconciler.pass()), workerDeps),
    new IntervalWorker('startup-poller', startupPollMs, single('startup-poller', () => reconciler.pollStartups()), workerDeps),
    // Other instances over the same database change settings too; this picks their changes up.
    new IntervalWorker('settings-sync', settingsSyncMs, () => clouds.refresh(), workerDeps),
    new IntervalWorker('retention', deps.config.retention.intervalMs, single('retention', () => retention.purge()), workerDeps),
  ];
  const workers: AdminWorkers = {
    start: () => loops.filter((w) => w.intervalMs > 0).forEach((w) => w.start()),
    stop: async () => {
      await Promise.all(loops.map((w) => w.stop()));
    },
  };
  return { guard, audit, clouds, users, runtime, reconciler, findings, retention, metrics, status, heartbeats, workers };
}
