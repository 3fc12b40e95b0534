// The registry of v2 route modules: the router and /openapi/v2.json are both built from this list.
// To add routes (admin, status …): export a `V2Route[]` from a module of your own, declared with
// `v2Route` (./v2-context.ts), and append it here. Use `auth: 'admin'` for admin-only routes.
import { adminRoutes } from './admin/admin-routes.js';
import { statusRoutes } from './status/status-routes.js';
import { assignmentRoutes } from './v2-assignment-routes.js';
import { authRoutes } from './v2-auth-routes.js';
import { cloudRoutes } from './v2-cloud-routes.js';
import { clusterRoutes } from './v2-cluster-routes.js';
import { imageRoutes } from './v2-image-routes.js';
import { placedVmRoutes } from './v2-placed-vm-routes.js';
import type { V2Route } from './v2-context.js';
import { operationRoutes } from './v2-operation-routes.js';
import { rootRoutes } from './v2-root-routes.js';
import { vmRoutes } from './v2-vm-routes.js';

export const V2_ROUTE_MODULES: readonly (readonly V2Route[])[] = [
  rootRoutes,
  authRoutes,
  cloudRoutes,
  vmRoutes,
  assignmentRoutes,
  operationRoutes,
  adminRoutes,
  statusRoutes,
  clusterRoutes,
  placedVmRoutes,
  imageRoutes,
];

export function v2Routes(extra: readonly (readonly V2Route[])[] = []): V2Route[] {
  return [...V2_ROUTE_MODULES, ...extra].flat();
}
