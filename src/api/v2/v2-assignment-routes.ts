// Assignments: the tracker's records as a resource. Create = assign a FREE VM to a user; delete =
// release (un-assign, delete the VM, wait until the cloud no longer lists it), as an operation.
// An assignment's id is `<cloud>:<tracker id>`: tracker ids are only unique within a cloud.
import type { TrackerRecord } from '../../cistern/tracker.js';
import { DispatcherError } from '../../domain/errors.js';
import type { CloudConnection } from '../../pool/cloud-connection.js';
import type { Caller } from '../../services/ownership-service.js';
import { accepted, acceptOrWait } from './v2-async.js';
import { v2Route, type V2Context, type V2Route } from './v2-context.js';
import { EXAMPLE } from './v2-examples.js';
import { paginate } from './v2-pagination.js';
import { parseAssignmentId, presentAssignment, presentOperation } from './v2-presenters.js';
import { problems } from './v2-problem.js';
import { assignmentSchema, createAssignmentBody, idParams, listAssignmentsQuery, listOf, operationSchema, waitQuery } from './v2-schemas.js';

type ListQuery = { cloud?: string; status?: string; user?: string; limit: number; next?: string };
type CreateBody = { cloud: string; vm?: string; hostname?: string; user: string; vmType: string };

/** The cloud and the tracker record an assignment id names; 404 for any id that names none, or one of another user's. */
async function recordFor(ctx: V2Context, id: string, user: Caller): Promise<{ cloud: CloudConnection; record: TrackerRecord }> {
  const parsed = parseAssignmentId(id);
  const missing = new DispatcherError('not-found', `no assignment ${id}`, { subject: 'assignment' });
  if (!parsed) throw missing;
  const cloud = ctx.services.pool.resolve(parsed.cloud);
  const record = await ctx.services.assignments.record(cloud, parsed.trackerId);
  if (!record || !(await ctx.services.ownership.ownsRecord(user, record))) throw missing;
  return { cloud, record };
}

export const assignmentRoutes: V2Route[] = [
  v2Route<Record<string, never>, ListQuery>({
    method: 'get',
    path: '/assignments',
    operationId: 'listAssignments',
    summary: 'Tracker records across clouds (or of one)',
    description: 'By default the FREE and ASSIGNED records (what v1 /vm/status shows); `status` picks one state, FAULTY and RELEASED included.',
    tags: ['assignments'],
    auth: 'user',
    request: { query: listAssignmentsQuery },
    responses: { 200: { description: 'A page of assignments.', schema: listOf(assignmentSchema, true) }, ...problems(400, 401, 404, 502) },
    examples: [
      { summary: 'Every assignment', status: 200 },
      { summary: 'Assigned VMs of one cloud', query: { cloud: EXAMPLE.cloud, status: 'ASSIGNED' }, status: 200 },
    ],
    handler: async ({ ctx, query, user }) => {
      const { pool, tracker, ownership } = ctx.services;
      const clouds = query.cloud ? [pool.resolve(query.cloud)] : pool.list();
      const lists = await Promise.all(clouds.map((c) => tracker.listNodes(c.name, query.status !== undefined)));
      const visible = await ownership.visibleRecords(user, lists.flat());
      const records = visible.filter((r) => (!query.status || r.status_desc === query.status) && (!query.user || r.user === query.user));
      const filters = { clouds: clouds.map((c) => c.name), status: query.status, user: query.user };
      const page = paginate(records, (r) => [r.cloud, r.id], { limit: query.limit, next: query.next, filters });
      return { status: 200, body: { items: page.items.map(presentAssignment), next: page.next } };
    },
  }),
  v2Route<Record<string, never>, Record<string, never>, CreateBody>({
    method: 'post',
    path: '/assignments',
    operationId: 'createAssignment',
    summary: 'Assign a FREE VM to a user',
    description: 'Name the VM by `vm` (its id) or `hostname`. Of concurrent assigns of one VM exactly one wins; the others get 409.',
    tags: ['assignments'],
    auth: 'user',
    idempotent: true,
    request: { body: createAssignmentBody },
    responses: {
      201: { description: 'Assigned.', schema: assignmentSchema, headers: { Location: { description: 'The assignment.' } } },
      ...problems(400, 401, 403, 404, 409, 422, 502, 503),
    },
    examples: [
      { summary: 'Assign a VM by id', body: { cloud: EXAMPLE.cloud, vm: EXAMPLE.vmId, user: 'alice', vmType: 'worker' }, status: 201 },
      { summary: 'Neither vm nor hostname', body: { cloud: EXAMPLE.cloud, user: 'alice', vmType: 'worker' }, status: 400 },
    ],
    handler: async ({ ctx, body, user }) => {
      const { pool, assignments, ownership } = ctx.services;
      const cloud = pool.resolve(body.cloud);
      ownership.checkAssignee(user, body.user);
      const ref = await ownership.vmRef(user, cloud, { node: body.vm, hostname: body.hostname });
      const assignment = presentAssignment(await assignments.assignRecord(cloud, { ...ref, user: body.user, vmType: body.vmType }));
      return { status: 201, body: assignment, headers: { Location: assignment.links.self } };
    },
  }),
  v2Route<{ id: string }>({
    method: 'get',
    path: '/assignments/{id}',
    operationId: 'getAssignment',
    summary: 'One assignment',
    tags: ['assignments'],
    auth: 'user',
    request: { params: idParams },
    responses: { 200: { description: 'The assignment.', schema: assignmentSchema }, ...problems(401, 404, 502) },
    examples: [{ summary: 'An assignment', params: { id: EXAMPLE.assignmentId }, status: 200 }],
    handler: async ({ ctx, params, user }) => ({ status: 200, body: presentAssignment((await recordFor(ctx, params.id, user)).record) }),
  }),
  v2Route<{ id: string }, { wait: boolean }>({
    method: 'delete',
    path: '/assignments/{id}',
    operationId: 'releaseAssignment',
    summary: 'Release: un-assign, delete the VM, wait until it is gone',
    description:
      'Answers 202 with the operation (kind vm.release). A failure after the un-assign leaves the operation failed, with the steps it did. ' +
      '`?wait=true` answers 200 with the finished operation.',
    tags: ['assignments'],
    auth: 'user',
    request: { params: idParams, query: waitQuery },
    responses: { 200: { description: 'Released (with ?wait=true).', schema: operationSchema }, 202: accepted, ...problems(401, 404, 409, 501, 502, 504) },
    examples: [{ summary: 'Release an assignment', params: { id: EXAMPLE.assignmentId }, status: 202 }],
    handler: async ({ ctx, params, query, user }) => {
      const { assignments, operationService } = ctx.services;
      const { cloud, record } = await recordFor(ctx, params.id, user);
      cloud.require('destroy');
      if (record.status_desc === 'RELEASED') throw new DispatcherError('conflict', `assignment ${params.id} is already released`, { code: 'AlreadyReleased' });
      const ref = { node: record.id_vm };
      const submitted = await operationService.submit({ kind: 'vm.release', cloud: cloud.name, target: record.id_vm, userId: user?.id, request: ref }, (id) =>
        assignments.release(cloud, ref, { userId: user?.id, operationId: id }),
      );
      return acceptOrWait(ctx, submitted, query.wait, (op) => ({ status: 200, body: presentOperation(op) }));
    },
  }),
];
