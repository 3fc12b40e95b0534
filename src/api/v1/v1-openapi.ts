// The v1 OpenAPI document: the route declarations (./v1-routes.ts) plus the words around them.
import { openApiDocument, type OpenApiDocument } from '../openapi/openapi-document.js';
import type { RouteDoc } from '../openapi/route-spec.js';

export function v1OpenApi(routes: readonly RouteDoc[], version: string): OpenApiDocument {
  return openApiDocument(routes, {
    title: 'cloud-dispatcher API v1 (legacy)',
    version,
    basePath: '/api/v1',
    description:
      "The original CRS4 dispatcher's dialect, kept route for route. Errors use v1's envelope. " +
      'Every example sets `emulate: true` where the route knows it: the answer is canned and no cloud is touched. New clients should use v2.',
    tags: [
      { name: 'meta', description: 'Liveness of the v1 face.' },
      { name: 'auth', description: 'Tokens.' },
      { name: 'cloud', description: 'Configured clouds.' },
      { name: 'vm', description: 'Start, delete, firewall.' },
      { name: 'assignment', description: 'The tracker: assign, release, status.' },
      { name: 'catalog', description: 'Lists per cloud.' },
    ],
  });
}
