// The v2 OpenAPI document: the route declarations plus the words around them.
import { openApiDocument, type OpenApiDocument } from '../openapi/openapi-document.js';
import type { RouteDoc } from '../openapi/route-spec.js';

export function v2OpenApi(routes: readonly RouteDoc[], version: string): OpenApiDocument {
  return openApiDocument(routes, {
    title: 'cloud-dispatcher API v2',
    version,
    basePath: '/api/v2',
    description: [
      'Resources over every configured cloud: clouds, their VMs, images, sizes and key pairs; assignments (the tracker); operations; tokens.',
      '',
      '* Authentication: `Authorization: Bearer <token>` (get one from `POST /auth/tokens`).',
      '* Creating or deleting a VM, and releasing an assignment, answer `202 Accepted` with an operation and `Location: /api/v2/operations/{id}`; poll it until `succeeded` or `failed`. `?wait=true` waits (bounded) and answers the end result instead.',
      '* POSTs take an `Idempotency-Key` header: a retried request with the same key and body answers the first answer and creates nothing new.',
      '* Errors are RFC 9457 `application/problem+json` with `code` (the provider\'s where there is one), `instance` and `requestId`.',
      '* Lists are paginated with `limit` and the opaque `next` cursor of the previous page.',
    ].join('\n'),
    tags: [
      { name: 'meta', description: 'The version document.' },
      { name: 'auth', description: 'Tokens.' },
      { name: 'clouds', description: 'Configured clouds, their capabilities and catalogs.' },
      { name: 'vms', description: 'VMs of a cloud, and VMs placed on the cloud the dispatcher chooses (POST /vms).' },
      { name: 'clusters', description: 'Named groups of VMs over one or more clouds: create, scale, power, repair, delete (docs/clusters.md).' },
      { name: 'images', description: 'Images saved from VMs (capability snapshot), and their deletion.' },
      { name: 'assignments', description: 'Which VM is assigned to whom (the tracker).' },
      { name: 'operations', description: 'Long-running work: create, delete, release.' },
      { name: 'admin', description: 'Operators (admin role): log level, reload, drain, cloud settings and VM actions, users and limits, audit log.' },
      { name: 'status', description: 'Version, clouds, effective config, VM metrics, operations, heart-beats (any authenticated user).' },
    ],
  });
}
