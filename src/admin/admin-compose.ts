// Wiring of the admin side, in two steps because the services depend on each other both ways:
// the admission guard and the lifecycle observer go into VmService/AssignmentService; the admin
// services are then built on those services. The background workers start only when asked
// (main.ts does; tests trigger passes themselves or start the workers explicitly).
import type { Tracker } from '../cistern/tracker.js';
import type { Config } from '../config/config-schema.js';
import type { AppLogger } from '../log/log-factory.js';
import type { CloudPool } from '../pool/cloud-pool.js';
import type { AuthService } from '../services/auth-service.js';
import type { CatalogCache } from '../services/catalog-cache.js';
import type { VmService } from '../services/vm-service.js';
import { AdminStore } from '../store/admin-store.js';
import { AuditStore } from '../store/audit-store.js';
import { FindingStore } from '../store/finding-store.js';
import { RetentionStore } from '../store/retention-store.js';
import type { OperationStore } from '../store/operation-store.js';
import type { AdmissionStore } from '../store/admission-store.js';
import type { Store } from '../store/store-open.js';
import type { UserStore } from '../store/user-store.js';
import { VmRecordStore } from '../store/vm-record-store.js';
import { AdmissionGuard } from './admission-guard.js';
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
import { RecordingLifecycle } from './vm-lifecycle.js';
import { VmMetrics } from './vm-metrics.js';

export interface AdmissionParts {
  store: AdminStore;
  records: VmRecordStore;
  findings: FindingStore;
  guard: AdmissionGuard;
  lifecycle: RecordingLifecycle;
}

export function createAdmission(deps: {
  store: Store;
  pool: CloudPool;
  tracker: Tracker;
  state: { draining: boolean };
  logger: AppLogger;
  shared?: { store: AdmissionStore; instanceId: string };
}): AdmissionParts {
  const store = new AdminStore(deps.store.db);
  const records = new VmRecordStore(deps.store.db);
  const findings = new FindingStore(deps.store.db);
  return {
    store,
    records,
    findings,
    guard: new AdmissionGuard({ pool: deps.pool, tracker: deps.tracker, admin: store, findings, state: deps.state, shared: deps.shared }),
    lifecycle: new RecordingLifecycle({ records, admin: store, logger: deps.logger }),
  };
}

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
  state: { draining: boolean };
  configSource?: ConfigSource;
  /** Whether this instance runs a singleton worker this round (several instances: one holds its lock). */
  holds?: (worker: string) => Promise<boolean>;
}

/** Builds the admin services and applies the operator's persisted settings over the config. */
export async function createAdminServices(parts: AdmissionParts, deps: AdminDeps): Promise<AdminServices> {
  const audit = new AuditService(new AuditStore(deps.store.db), deps.logger);
  const { guard } = parts;
  const clouds = new CloudAdminService({ pool: deps.pool, tracker: deps.tracker, admin: parts.store, records: parts.records, vms: deps.vms, guard, audit });
  const warnings = await clouds.refresh();
  for (const warning of warnings) deps.logger.warn({ warning }, 'an operator setting could not be applied');
  const users = new UserAdminService({ users: deps.users, auth: deps.auth, admin: parts.store, guard, audit });
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
  const findings = new FindingKeeper({ tracker: deps.tracker, findings: parts.findings, records: parts.records, vms: deps.vms, logger: deps.logger });
  const reconciler = new Reconciler({ pool: deps.pool, tracker: deps.tracker, records: parts.records, bootTimeoutMs, findings });
  const heartbeats = new Heartbeats();
  const metrics = new VmMetrics(parts.records);
  const status = new StatusService({ pool: deps.pool, tracker: deps.tracker, admin: parts.store, findings: parts.findings, operations: deps.operations, runtime, reconciler, heartbeats });
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
