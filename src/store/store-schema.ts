// The tables, as Kysely sees them. Times are ISO-8601 UTC strings (they sort and compare as text
// on both SQLite and PostgreSQL); booleans are 0/1 integers for the same reason.
import type { Generated } from 'kysely';
import type { AdminTables } from './admin-schema.js';
import type { SecurityTables } from './security-schema.js';
import type { ClusterTables } from './cluster-schema.js';
import type { ScaleOutTables } from './scale-out-schema.js';

export interface UsersTable {
  id: Generated<number>;
  username: string;
  password_hash: string;
  role: 'admin' | 'operator' | 'user';
  active: number;
  created_at: string;
  updated_at: string;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface TrackerNodesTable {
  id: Generated<number>;
  cloud: string;
  id_vm: string;
  hostname: string;
  user: string;
  status: number;
  status_desc: string;
  recipe: string;
  recipe_id: number;
  created_at: string;
  updated_at: string;
}

export interface OperationsTable {
  id: string;
  kind: string;
  state: string;
  cloud: string | null;
  target: string | null;
  user_id: number | null;
  /** JSON */
  request: string;
  /** JSON, null until it succeeds */
  result: string | null;
  /** JSON `{kind, message, code?}`, null unless it failed */
  error: string | null;
  /** JSON array of `{step, state, at, detail?}`: what was done, so a half-done mutation is visible */
  steps: string;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  /** The instance id of the process running it (null: written before 0006). */
  owner: string | null;
  /** The cloud request id of a start, stored before the cloud is called. */
  request_id: string | null;
}

export interface IdempotencyKeysTable {
  user_id: number;
  key: string;
  /** SHA-256 of method, path and canonical body: the same key with another request is refused. */
  fingerprint: string;
  /** 'pending' while the first request runs, 'done' once its answer is stored. */
  state: string;
  status: number | null;
  /** JSON of the first answer's body */
  body: string | null;
  location: string | null;
  created_at: string;
  expires_at: string;
  /** The instance id of the process that reserved it: a restart frees the pending keys of dead ones. */
  owner: string | null;
}

export interface Database extends AdminTables, SecurityTables, ScaleOutTables, ClusterTables {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  tracker_nodes: TrackerNodesTable;
  operations: OperationsTable;
  idempotency_keys: IdempotencyKeysTable;
}
