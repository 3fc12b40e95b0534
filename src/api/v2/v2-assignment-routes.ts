import type { V2Route } from './v2-context.js';

export const assignmentRoutes: V2Route[] = [];
