import type { V2Route } from './v2-context.js';

export const authRoutes: V2Route[] = [];
