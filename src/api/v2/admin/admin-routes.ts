// Every /api/v2/admin route (admin role), as one module for the v2 route registry.
import type { V2Route } from '../v2-context.js';
import { adminCloudRoutes } from './admin-cloud-routes.js';
import { adminFindingRoutes } from './admin-finding-routes.js';
import { adminRuntimeRoutes } from './admin-runtime-routes.js';
import { adminUserRoutes } from './admin-user-routes.js';

export const adminRoutes: V2Route[] = [...adminRuntimeRoutes, ...adminCloudRoutes, ...adminFindingRoutes, ...adminUserRoutes];
