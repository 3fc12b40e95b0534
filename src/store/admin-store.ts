// What operators change at run time and must survive a restart: per-cloud overrides over the
// config (enabled, allocation), alias additions and removals, per-user limits and VM flags.
import type { Kysely } from 'kysely';
import type { Database } from './store-schema.js';
import { PreparedStatement } from './prepared-statement.js';

export interface CloudOverride {
  cloud: string;
  /** undefined: the config decides. */
  enabled?: boolean;
  /** undefined: the config decides; null: no limit even if the config sets one. */
  allocation?: number | null;
  updatedAt: string;
  updatedBy: string;
}

export interface AliasRow {
  alias: string;
  cloud: string;
  /** true: a config alias the operator removed; false: an alias the operator added. */
  removed: boolean;
  createdAt: string;
  createdBy: string;
}

export interface UserLimit {
  user: string;
  maxAssigned: number;
  updatedAt: string;
  updatedBy: string;
}

export interface VmFlag {
  cloud: string;
  idVm: string;
  hostname: string;
  retiring: boolean;
  reason: string | null;
  updatedAt: string;
  updatedBy: string;
}

export class AdminStore {
  // Asked by every assign and every destroy: built and compiled once (prepared-statement.ts).
  private readonly limitOf = new PreparedStatement((user: string) => this.db.selectFrom('user_limits').selectAll().where('username', '=', user));
  // An assign's three admission reads in one statement (the VM's flags and findings, the user's limit).
  private readonly assignFacts = new PreparedStatement((cloud: string, idVm: string, user: string) =>
    this.db.selectNoFrom((eb) => [
      eb.exists(eb.selectFrom('vm_flags').select('retiring').where('cloud', '=', cloud).where('id_vm', '=', idVm).where('retiring', '=', 1)).as('retiring'),
      eb
        .exists(eb.selectFrom('vm_findings').select('id_vm').where('cloud', '=', cloud).where('id_vm', '=', idVm).where('kind', '=', 'missing').where('resolution', 'is', null))
        .as('missing'),
      eb.selectFrom('user_limits').select('max_assigned').where('username', '=', user).as('max_assigned'),
    ]),
  );
  private readonly clearOne = new PreparedStatement((cloud: string, idVm: string) => this.db.deleteFrom('vm_flags').where('cloud', '=', cloud).where('id_vm', '=', idVm));

  constructor(private readonly db: Kysely<Database>) {}

  async cloudOverrides(): Promise<CloudOverride[]> {
    const rows = await this.db.selectFrom('cloud_overrides').selectAll().orderBy('cloud').execute();
    return rows.map((r) => ({
      cloud: r.cloud,
      ...(r.enabled === null ? {} : { enabled: Number(r.enabled) === 1 }),
      ...(r.allocation === null ? {} : { allocation: Number(r.allocation) < 0 ? null : Number(r.allocation) }),
      updatedAt: r.updated_at,
      updatedBy: r.updated_by,
    }));
  }

  /** Sets the given fields of a cloud's override; `'config'` hands a field back to the config file. */
  async setCloudOverride(
    cloud: string,
    changes: { enabled?: boolean | 'config'; allocation?: number | null | 'config' },
    by: string,
  ): Promise<void> {
    const now = new Date().toISOString();
    const enabled = changes.enabled === undefined ? undefined : changes.enabled === 'config' ? null : changes.enabled ? 1 : 0;
    const allocation =
      changes.allocation === undefined ? undefined : changes.allocation === 'config' ? null : changes.allocation === null ? -1 : changes.allocation;
    const set = {
      ...(enabled !== undefined ? { enabled } : {}),
      ...(allocation !== undefined ? { allocation } : {}),
      updated_at: now,
      updated_by: by,
    };
    await this.db
      .insertInto('cloud_overrides')
      .values({ cloud, enabled: enabled ?? null, allocation: allocation ?? null, updated_at: now, updated_by: by })
      .onConflict((oc) => oc.column('cloud').doUpdateSet(set))
      .execute();
  }

  async aliases(): Promise<AliasRow[]> {
    const rows = await this.db.selectFrom('cloud_aliases').selectAll().orderBy('alias').execute();
    return rows.map((r) => ({ alias: r.alias, cloud: r.cloud, removed: Number(r.removed) === 1, createdAt: r.created_at, createdBy: r.created_by }));
  }

  async putAlias(alias: string, cloud: string, removed: boolean, by: string): Promise<void> {
    const now = new Date().toISOString();
    const row = { alias, cloud, removed: removed ? 1 : 0, created_at: now, created_by: by };
    await this.db
      .insertInto('cloud_aliases')
      .values(row)
      .onConflict((oc) => oc.column('alias').doUpdateSet({ cloud, removed: row.removed, created_at: now, created_by: by }))
      .execute();
  }

  async deleteAlias(alias: string): Promise<void> {
    await this.db.deleteFrom('cloud_aliases').where('alias', '=', alias).execute();
  }

  async userLimits(): Promise<UserLimit[]> {
    const rows = await this.db.selectFrom('user_limits').selectAll().orderBy('username').execute();
    return rows.map(toLimit);
  }

  async userLimit(user: string): Promise<UserLimit | undefined> {
    const row = await this.limitOf.first(this.db, user);
    return row && toLimit(row);
  }

  async setUserLimit(user: string, maxAssigned: number, by: string): Promise<void> {
    const now = new Date().toISOString();
    await this.db
      .insertInto('user_limits')
      .values({ username: user, max_assigned: maxAssigned, updated_at: now, updated_by: by })
      .onConflict((oc) => oc.column('username').doUpdateSet({ max_assigned: maxAssigned, updated_at: now, updated_by: by }))
      .execute();
  }

  async deleteUserLimit(user: string): Promise<boolean> {
    const result = await this.db.deleteFrom('user_limits').where('username', '=', user).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async flags(cloud?: string): Promise<VmFlag[]> {
    let query = this.db.selectFrom('vm_flags').selectAll();
    if (cloud !== undefined) query = query.where('cloud', '=', cloud);
    return (await query.orderBy('updated_at').execute()).map(toFlag);
  }

  /**
   * What admits an assign, read at once: whether the VM (by id) is retiring, whether the
   * reconciler's last pass found it missing, and the user's limit (undefined: none).
   */
  async assignChecks(cloud: string, idVm: string, user: string): Promise<{ retiring: boolean; missing: boolean; maxAssigned?: number }> {
    const row = await this.assignFacts.first(this.db, cloud, idVm, user);
    const limit = row?.max_assigned;
    // exists() is 1/0 on SQLite, true/false on PostgreSQL.
    return { retiring: Boolean(row?.retiring), missing: Boolean(row?.missing), ...(limit === null || limit === undefined ? {} : { maxAssigned: Number(limit) }) };
  }

  async setRetiring(cloud: string, vm: { idVm: string; hostname: string }, reason: string, by: string): Promise<void> {
    const now = new Date().toISOString();
    await this.db
      .insertInto('vm_flags')
      .values({ cloud, id_vm: vm.idVm, hostname: vm.hostname, retiring: 1, reason, updated_at: now, updated_by: by })
      .onConflict((oc) => oc.columns(['cloud', 'id_vm']).doUpdateSet({ retiring: 1, reason, updated_at: now, updated_by: by }))
      .execute();
  }

  /** Drops the flags of one VM (or of every VM of the cloud); answers how many there were. */
  async clearFlags(cloud: string, idVm?: string): Promise<number> {
    if (idVm !== undefined) return this.clearOne.changed(this.db, cloud, idVm);
    return Number((await this.db.deleteFrom('vm_flags').where('cloud', '=', cloud).executeTakeFirst()).numDeletedRows);
  }
}

function toLimit(r: { username: string; max_assigned: number; updated_at: string; updated_by: string }): UserLimit {
  return { user: r.username, maxAssigned: Number(r.max_assigned), updatedAt: r.updated_at, updatedBy: r.updated_by };
}

function toFlag(r: Database['vm_flags'] & { retiring: number }): VmFlag {
  return {
    cloud: r.cloud,
    idVm: r.id_vm,
    hostname: r.hostname,
    retiring: Number(r.retiring) === 1,
    reason: r.reason,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  };
}
