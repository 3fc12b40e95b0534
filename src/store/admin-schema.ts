// The tables of migration 0004_admin, as Kysely sees them (store-schema.ts lists them in Database).
// Same conventions: ISO-8601 UTC text times, 0/1 integers for booleans.
import type { ColumnType, Generated } from 'kysely';

export interface CloudOverridesTable {
  /** Canonical cloud name. */
  cloud: string;
  /** null: the config decides. */
  enabled: number | null;
  /** null: the config decides; -1: no limit even if the config sets one. */
  allocation: number | null;
  updated_at: string;
  updated_by: string;
}

export interface CloudAliasesTable {
  alias: string;
  cloud: string;
  /** 0: an alias the operator added; 1: a config alias the operator removed. */
  removed: number;
  created_at: string;
  created_by: string;
}

export interface UserLimitsTable {
  /** The tracker's `user` (whom a VM is assigned to), not necessarily a dispatcher account. */
  username: string;
  max_assigned: number;
  updated_at: string;
  updated_by: string;
}

export interface VmFlagsTable {
  cloud: string;
  id_vm: string;
  hostname: string;
  retiring: number;
  reason: string | null;
  updated_at: string;
  updated_by: string;
}

export interface VmRecordsTable {
  cloud: string;
  id_vm: string;
  name: string;
  image: string;
  size: string;
  /** When the dispatcher asked the cloud (before the create call). */
  requested_at: string;
  /** When the cloud accepted the create. */
  created_at: string;
  /** First observation of `running`. */
  running_at: string | null;
  failed_at: string | null;
  /** `boot` (the cloud reported error) or `boot-timeout`. */
  failure_kind: string | null;
  fault: string | null;
  last_state: string;
  last_seen_at: string | null;
  /** Set by the reconciler while the cloud no longer lists the VM. */
  missing_since: string | null;
  ended_at: string | null;
  /** `destroyed` (by us) or `forgotten` (by an operator). */
  end_reason: string | null;
  /** The user who started it (0007_security); null = admins only. */
  owner_user_id: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor: string;
  actor_id: number | null;
  action: string;
  target: string;
  /** JSON of the request's parameters (never a password). */
  params: string;
  /** `ok` or `error` */
  result: string;
  status: number;
  message: string | null;
}

/** Migration 0005_vm_identity (see vm-identity-migration.ts). */
export interface VmFindingsTable {
  cloud: string;
  id_vm: string;
  /** `missing`, `unknown` or `stuck-releasing`. */
  kind: string;
  hostname: string | null;
  /** What was last seen or done (a destroy's error, say). */
  detail: string | null;
  first_seen_at: string;
  last_seen_at: string;
  /** null while open; `adopted`, `destroyed` or `forgotten` once acted on. */
  resolution: string | null;
  resolved_at: string | null;
  /** `reconciler` (the cloud's orphan policy) or the operator's name. */
  resolved_by: string | null;
}

export interface AdminTables {
  cloud_overrides: CloudOverridesTable;
  cloud_aliases: CloudAliasesTable;
  user_limits: UserLimitsTable;
  vm_flags: VmFlagsTable;
  vm_records: VmRecordsTable;
  audit_log: AuditLogTable;
  vm_findings: VmFindingsTable;
}
