// The assignment tracker port: which VM of which cloud is free, assigned to whom, or faulty.
// Two implementations keep the same contract (test/contract/tracker-contract.ts): the built-in
// tracker over our store, and the Cistern HTTP client. Records have Cistern's shape on purpose:
// v1 `/vm/status` passes them through unchanged. A VM is identified by its id: a hostname is only
// a key to look one up, and one that names several live VMs is refused, never guessed.
import { DispatcherError } from '../domain/errors.js';

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
  /** The cloud's VM id: the one record assign acts on. */
  idVm: string;
  user: string;
  vmType: string;
}

/** A VM as v1 names it: `node` (the cloud's id) or `hostname`; or its record, by the tracker's own id (v2's assignment id). */
export interface NodeRef {
  idVm?: string;
  hostname?: string;
  id?: number;
}

/** findNode over a listing, for trackers that cannot look one record up. */
export function findInRecords(cloud: string, records: TrackerRecord[], ref: NodeRef): TrackerRecord | undefined {
  if (ref.idVm !== undefined) return records.find((r) => r.id_vm === ref.idVm);
  if (ref.id !== undefined) return records.find((r) => r.id === ref.id);
  return ref.hostname === undefined ? undefined : pickByHostname(cloud, ref.hostname, records.filter((r) => r.hostname === ref.hostname));
}

/** Records that can still be used or released: a RELEASED record is on its way out. */
export function isLive(record: { status_desc: string }): boolean {
  return record.status_desc !== 'RELEASED';
}

/**
 * The record a hostname names among the records that carry it: the one live record, or (none
 * live) the newest released one, so a second release still answers "already released". Several
 * live records: 409 AmbiguousHostname with their ids; the caller names one by id.
 */
export function pickByHostname<R extends { id: number; id_vm: string; status_desc: string }>(cloud: string, hostname: string, records: R[]): R | undefined {
  const live = records.filter(isLive);
  if (live.length > 1) throw ambiguousHostname(cloud, hostname, live.map((r) => r.id_vm));
  return live[0] ?? [...records].sort((a, b) => b.id - a.id)[0];
}

export function ambiguousHostname(cloud: string, hostname: string, candidates: string[]): DispatcherError {
  return new DispatcherError(
    'conflict',
    `hostname ${hostname} names ${candidates.length} VMs on cloud ${cloud} (${candidates.join(', ')}): name one by its id`,
    { code: 'AmbiguousHostname', details: { candidates, extensions: { candidates } } },
  );
}

export interface TrackerHealth {
  kind: 'builtin' | 'cistern';
  ok: boolean;
  detail: string;
}

export interface Tracker {
  readonly kind: 'builtin' | 'cistern';
  /**
   * Whether a release leaves the record RELEASED until forget(): the record itself then says a
   * release ran, and recovery reads it there (Cistern frees the record: the release's operation
   * must note the step before the cloud is called).
   */
  readonly keepsReleased: boolean;
  /** The cloud's records; faulty ones only when asked. `cloud` is always the canonical name. */
  listNodes(cloud: string, withFaulty: boolean): Promise<TrackerRecord[]>;
  /**
   * One record of the cloud (any status), by the cloud's VM id, the tracker's id, or else by hostname (see
   * pickByHostname: several live records with it are a 409 AmbiguousHostname), as
   * `listNodes(cloud, true)` then find would answer. The built-in tracker reads it through an
   * index, so naming a VM costs the same among ten or ten thousand.
   */
  findNode(cloud: string, ref: NodeRef): Promise<TrackerRecord | undefined>;
  /**
   * Flips the FREE record of exactly `request.idVm` to ASSIGNED atomically: of two concurrent
   * assigns exactly one wins, the other gets a 409 conflict. No other record changes; a tracker
   * that cannot act on that VM alone refuses with 409 and changes nothing.
   */
  assign(cloud: string, request: AssignRequest): Promise<TrackerResult>;
  /** Un-assigns exactly the VM `idVm` (same guarantee as assign); the caller destroys it on the cloud afterwards. */
  release(cloud: string, idVm: string): Promise<TrackerResult>;
  /**
   * Refuses (409 NameTaken) a start whose name this tracker could not tell apart from a VM it
   * already tracks on that cloud (Cistern acts by hostname); the built-in tracker accepts any.
   */
  checkNewName(cloud: string, hostname: string): Promise<void>;
  /**
   * Records a VM the dispatcher started as FREE (Cistern learns of VMs by itself: a no-op there).
   * register and forget may run inside a store transaction (StepRecorder.later): store writes or nothing, no remote call.
   */
  register(cloud: string, vm: { id_vm: string; hostname: string; recipe?: string }): Promise<void>;
  /** Drops the record of a VM that no longer exists (no-op for Cistern). */
  forget(cloud: string, idVm: string): Promise<void>;
  health(): Promise<TrackerHealth>;
  close(): Promise<void>;
}
