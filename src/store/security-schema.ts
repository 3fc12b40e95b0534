// The tables of migration 0007_security, as Kysely sees them (vm_records.owner_user_id is in admin-schema.ts).

export interface LoginAttemptsTable {
  /** `user:<username>` or `client:<address>` */
  key: string;
  window_start: string;
  failures: number;
}

export interface StoreProbeTable {
  id: number;
  at: string;
}

export interface SecurityTables {
  login_attempts: LoginAttemptsTable;
  store_probe: StoreProbeTable;
}
