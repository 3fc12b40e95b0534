import type { V2Route } from './v2-context.js';

export const cloudRoutes: V2Route[] = [];
