// The tables of migration 0008_scale_out (see scale-out-migration.ts), as Kysely sees them.
export interface InstancesTable {
  id: string;
  host: string;
  pid: number;
  version: string;
  started_at: string;
  heartbeat_at: string;
  /** Until when the instance counts as alive: its heartbeat pushes this forward. */
  lease_until: string;
  /** Set by a clean stop: the lease is then over at once. */
  stopped_at: string | null;
}

export interface ScaleOutTables {
  instances: InstancesTable;
  admission_locks: { scope: string };
  admission_reservations: { id: string; cloud: string; owner: string; created_at: string };
  worker_holders: { worker: string; instance_id: string; since: string };
}
