// /api/v2/admin/clouds/{cloud}/findings: operators act on what reconcile passes found (unknown,
// stuck-releasing and missing VMs; listed under GET /api/v2/status/vms/findings).
import type { FindingAction } from '../../../admin/reconcile-findings.js';
import { v2Route, type V2Route } from '../v2-context.js';
import { EXAMPLE } from '../v2-examples.js';
import { problems } from '../v2-problem.js';
import { vmFindingSchema } from '../status/status-schemas.js';
import { actor } from './admin-runtime-routes.js';
import { findingActionBody, vmParams } from './admin-schemas.js';

export const adminFindingRoutes: V2Route[] = [
  v2Route<{ cloud: string; vm: string }, Record<string, never>, { action: FindingAction }>({
    method: 'post',
    path: '/admin/clouds/{cloud}/findings/{vm}/actions',
    operationId: 'actOnFinding',
    summary: 'Adopt, destroy or forget an unknown VM; retry a stuck release; forget a missing VM',
    description:
      'Acts on the open finding of that VM id (404 when there is none; 409 when the action does not apply to its kind or it is already resolved). ' +
      'Answers the finding as it is now. Each action is audited.',
    tags: ['admin'],
    auth: 'admin',
    request: { params: vmParams, body: findingActionBody },
    responses: { 200: { description: 'The finding after the action.', schema: vmFindingSchema }, ...problems(400, 401, 403, 404, 409, 502, 503, 504) },
    examples: [{ summary: 'A VM with no finding', params: { cloud: EXAMPLE.cloud, vm: 'no-such-vm' }, body: { action: 'adopt' }, status: 404 }],
    handler: async ({ ctx, params, body, user }) => {
      const { audit, findings } = ctx.services.admin;
      const cloud = ctx.services.pool.resolve(params.cloud);
      const finding = await audit.run(actor(user), `finding.${body.action}`, `${cloud.name}/${params.vm}`, {}, () =>
        findings.act(cloud, params.vm, body.action, actor(user).username),
      );
      return { status: 200, body: finding };
    },
  }),
];
