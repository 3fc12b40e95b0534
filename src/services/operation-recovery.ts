// How each kind of operation left unfinished (by a crash, or by a lookup that failed) is resumed
// by a recovery pass of the OperationService. A start is resolved by its request id; a release or
// a delete whose VM is known is destroyed and polled until gone again; anything else, and what
// cannot be resolved, ends `interrupted` with its steps and target kept.
import { DispatcherError, isDispatcherError, toDispatcherError } from '../domain/errors.js';
import type { Tracker } from '../cistern/tracker.js';
import type { CloudConnection } from '../pool/cloud-connection.js';
import type { CloudPool } from '../pool/cloud-pool.js';
import type { VmLifecycle } from './service-ports.js';
import type { Operation } from '../store/operation-store.js';
import type { AssignmentService } from './assignment-service.js';
import { Unrecoverable, UnresolvedOutcome, type RecoveryHandler } from './operation-service.js';
import { absentOutcome, adoptCreated, isUnknownOutcome, lookupCreate, type StartedRequest } from './start-resolution.js';
import type { VmService } from './vm-service.js';

export interface RecoveryDeps {
  pool: CloudPool;
  tracker: Tracker;
  vms: VmService;
  assignments: AssignmentService;
  lifecycle?: VmLifecycle;
}

const CUT = () => new DispatcherError('unavailable', 'the dispatcher stopped while the create was in flight', { code: 'Interrupted' });

export function operationRecovery(deps: RecoveryDeps): Record<string, RecoveryHandler> {
  return {
    'vm.start': async (op, steps) => {
      // The request id is stored before the cloud is called: without one, no create was sent.
      if (!op.requestId) throw new Unrecoverable('the dispatcher stopped before this start reached the cloud; start again');
      const cloud = cloudOf(deps.pool, op);
      const vm = await lookupCreate(cloud, op.requestId, steps, CUT());
      // The create was sent before the operation was first found unresolved (or, cut by a crash,
      // before this pass): the time since then is a lower bound of the time since the send.
      if (!vm) throw absentOutcome(cloud, op.requestId, CUT(), unresolvedSince(op));
      return adoptCreated(deps, cloud, vm, op.request as StartedRequest, steps, op.userId ?? undefined);
    },

    'vm.release': async (op, steps) => {
      const cloud = cloudOf(deps.pool, op);
      const idVm = targetOf(op);
      const record = await deps.tracker.findNode(cloud.name, { idVm });
      // RELEASED (or already forgotten) means the tracker step ran, whether or not it was noted.
      const trackerStepRan = op.steps.some((s) => s.step === 'tracker.release') || !record || record.status_desc === 'RELEASED';
      if (!trackerStepRan) throw new Unrecoverable('the dispatcher stopped before this release changed anything; release again');
      await steps.done('resume', 'destroy and wait until gone, after a restart');
      await retryLater(cloud, idVm, () => deps.assignments.destroyReleased(cloud, idVm, steps));
      return { id_vm: idVm, id: record?.id ?? 0, result: `Node ${idVm} released and deleted` };
    },

    'vm.destroy': async (op, steps) => {
      const cloud = cloudOf(deps.pool, op);
      const idVm = targetOf(op);
      await steps.done('resume', 'destroy and wait until gone, after a restart');
      return retryLater(cloud, idVm, () => deps.vms.destroyIfPresent(cloud, idVm, steps));
    },
  };
}

/** A transient cloud fault leaves the operation for the next pass: the VM may still cost money. */
async function retryLater<T>(cloud: CloudConnection, idVm: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const cause = isDispatcherError(err) && err.cause !== undefined ? err.cause : err;
    if (!isUnknownOutcome(cause) && !isDispatcherError(cause, 'throttled') && !isDispatcherError(cause, 'unavailable')) throw err;
    const error = toDispatcherError(err);
    throw new UnresolvedOutcome(`cloud ${cloud.name}: VM ${idVm} not confirmed deleted (${error.message}); the next recovery pass tries again`, error);
  }
}

function unresolvedSince(op: Operation): number {
  const last = op.steps.at(-1);
  return last?.step === 'unresolved' ? Date.parse(last.at) : Date.now();
}

function cloudOf(pool: CloudPool, op: Operation): CloudConnection {
  if (!op.cloud) throw new Unrecoverable('no cloud recorded');
  try {
    return pool.resolve(op.cloud);
  } catch {
    throw new Unrecoverable(`cloud ${op.cloud} is no longer configured`);
  }
}

function targetOf(op: Operation): string {
  if (!op.target) throw new Unrecoverable('the dispatcher stopped before the VM was known');
  return op.target;
}
