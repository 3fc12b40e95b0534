// A create whose answer never came (timed out, connection lost, cut by a crash) may or may not
// have made a VM. Every start sends a request id, stored on its operation before the cloud is
// called; the VM carries it as a tag, so the outcome is looked up by it: found → the VM is
// recorded and tracked FREE like any other; absent → the start failed; the lookup itself
// failing → unresolved, left for the next recovery pass (never forgotten).
import { DispatcherError, isDispatcherError, toDispatcherError } from '../domain/errors.js';
import type { Vm } from '../domain/vm-model.js';
import type { Tracker } from '../cistern/tracker.js';
import type { CloudConnection } from '../pool/cloud-connection.js';
import type { VmLifecycle } from './service-ports.js';
import { UnresolvedOutcome, type StepRecorder } from './operation-service.js';

/** What a start stores as its request (v2 drops userData before storing it). */
export interface StartedRequest {
  name: string;
  metadata?: Record<string, string>;
}

/**
 * Errors after which the create may have happened: a timeout, a provider fault (5xx, a reset
 * connection), `unavailable` (OpenStack reports a connection reset after the request was sent
 * that way), anything not translated. A refusal (bad request, throttled, quota …) made nothing.
 */
export function isUnknownOutcome(err: unknown): boolean {
  if (!isDispatcherError(err)) return true;
  return err.kind === 'timeout' || err.kind === 'provider-fault' || err.kind === 'unavailable' || err.kind === 'internal';
}

/** The VM a create with this request id made, or null when the cloud confirms none; UnresolvedOutcome when it cannot say. */
export async function lookupCreate(cloud: CloudConnection, requestId: string, steps: StepRecorder, cause?: unknown): Promise<Vm | null> {
  let vm: Vm | null;
  try {
    vm = await cloud.call('findVmByRequestId', undefined, (d, signal) => d.findVmByRequestId(requestId, signal));
  } catch (err) {
    const outcome = toDispatcherError(cause ?? err);
    const because = cause === undefined ? '' : ` after ${toDispatcherError(cause).message}`;
    throw new UnresolvedOutcome(
      `cloud ${cloud.name}: the outcome of create ${requestId} is unknown${because}; looking it up failed (${toDispatcherError(err).message}), the next recovery pass tries again`,
      outcome,
    );
  }
  const found = vm && vm.state !== 'terminated' ? vm : null;
  await steps.done('lookup', found ? `request ${requestId} made ${found.id}` : `request ${requestId} made no VM`);
  return found;
}

/** Records and tracks (FREE) a VM found by its request id, unless the tracker already has it. */
export async function adoptCreated(
  deps: { tracker: Tracker; lifecycle?: VmLifecycle },
  cloud: CloudConnection,
  vm: Vm,
  request: StartedRequest,
  steps: StepRecorder,
  /** Who started it: an adopted VM belongs to its starter like any other (not to admins only). */
  ownerUserId?: number,
): Promise<Vm> {
  await steps.done('create', `${vm.id} (found by request id)`, vm.id);
  if (await deps.tracker.findNode(cloud.name, { idVm: vm.id })) {
    await steps.done('track', 'already tracked');
    return vm;
  }
  await deps.lifecycle?.created(cloud.name, vm, { image: vm.imageId ?? '', size: vm.sizeId ?? '', requestedAt: new Date(vm.createdAt ?? Date.now()), ownerUserId });
  await deps.tracker.register(cloud.name, { id_vm: vm.id, hostname: vm.name, recipe: request.metadata?.vm_type });
  await steps.done('track', 'FREE');
  return vm;
}

/**
 * What a lookup that found nothing means. Right after the create was sent it proves little: the
 * cloud may still be working on it (the call outlived our timeout) or not list it yet (EC2 is
 * eventually consistent). So absence is final only once the cloud's callTimeoutMs has passed since
 * the create was sent (`sentAt`, or a later moment); before that the start stays unresolved.
 */
export function absentOutcome(cloud: CloudConnection, requestId: string, cause: unknown, sentAt: number): DispatcherError {
  const error = toDispatcherError(cause);
  if (Date.now() - sentAt < cloud.config.callTimeoutMs) {
    return new UnresolvedOutcome(
      `cloud ${cloud.name}: no VM of create ${requestId} yet after ${error.message}; absence is confirmed ${cloud.config.callTimeoutMs} ms after the create was sent`,
      error,
    );
  }
  return new DispatcherError(error.kind, `${error.message} (the cloud has no VM of request ${requestId})`, { code: error.code, cause: error });
}
