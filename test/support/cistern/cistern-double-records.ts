// The double's memory: Cistern's records per cloud, and the answers its protocol documents
// (/work/shared/reference/cistern-protocol.md, docs/cistern.md). Plain data, no HTTP, so the
// server file stays about transport and faults.
import { TRACKER_STATUS, type TrackerStatusDesc } from '../../../src/cistern/tracker.js';

/** A record exactly as Cistern sends it. */
export interface CisternRecord {
  status: number;
  status_desc: string;
  hostname: string;
  recipe: string;
  recipe_id: number;
  user: string;
  id_vm: string;
  id: number;
  cloud: string;
}

export interface SeedRecord {
  id_vm: string;
  hostname: string;
  recipe?: string;
  status_desc?: TrackerStatusDesc;
  user?: string;
}

export type CisternAnswer =
  | { status: 'ok'; nodes: CisternRecord[] }
  | { status: 'ok'; id_vm: string; id: number; result: string }
  | { status: 'error'; message: string };

export class CisternRecords {
  // A list, not a map by hostname: clouds allow two VMs one name, and Cistern may learn of both.
  private readonly clouds = new Map<string, CisternRecord[]>();
  private readonly recipes = new Map<string, number>();
  private nextId = 1;

  seed(cloud: string, records: SeedRecord[]): CisternRecord[] {
    const table = this.table(cloud);
    return records.map((r) => {
      const statusDesc = r.status_desc ?? 'FREE';
      const recipe = r.recipe ?? 'test';
      const record: CisternRecord = {
        status: TRACKER_STATUS[statusDesc],
        status_desc: statusDesc,
        hostname: r.hostname,
        recipe,
        recipe_id: this.recipeId(recipe),
        user: r.user ?? '',
        id_vm: r.id_vm,
        id: this.nextId++,
        cloud,
      };
      table.push(record);
      return { ...record };
    });
  }

  /** Copies, so a test cannot change the double's state behind its back. */
  list(cloud: string): CisternRecord[] {
    return this.table(cloud).map((r) => ({ ...r }));
  }

  /** By VM id, else the first record with that hostname. */
  find(cloud: string, key: string): CisternRecord | undefined {
    const record = this.lookup(cloud, key);
    return record && { ...record };
  }

  setStatus(cloud: string, key: string, statusDesc: TrackerStatusDesc): void {
    const record = this.lookup(cloud, key);
    if (!record) throw new Error(`the double has no ${key} in ${cloud}`);
    record.status = TRACKER_STATUS[statusDesc];
    record.status_desc = statusDesc;
  }

  /** What Cistern does when it notices the VM is gone from the cloud. */
  remove(cloud: string, key: string): void {
    const table = this.table(cloud);
    const record = this.lookup(cloud, key);
    if (record) table.splice(table.indexOf(record), 1);
  }

  nodes(cloud: string, withFaulty: boolean): CisternAnswer {
    // Like the built-in tracker: the active list is what can be or is in use.
    const nodes = this.list(cloud).filter((r) => withFaulty || r.status === TRACKER_STATUS.FREE || r.status === TRACKER_STATUS.ASSIGNED);
    return { status: 'ok', nodes };
  }

  // vm_type becomes the record's recipe, as the built-in tracker does.
  // Which of several records sharing a hostname Cistern picks is not documented: the double
  // takes the first one the call could act on, so a client that relies on the name alone is caught.
  assign(cloud: string, hostname: string, user: string, vmType: string): CisternAnswer {
    const record = this.byHostname(cloud, hostname, (r) => r.status === TRACKER_STATUS.FREE);
    if (!record) return { status: 'error', message: `Node ${hostname} not found in ${cloud}` };
    if (record.status !== TRACKER_STATUS.FREE) return { status: 'error', message: `Node ${hostname} is not free (${record.status_desc})` };
    Object.assign(record, { status: TRACKER_STATUS.ASSIGNED, status_desc: 'ASSIGNED', user, recipe: vmType || record.recipe });
    return { status: 'ok', id_vm: record.id_vm, id: record.id, result: `Node ${record.id_vm} assigned` };
  }

  // A released VM is about to be destroyed by the dispatcher: it must not be handed out again
  // meanwhile, so it is not put back to FREE. Like the built-in tracker, a FREE or FAULTY VM may
  // be released (that is how an operator retires it); only a second release is refused.
  release(cloud: string, hostname: string): CisternAnswer {
    const record = this.byHostname(cloud, hostname, (r) => r.status !== TRACKER_STATUS.RELEASED);
    if (!record) return { status: 'error', message: `Node ${hostname} not found in ${cloud}` };
    if (record.status === TRACKER_STATUS.RELEASED) return { status: 'error', message: `Node ${hostname} is already released` };
    Object.assign(record, { status: TRACKER_STATUS.RELEASED, status_desc: 'RELEASED', user: '' });
    return { status: 'ok', id_vm: record.id_vm, id: record.id, result: `Node ${record.id_vm} released` };
  }

  private table(cloud: string): CisternRecord[] {
    let table = this.clouds.get(cloud);
    if (!table) this.clouds.set(cloud, (table = []));
    return table;
  }

  private lookup(cloud: string, key: string): CisternRecord | undefined {
    const table = this.table(cloud);
    return table.find((r) => r.id_vm === key) ?? table.find((r) => r.hostname === key);
  }

  private byHostname(cloud: string, hostname: string, preferred: (r: CisternRecord) => boolean): CisternRecord | undefined {
    const named = this.table(cloud).filter((r) => r.hostname === hostname);
    return named.find(preferred) ?? named[0];
  }

  private recipeId(recipe: string): number {
    let id = this.recipes.get(recipe);
    if (id === undefined) this.recipes.set(recipe, (id = this.recipes.size + 1));
    return id;
  }
}
