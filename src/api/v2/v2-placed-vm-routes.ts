// POST /api/v2/vms: a single VM placed by policy instead of on a named cloud. The chosen cloud and
// the reasons (for it, and against every other cloud) are stored on the vm.start operation.
import type { Vm } from '../../domain/vm-model.js';
import { PlacementService } from '../../services/placement-service.js';
import type { StartRequest } from '../../services/vm-service.js';
import type { PlacementPolicy } from '../../store/cluster-store.js';
import { accepted, acceptOrWait } from './v2-async.js';
import { placementBody } from './v2-cluster-schemas.js';
import { v2Route, type V2Route } from './v2-context.js';
import { presentVm } from './v2-presenters.js';
import { problems } from './v2-problem.js';
import { createVmBody, vmSchema, waitQuery } from './v2-schemas.js';
import { createRequestId } from './v2-vm-routes.js';

type PlacedBody = Omit<StartRequest, 'name'> & { name: string; placement: PlacementPolicy };

const placedVmBody = createVmBody.keys({ placement: placementBody.default({ strategy: 'spread' }) });
const example = { name: 'placed-1', image: 'ubuntu-24.04', size: 'm1.small' };

export const placedVmRoutes: V2Route[] = [
  v2Route<Record<string, never>, { wait: boolean }, PlacedBody>({
    method: 'post',
    path: '/vms',
    operationId: 'createPlacedVm',
    summary: 'Start a VM on the cloud placement chooses',
    description:
      'Like POST /clouds/{cloud}/vms, but the dispatcher chooses the cloud: enabled, with room in its allocation, healthy (recent start faults ' +
      'at most 50 %), with the image and size. The operation records the chosen cloud and why (`placement`). 409 with each cloud\'s reason (`clouds`) when none can take it.',
    tags: ['vms'],
    auth: 'user',
    idempotent: true,
    request: { query: waitQuery, body: placedVmBody },
    responses: {
      201: { description: 'Created (with ?wait=true).', schema: vmSchema, headers: { Location: { description: 'The VM.' } } },
      202: accepted,
      ...problems(400, 401, 409, 501, 502, 503, 504),
    },
    examples: [
      { summary: 'Start a placed VM', body: example, status: 202 },
      { summary: 'Start a VM packed on named clouds and wait', query: { wait: 'true' }, body: { ...example, name: 'placed-2', placement: { clouds: ['fake-east', 'default'], strategy: 'pack' } }, status: 201 },
      { summary: 'Start a placed VM no cloud can take', body: { ...example, name: 'placed-3', image: 'no-such-image' }, status: 409 },
      { summary: 'Start a placed VM with an unknown strategy', body: { ...example, placement: { strategy: 'random' } }, status: 400 },
    ],
    handler: async ({ ctx, query, body, user, req }) => {
      const { vms, operationService, groups } = ctx.services;
      const { placement: policy, ...rest } = body;
      const placement = await groups.placement.place(rest, policy, 1);
      const cloud = vms.cloud(placement.clouds[0]);
      await vms.checkStart(cloud);
      const request: StartRequest = { ...rest, ...PlacementService.namesOn(rest, cloud.name) };
      const recorded = { ...request, userData: undefined, placement: { cloud: cloud.name, reason: placement.reasons[cloud.name], clouds: placement.reasons } };
      const submitted = await operationService.submit({ kind: 'vm.start', cloud: cloud.name, userId: user?.id, request: recorded }, async (id) => {
        try {
          const vm = await vms.start(cloud, request, { userId: user?.id, operationId: id, requestId: createRequestId(user?.id, req.get('idempotency-key')) });
          groups.placement.record(cloud.name, true);
          return vm;
        } catch (err) {
          groups.placement.record(cloud.name, false);
          throw err;
        }
      });
      return acceptOrWait(ctx, submitted, query.wait, (op) => {
        const vm = presentVm(op.result as Vm, cloud.name);
        return { status: 201, body: vm, headers: { Location: vm.links.self } };
      });
    },
  }),
];
