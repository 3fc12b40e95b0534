// The assignment tracker port: which VM of which cloud is free, assigned to whom, or faulty.
// Two implementations keep the same contract (test/contract/tracker-contract.ts): the built-in
// tracker over our store, and the Cistern HTTP client. Records have Cistern's shape on purpose:
// v1 `/vm/status` passes them through unchanged.

export const TRACKER_STATUS = {
  FREE: 1,
  ASSIGNED: 2,
  FAULTY: 3,
  /** Un-assigned by a release, waiting for the cloud to delete it: never assignable again. */
  RELEASED: 4,
} as const;
export type TrackerStatusDesc = keyof typeof TRACKER_STATUS;

export interface TrackerRecord {
  /** The tracker's own integer id. */
  id: number;
  /** The cloud's VM id. */
  id_vm: string;
  hostname: string;
  cloud: string;
  /** Empty when free. */
  user: string;
  status: number;
  status_desc: string;
  recipe: string;
  recipe_id: number;
}

/** What assign and release answer (Cistern's own answer shape). */
export interface TrackerResult {
  id_vm: string;
  id: number;
  result: string;
}

export interface AssignRequest {
  hostname: string;
  user: string;
  vmType: string;
}

/** A VM as v1 names it: `node` (the cloud's id) or `hostname`. */
export interface NodeRef {
  idVm?: string;
  hostname?: string;
}

/** findNode over a listing, for trackers that cannot look one record up. */
export function findInRecords(records: TrackerRecord[], ref: NodeRef): TrackerRecord | undefined {
  return ref.idVm !== undefined ? records.find((r) => r.id_vm === ref.idVm) : records.find((r) => r.hostname === ref.hostname);
}

export interface TrackerHealth {
  kind: 'builtin' | 'cistern';
  ok: boolean;
  detail: string;
}

export interface Tracker {
  readonly kind: 'builtin' | 'cistern';
  /** The cloud's records; faulty ones only when asked. `cloud` is always the canonical name. */
  listNodes(cloud: string, withFaulty: boolean): Promise<TrackerRecord[]>;
  /**
   * One record of the cloud (any status), by the cloud's VM id or else by hostname (the oldest
   * record when several share it), as `listNodes(cloud, true)` then find would answer. The built-in
   * tracker reads it through an index, so naming a VM costs the same among ten or ten thousand.
   */
  findNode(cloud: string, ref: NodeRef): Promise<TrackerRecord | undefined>;
  /** Flips a FREE record to ASSIGNED atomically: of two concurrent assigns exactly one wins, the other gets a 409 conflict. */
  assign(cloud: string, request: AssignRequest): Promise<TrackerResult>;
  /** Un-assigns the VM; the caller destroys it on the cloud afterwards. */
  release(cloud: string, hostname: string): Promise<TrackerResult>;
  /** Records a VM the dispatcher started as FREE (Cistern learns of VMs by itself: a no-op there). */
  register(cloud: string, vm: { id_vm: string; hostname: string; recipe?: string }): Promise<void>;
  /** Drops the record of a VM that no longer exists (no-op for Cistern). */
  forget(cloud: string, idVm: string): Promise<void>;
  health(): Promise<TrackerHealth>;
  close(): Promise<void>;
}
