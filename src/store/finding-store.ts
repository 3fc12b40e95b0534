// The reconciler's findings, durable (see vm-identity-migration.ts): a VM the cloud no longer
// lists (`missing`: assign refuses it until it reappears), a VM with our ownership tag but no
// record (`unknown`) and a released VM the cloud still lists (`stuck-releasing`). One row per VM id.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { VmFindingsTable } from './admin-schema.js';
import type { Database } from './store-schema.js';

export const FINDING_KINDS = ['missing', 'unknown', 'stuck-releasing'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];
export const RESOLUTIONS = ['adopted', 'destroyed', 'forgotten'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export interface VmFinding {
  cloud: string;
  idVm: string;
  kind: FindingKind;
  hostname: string | null;
  detail: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
  resolution: Resolution | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
}

function toFinding(r: Selectable<VmFindingsTable>): VmFinding {
  return {
    cloud: r.cloud,
    idVm: r.id_vm,
    kind: r.kind as FindingKind,
    hostname: r.hostname,
    detail: r.detail,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    resolution: r.resolution as Resolution | null,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
  };
}

export class FindingStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(cloud?: string): Promise<VmFinding[]> {
    let query = this.db.selectFrom('vm_findings').selectAll();
    if (cloud !== undefined) query = query.where('cloud', '=', cloud);
    return (await query.orderBy('cloud').orderBy('first_seen_at').orderBy('id_vm').execute()).map(toFinding);
  }

  async get(cloud: string, idVm: string): Promise<VmFinding | undefined> {
    const row = await this.db.selectFrom('vm_findings').selectAll().where('cloud', '=', cloud).where('id_vm', '=', idVm).executeTakeFirst();
    return row && toFinding(row);
  }

  /**
   * Records an open finding. `first_seen_at` is kept while the VM stays in the same open finding,
   * so it says since when; a new kind (or a resolved row seen again) starts over.
   */
  async seen(cloud: string, idVm: string, kind: FindingKind, info: { hostname: string | null; detail?: string | null; since?: string }): Promise<void> {
    const now = new Date().toISOString();
    const first = info.since ?? now;
    await this.db
      .insertInto('vm_findings')
      .values({ cloud, id_vm: idVm, kind, hostname: info.hostname, detail: info.detail ?? null, first_seen_at: first, last_seen_at: now })
      .onConflict((oc) =>
        oc.columns(['cloud', 'id_vm']).doUpdateSet({
          first_seen_at: sql<string>`case when vm_findings.kind = ${kind} and vm_findings.resolution is null then vm_findings.first_seen_at else ${first} end`,
          kind,
          hostname: info.hostname,
          last_seen_at: now,
          ...(info.detail !== undefined ? { detail: info.detail } : {}),
          resolution: null,
          resolved_at: null,
          resolved_by: null,
        }),
      )
      .execute();
  }

  /** What was last done about an open finding (a destroy requested, its error). */
  async note(cloud: string, idVm: string, detail: string): Promise<void> {
    await this.db.updateTable('vm_findings').set({ detail, last_seen_at: new Date().toISOString() }).where('cloud', '=', cloud).where('id_vm', '=', idVm).execute();
  }

  async resolve(cloud: string, idVm: string, resolution: Resolution, by: string, detail?: string): Promise<void> {
    await this.db
      .updateTable('vm_findings')
      .set({ resolution, resolved_at: new Date().toISOString(), resolved_by: by, ...(detail !== undefined ? { detail } : {}) })
      .where('cloud', '=', cloud)
      .where('id_vm', '=', idVm)
      .execute();
  }

  /** Drops the open findings of a cloud a pass no longer sees; resolved rows stay (until retention). */
  async dropOpenExcept(cloud: string, keep: Set<string>): Promise<number> {
    const open = await this.db.selectFrom('vm_findings').select('id_vm').where('cloud', '=', cloud).where('resolution', 'is', null).execute();
    const gone = open.map((r) => r.id_vm).filter((id) => !keep.has(id));
    // In slices: a statement's bound parameters are limited (SQLite 32766, PostgreSQL 65535).
    for (let i = 0; i < gone.length; i += 500) {
      await this.db.deleteFrom('vm_findings').where('cloud', '=', cloud).where('resolution', 'is', null).where('id_vm', 'in', gone.slice(i, i + 500)).execute();
    }
    return gone.length;
  }

  /**
   * Whether a release of the VM is queued or running (in any instance over this store): its
   * RELEASED record with the VM still listed is that release at work, not a stuck one.
   */
  async releaseInFlight(cloud: string, idVm: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('operations')
      .select('id')
      .where('cloud', '=', cloud)
      .where('target', '=', idVm)
      .where('kind', '=', 'vm.release')
      .where('state', 'in', ['queued', 'running'])
      .executeTakeFirst();
    return row !== undefined;
  }

  async remove(cloud: string, idVm: string): Promise<void> {
    await this.db.deleteFrom('vm_findings').where('cloud', '=', cloud).where('id_vm', '=', idVm).execute();
  }
}
