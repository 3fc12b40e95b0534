// How `cluster.*` operations left unfinished by a crash (or by a member start whose outcome was
// unknown) are resumed by a recovery pass: create, scale and repair converge again (members
// already written keep their request ids, so nothing is started twice); a delete destroys what is
// left; a power action is not repeated blindly — it ends interrupted and the cluster gets its status back.
import { Unrecoverable, type RecoveryHandler } from './operation-service.js';
import type { ClusterConvergence } from './cluster-convergence.js';
import type { ClusterService } from './cluster-service.js';

export function clusterRecovery(deps: { convergence: ClusterConvergence; clusters: ClusterService }): Record<string, RecoveryHandler> {
  const converge: RecoveryHandler = async (op, steps) => {
    if (!op.target) throw new Unrecoverable('no cluster recorded');
    await steps.done('resume', 'converge the members again, after a restart');
    return deps.convergence.converge(op.target, steps);
  };
  return {
    'cluster.create': converge,
    'cluster.scale': converge,
    'cluster.repair': converge,
    'cluster.delete': async (op, steps) => {
      if (!op.target) throw new Unrecoverable('no cluster recorded');
      await steps.done('resume', 'destroy the remaining members, after a restart');
      return deps.clusters.finishDelete(op.target, steps);
    },
    'cluster.action': async (op) => {
      if (op.target) await deps.convergence.settle(op.target).catch(() => undefined);
      throw new Unrecoverable('the dispatcher stopped during a power action on the members; check the members and run it again');
    },
  };
}
