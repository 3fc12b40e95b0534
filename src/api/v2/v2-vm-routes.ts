import { createHash } from 'node:crypto';
// VMs of a cloud: list (filters, cursor pages), create and delete (202 + operation), get, actions.
import type { Protocol, Vm, VmState } from '../../domain/vm-model.js';
import { PreparedJson } from '../openapi/prepared-json.js';
import type { StartRequest } from '../../services/vm-service.js';
import { accepted, acceptOrWait } from './v2-async.js';
import { v2Route, type V2Route } from './v2-context.js';
import { EXAMPLE } from './v2-examples.js';
import { orderBy, pageOrdered } from './v2-pagination.js';
import { presentOperation, presentVm } from './v2-presenters.js';
import { problems } from './v2-problem.js';
import {
  cloudParams,
  createVmBody,
  listOf,
  listVmsQuery,
  operationSchema,
  vmActionBody,
  vmActionResult,
  vmParams,
  vmSchema,
  waitQuery,
  type VmAction,
} from './v2-schemas.js';

type CloudParams = { cloud: string };
type VmParams = { cloud: string; id: string };
type ListQuery = { state?: VmState; name?: string; tag?: string[]; owner?: string; limit: number; next?: string };
type CreateBody = { name: string; image: string; size: string; keyName?: string; metadata?: Record<string, string>; userData?: string };
type ActionBody = { action: VmAction; port?: number; protocol?: Protocol; cidr?: string };

const createExample = { name: 'spec-example-start', image: 'ubuntu-24.04', size: 'm1.small', metadata: { team: 'genomics' } };

function matchesTags(vm: Vm, tags: string[]): boolean {
  return tags.every((tag) => {
    const at = tag.indexOf(':');
    return vm.metadata[tag.slice(0, at)] === tag.slice(at + 1);
  });
}

/** The page order of a cloud's VMs (creation time, then id), made once per listing. */
function byCreation(vms: readonly Vm[]) {
  return orderBy(vms, (vm) => [vm.createdAt ?? '', vm.id]);
}

/** Pages kept per listing (each ~50 KiB at 100 VMs); more distinct queries in one window are made per request. */
const MAX_PAGES_KEPT = 64;

/**
 * A listing's v2 JSON, made as pages first ask for it: each VM's (pages join them rather than
 * present and serialize their VMs again), and whole pages that depend on nothing but the
 * listing and the query. A listing is of one cloud, so the cloud's name is the same for all.
 */
function jsonOf(): { vms: Map<Vm, string>; pages: Map<string, PreparedJson> } {
  return { vms: new Map(), pages: new Map() };
}

export const vmRoutes: V2Route[] = [
  v2Route<CloudParams, ListQuery>({
    method: 'get',
    path: '/clouds/{cloud}/vms',
    operationId: 'listVms',
    summary: "The cloud's VMs",
    description:
      'Users see the VMs they started or have assigned; admins and operators every VM. Filters combine (all must match). ' +
      'Pages are ordered by creation time, then id; follow `next` until it is null.',
    tags: ['vms'],
    auth: 'user',
    request: { params: cloudParams, query: listVmsQuery },
    responses: { 200: { description: 'A page of VMs.', schema: listOf(vmSchema, true) }, ...problems(400, 401, 404, 501, 502, 503, 504) },
    examples: [
      { summary: 'First page of running VMs', params: { cloud: EXAMPLE.cloud }, query: { state: 'running', limit: '10' }, status: 200 },
      { summary: 'VMs tagged team:genomics', params: { cloud: EXAMPLE.cloud }, query: { tag: 'team:genomics' }, status: 200 },
      { summary: 'A limit out of range', params: { cloud: EXAMPLE.cloud }, query: { limit: '0' }, status: 400 },
    ],
    handler: async ({ ctx, params, query, user }) => {
      const { vms, ownership } = ctx.services;
      const cloud = vms.cloud(params.cloud);
      const [listing, visible, owned] = await Promise.all([
        vms.listingForPages(cloud),
        ownership.visibleVmIds(user, cloud.name),
        query.owner === undefined ? undefined : ownership.startedBy(cloud.name, query.owner),
      ]);
      const tags = query.tag ?? [];
      const { state, name } = query;
      const json = listing.derive(jsonOf);
      // Without a caller's set (admins, operators, no owner filter) a page depends on the listing
      // and the query alone: made once per listing, however many ask for it.
      const shared = !visible && !owned;
      const key = shared ? JSON.stringify([query.limit, query.next, state, name, tags]) : '';
      const ready = shared ? json.pages.get(key) : undefined;
      if (ready) return { status: 200, json: ready };
      const filtered = visible || owned || state || name || tags.length > 0;
      const matches = filtered
        ? (vm: Vm) => (!visible || visible.has(vm.id)) && (!owned || owned.has(vm.id)) && (!state || vm.state === state) && (!name || vm.name === name) && matchesTags(vm, tags)
        : undefined;
      const filters = { cloud: cloud.name, state, name, tags, owner: query.owner };
      const page = pageOrdered(listing.derive(byCreation), matches, { limit: query.limit, next: query.next, filters });
      const items = page.items.map((vm) => {
        let text = json.vms.get(vm);
        if (text === undefined) json.vms.set(vm, (text = JSON.stringify(presentVm(vm, cloud.name))));
        return text;
      });
      const text = `{"items":[${items.join(',')}],"next":${JSON.stringify(page.next)}}`;
      if (!shared) return { status: 200, json: text };
      const prepared = new PreparedJson(text);
      if (json.pages.size < MAX_PAGES_KEPT) json.pages.set(key, prepared);
      return { status: 200, json: prepared };
    },
  }),
  v2Route<CloudParams, { wait: boolean }, CreateBody>({
    method: 'post',
    path: '/clouds/{cloud}/vms',
    operationId: 'createVm',
    summary: 'Start a VM',
    description:
      'Answers 202 with the operation at once; the VM is created, then registered FREE in the tracker. With `?wait=true`, answers 201 with the VM ' +
      '(Location: the VM) once created, or the failure as a problem.',
    tags: ['vms'],
    auth: 'user',
    idempotent: true,
    request: { params: cloudParams, query: waitQuery, body: createVmBody },
    responses: {
      201: { description: 'Created (with ?wait=true).', schema: vmSchema, headers: { Location: { description: 'The VM.' } } },
      202: accepted,
      ...problems(400, 401, 404, 409, 422, 501, 502, 503, 504),
    },
    examples: [
      { summary: 'Start a VM', params: { cloud: EXAMPLE.cloud }, body: createExample, status: 202 },
      { summary: 'Start a VM and wait', params: { cloud: EXAMPLE.cloud }, query: { wait: 'true' }, body: { ...createExample, name: 'spec-example-start-wait' }, status: 201 },
      { summary: 'A body missing its size', params: { cloud: EXAMPLE.cloud }, body: { name: 'spec-example-no-size', image: 'ubuntu-24.04' }, status: 400 },
    ],
    handler: async ({ ctx, params, query, body, user, req }) => {
      const { vms, operationService } = ctx.services;
      const cloud = vms.cloud(params.cloud);
      await vms.checkStart(cloud, body.name); // 501, 503 (drain, cloud disabled), 409 (allocation, a name Cistern tracks) now, not as a failed operation
      const request: StartRequest = { name: body.name, image: body.image, size: body.size, keyName: body.keyName, metadata: body.metadata, userData: body.userData };
      const submitted = await operationService.submit({ kind: 'vm.start', cloud: cloud.name, userId: user?.id, request: { ...request, userData: undefined } }, (id) =>
        vms.start(cloud, request, { userId: user?.id, operationId: id, requestId: createRequestId(user?.id, req.get('idempotency-key')) }),
      );
      return acceptOrWait(ctx, submitted, query.wait, (op) => {
        const vm = presentVm(op.result as Vm, cloud.name);
        return { status: 201, body: vm, headers: { Location: vm.links.self } };
      });
    },
  }),
  v2Route<VmParams>({
    method: 'get',
    path: '/clouds/{cloud}/vms/{id}',
    operationId: 'getVm',
    summary: 'One VM',
    tags: ['vms'],
    auth: 'user',
    request: { params: vmParams },
    responses: { 200: { description: 'The VM.', schema: vmSchema }, ...problems(401, 404, 501, 502, 503, 504) },
    examples: [
      { summary: 'A VM', params: { cloud: EXAMPLE.cloud, id: EXAMPLE.vmId }, status: 200 },
      { summary: 'A VM on an unknown cloud', params: { cloud: EXAMPLE.missingCloud, id: EXAMPLE.vmId }, status: 404 },
    ],
    handler: async ({ ctx, params, user }) => {
      const { vms, ownership } = ctx.services;
      const cloud = vms.cloud(params.cloud);
      const ref = await ownership.vmRef(user, cloud, { node: params.id });
      return { status: 200, body: presentVm(await vms.resolveVm(cloud, ref), cloud.name) };
    },
  }),
  v2Route<VmParams, { wait: boolean }>({
    method: 'delete',
    path: '/clouds/{cloud}/vms/{id}',
    operationId: 'deleteVm',
    summary: 'Delete a VM',
    description: 'Answers 202 with the operation; it deletes the VM, waits until the cloud no longer lists it, and drops its tracker record. `?wait=true` answers 200 with the finished operation.',
    tags: ['vms'],
    auth: 'user',
    request: { params: vmParams, query: waitQuery },
    responses: {
      200: { description: 'Deleted (with ?wait=true): the finished operation.', schema: operationSchema },
      202: accepted,
      ...problems(401, 404, 501, 502, 503, 504),
    },
    examples: [{ summary: 'Delete a VM', params: { cloud: EXAMPLE.cloud, id: EXAMPLE.vmId }, status: 202 }],
    handler: async ({ ctx, params, query, user }) => {
      const { vms, operationService, ownership } = ctx.services;
      const cloud = vms.cloud(params.cloud);
      cloud.require('destroy');
      const vm = await vms.resolveVm(cloud, await ownership.vmRef(user, cloud, { node: params.id })); // 404 now, not as a failed operation
      const submitted = await operationService.submit({ kind: 'vm.destroy', cloud: cloud.name, target: vm.id, userId: user?.id, request: { node: vm.id } }, (id) =>
        vms.destroy(cloud, { node: vm.id }, { userId: user?.id, wait: true, operationId: id, vm }),
      );
      return acceptOrWait(ctx, submitted, query.wait, (op) => ({ status: 200, body: presentOperation(op) }));
    },
  }),
  v2Route<VmParams, Record<string, never>, ActionBody>({
    method: 'post',
    path: '/clouds/{cloud}/vms/{id}/actions',
    operationId: 'actOnVm',
    summary: 'Reboot, power off/on, open or close a port',
    description: 'port is required for open-port / close-port and refused otherwise. A cloud whose driver lacks the capability answers 501 before any call to the cloud.',
    tags: ['vms'],
    auth: 'user',
    idempotent: true,
    request: { params: vmParams, body: vmActionBody },
    responses: { 200: { description: 'Done.', schema: vmActionResult }, ...problems(400, 401, 404, 409, 422, 501, 502, 503, 504) },
    examples: [
      { summary: 'Open port 22', params: { cloud: EXAMPLE.cloud, id: EXAMPLE.vmId }, body: { action: 'open-port', port: 22, protocol: 'tcp', cidr: '10.0.0.0/8' }, status: 200 },
      { summary: 'Reboot', params: { cloud: EXAMPLE.cloud, id: EXAMPLE.vmId }, body: { action: 'reboot' }, status: 200 },
      { summary: 'open-port without a port', params: { cloud: EXAMPLE.cloud, id: EXAMPLE.vmId }, body: { action: 'open-port' }, status: 400 },
    ],
    handler: async ({ ctx, params, body, user }) => {
      const { vms, ownership } = ctx.services;
      const cloud = vms.cloud(params.cloud);
      const ref = await ownership.vmRef(user, cloud, { node: params.id });
      if (body.action === 'open-port' || body.action === 'close-port') {
        const open = body.action === 'open-port';
        const rule = { port: body.port as number, protocol: body.protocol ?? 'tcp', cidr: body.cidr ?? '0.0.0.0/0' };
        const vm = await vms.firewall(cloud, ref, rule, open, { userId: user?.id });
        const result = `Port ${rule.port}/${rule.protocol} ${open ? 'opened' : 'closed'} for ${rule.cidr} on VM ${vm.id}`;
        return { status: 200, body: { action: body.action, vm: presentVm(vm, cloud.name), result } };
      }
      const vm = await vms.power(cloud, ref, body.action, { userId: user?.id });
      return { status: 200, body: { action: body.action, vm: presentVm(vm, cloud.name), result: `${body.action} of VM ${vm.id} accepted` } };
    },
  }),
];

/**
 * A start retried under the same Idempotency-Key (after a failure freed the key) reuses the same
 * cloud idempotency token, so a create the cloud did carry out is not made twice.
 */
export function createRequestId(userId: number | undefined, key: string | undefined): string | undefined {
  return key ? createHash('sha256').update(`${userId ?? 'anonymous'}\0${key}`).digest('hex').slice(0, 32) : undefined;
}
