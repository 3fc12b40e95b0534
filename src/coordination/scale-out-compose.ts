// This process's part in a group of instances over one database: its registration and lease,
// the coordinator choosing the instance that runs each singleton worker, the shared admission
// store, and what status shows of the group. On SQLite (one process) the same parts exist, with
// the local coordinator: every worker runs here and settings changes are only this process's.
import type { Config } from '../config/config-schema.js';
import type { Logger } from '../log/logger.js';
import { AdmissionStore } from '../store/admission-store.js';
import { InstanceStore } from '../store/instance-store.js';
import type { Store } from '../store/store-open.js';
import { VERSION } from '../domain/version.js';
import { InstanceRegistry } from './instance-registry.js';
import { LOCAL_COORDINATOR, PgCoordinator, type Coordinator } from './pg-coordinator.js';

export interface InstanceView {
  id: string;
  host: string;
  pid: number;
  version: string;
  startedAt: string;
  lastHeartbeatAt: string;
  leaseUntil: string;
}

export interface ScaleOut {
  readonly instanceId: string;
  readonly registry: InstanceRegistry;
  readonly coordinator: Coordinator;
  /** Set on PostgreSQL: limits are then checked in the database, across instances. */
  readonly admission?: { store: AdmissionStore; instanceId: string };
  /** Whether this instance runs `worker` this round (it holds, or just took, its lock). */
  holds(worker: string): Promise<boolean>;
  /** Reservations of instances whose lease ended, freed (the recovery holder runs it each pass). */
  sweepDead(): Promise<void>;
  /** Every live instance and the holder of each worker, for /api/v2/status. */
  view(): Promise<{ instanceId: string; instances: InstanceView[]; workers: { worker: string; instanceId: string; since: string }[] }>;
  close(): Promise<void>;
}

export async function openScaleOut(config: Config, store: Store, instanceId: string, logger: Logger, schema?: string): Promise<ScaleOut> {
  const instances = new InstanceStore(store.db);
  const registry = new InstanceRegistry(instanceId, { store: instances, timing: config.scaleOut, version: VERSION, logger });
  await registry.register();
  const shared = store.dialect === 'postgres';
  let coordinator: Coordinator = LOCAL_COORDINATOR;
  if (shared) {
    const pg = new PgCoordinator({ connectionString: config.database.url, ...(schema ? { options: `-c search_path=${schema}` } : {}) }, logger, (worker) =>
      instances.holderTook(worker, instanceId),
    );
    await pg.start();
    coordinator = pg;
  } else {
    for (const worker of ['reconciler', 'startup-poller', 'recovery']) await instances.holderTook(worker, instanceId);
  }
  const admissionStore = shared ? new AdmissionStore(store.db) : undefined;
  return {
    instanceId,
    registry,
    coordinator,
    admission: admissionStore ? { store: admissionStore, instanceId } : undefined,
    holds: (worker) => coordinator.hold(worker),
    async sweepDead() {
      const freed = await admissionStore?.purgeOf(new Date());
      if (freed) logger.warn({ freed }, 'admission reservations of stopped instances freed');
    },
    async view() {
      const [live, holders] = await Promise.all([registry.live(), instances.holders()]);
      const liveIds = new Set(live.map((i) => i.id));
      return {
        instanceId,
        instances: live.map((i) => ({
          id: i.id,
          host: i.host,
          pid: Number(i.pid),
          version: i.version,
          startedAt: i.started_at,
          lastHeartbeatAt: i.heartbeat_at,
          leaseUntil: i.lease_until,
        })),
        // A holder whose lease ended no longer holds anything: its session (and lock) is gone.
        workers: holders.filter((h) => liveIds.has(h.instance_id)).map((h) => ({ worker: h.worker, instanceId: h.instance_id, since: h.since })),
      };
    },
    async close() {
      await coordinator.close();
      await registry.stop();
    },
  };
}
