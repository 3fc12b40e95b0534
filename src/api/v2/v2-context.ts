// What every v2 handler gets as `ctx`, and the definer that types v2 routes. The routes name the
// services they use (V2Services); the composition root's bag satisfies it by its shape, so the
// API does not import the root that imports it.
import type { AdminServices } from '../../admin/admin-compose.js';
import type { AssignmentService } from '../../services/assignment-service.js';
import type { AuthService } from '../../services/auth-service.js';
import type { Tracker } from '../../cistern/tracker.js';
import type { ClusterServices } from '../../services/cluster-compose.js';
import type { Config } from '../../config/config-schema.js';
import type { ScaleOut } from '../../coordination/scale-out-compose.js';
import type { CloudPool } from '../../pool/cloud-pool.js';
import type { OperationService } from '../../services/operation-service.js';
import type { OwnershipService } from '../../services/ownership-service.js';
import type { VmService } from '../../services/vm-service.js';
import type { IdempotencyStore } from '../../store/idempotency-store.js';
import { routeDefiner, type Route } from '../openapi/route-spec.js';

export interface V2Services {
  pool: CloudPool;
  tracker: Tracker;
  auth: AuthService;
  vms: VmService;
  assignments: AssignmentService;
  ownership: OwnershipService;
  operationService: OperationService;
  idempotency: IdempotencyStore;
  admin: Pick<AdminServices, 'audit' | 'clouds' | 'findings' | 'metrics' | 'reconciler' | 'runtime' | 'status' | 'users'>;
  groups: Pick<ClusterServices, 'clusters' | 'placement' | 'images'>;
  scaleOut: Pick<ScaleOut, 'instanceId' | 'view'>;
}

export interface V2Context {
  services: V2Services;
  config: Config;
  /** The longest `?wait=true` holds a request before answering 202 anyway. */
  waitTimeoutMs: number;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 60_000;

/** Declares a v2 route: `v2Route<{ cloud: string }, { limit: number }, CreateBody>({ method, path, …, handler })`. */
export const v2Route = routeDefiner<V2Context>();

export type V2Route = Route<V2Context>;

/** The base every v2 path is relative to (links and Location headers are absolute paths). */
export const V2_BASE = '/api/v2';
