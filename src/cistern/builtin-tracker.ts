// The tracker used when no Cistern is configured: the same records and answers as Cistern,
// kept in our store. Every state change is one conditional UPDATE, so concurrent assigns of one
// VM (even from several dispatcher instances over one PostgreSQL) have exactly one winner.
import { DispatcherError } from '../domain/errors.js';
import type { Store } from '../store/store-open.js';
import { TrackerStore, type TrackerRow } from '../store/tracker-store.js';
import { pickByHostname, TRACKER_STATUS, type AssignRequest, type NodeRef, type Tracker, type TrackerHealth, type TrackerRecord, type TrackerResult } from './tracker.js';

const LISTED_WITHOUT_FAULTY = ['FREE', 'ASSIGNED'];

export class BuiltinTracker implements Tracker {
  readonly kind = 'builtin' as const;
  readonly keepsReleased = true;
  private readonly records: TrackerStore;

  constructor(private readonly store: Store) {
    this.records = new TrackerStore(store.db);
  }

  async listNodes(cloud: string, withFaulty: boolean): Promise<TrackerRecord[]> {
    const rows = await this.records.list(cloud, withFaulty ? undefined : LISTED_WITHOUT_FAULTY);
    return rows.map(toRecord);
  }

  async findNode(cloud: string, ref: NodeRef): Promise<TrackerRecord | undefined> {
    if (ref.idVm !== undefined) {
      const row = await this.records.byId(cloud, ref.idVm);
      return row && toRecord(row);
    }
    if (ref.id !== undefined) {
      const row = await this.records.byRecordId(cloud, ref.id);
      return row && toRecord(row);
    }
    if (ref.hostname === undefined) return undefined;
    const row = pickByHostname(cloud, ref.hostname, await this.records.byHostname(cloud, ref.hostname));
    return row && toRecord(row);
  }

  async assign(cloud: string, request: AssignRequest): Promise<TrackerResult> {
    const moved = await this.records.transition(cloud, request.idVm, ['FREE'], {
      status: TRACKER_STATUS.ASSIGNED,
      status_desc: 'ASSIGNED',
      user: request.user,
      recipe: request.vmType,
    });
    const row = moved ?? (await this.existing(cloud, request.idVm));
    if (!moved) throw new DispatcherError('conflict', `node ${row.id_vm} is ${row.status_desc}, not FREE`, { code: 'NotFree' });
    return { id_vm: row.id_vm, id: row.id, result: `Node ${row.id_vm} assigned` };
  }

  async release(cloud: string, idVm: string): Promise<TrackerResult> {
    const moved = await this.records.transition(cloud, idVm, ['ASSIGNED', 'FREE', 'FAULTY'], {
      status: TRACKER_STATUS.RELEASED,
      status_desc: 'RELEASED',
      user: '',
    });
    const row = moved ?? (await this.existing(cloud, idVm));
    if (!moved) throw new DispatcherError('conflict', `node ${row.id_vm} is already ${row.status_desc}`, { code: 'AlreadyReleased' });
    return { id_vm: row.id_vm, id: row.id, result: `Node ${row.id_vm} released` };
  }

  /** Records are told apart by VM id, so any name may be started again. */
  async checkNewName(_cloud: string, _hostname: string): Promise<void> {}

  async register(cloud: string, vm: { id_vm: string; hostname: string; recipe?: string }): Promise<void> {
    await this.records.upsert({ cloud, id_vm: vm.id_vm, hostname: vm.hostname, status: TRACKER_STATUS.FREE, status_desc: 'FREE', recipe: vm.recipe ?? '' });
  }

  async forget(cloud: string, idVm: string): Promise<void> {
    await this.records.remove(cloud, idVm);
  }

  async health(): Promise<TrackerHealth> {
    try {
      await this.store.ping();
      return { kind: 'builtin', ok: true, detail: 'built-in tracker (store reachable)' };
    } catch (err) {
      return { kind: 'builtin', ok: false, detail: `built-in tracker: store unreachable: ${(err as Error).message}` };
    }
  }

  async close(): Promise<void> {}

  private async existing(cloud: string, idVm: string): Promise<TrackerRow> {
    const row = await this.records.byId(cloud, idVm);
    if (!row) throw new DispatcherError('not-found', `no node ${idVm} on cloud ${cloud}`, { subject: 'vm' });
    return row;
  }
}

function toRecord(row: TrackerRow): TrackerRecord {
  return {
    id: row.id,
    id_vm: row.id_vm,
    hostname: row.hostname,
    cloud: row.cloud,
    user: row.user,
    status: row.status,
    status_desc: row.status_desc,
    recipe: row.recipe,
    recipe_id: row.recipe_id,
  };
}
