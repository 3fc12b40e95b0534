// Assign and release, through whichever tracker is configured (built-in or Cistern).
// Assign touches only the tracker. Release un-assigns, destroys, and waits until the cloud no
// longer lists the VM; a failure after the un-assign is answered as such and kept on record.
import { DispatcherError, toDispatcherError } from '../domain/errors.js';
import type { Tracker, TrackerRecord, TrackerResult } from '../cistern/tracker.js';
import type { CloudConnection } from '../pool/cloud-connection.js';
import type { OperationService, StepRecorder } from './operation-service.js';
import { OPEN_ADMISSION, type Admission } from './service-ports.js';
import type { CallContext, VmRef, VmService } from './vm-service.js';

export interface AssignInput extends VmRef {
  user: string;
  vmType: string;
}

export class AssignmentService {
  constructor(
    private readonly deps: {
      tracker: Tracker;
      vms: VmService;
      operations: OperationService;
      /** Disabled clouds, retiring VMs, user limits: checked before the tracker is asked (v1 and v2 alike). */
      admission?: Admission;
    },
  ) {}

  get tracker(): Tracker {
    return this.deps.tracker;
  }

  /** The assigned and free, non-faulty records of a cloud (v1 `/vm/status`). */
  status(cloud: CloudConnection): Promise<TrackerRecord[]> {
    return this.deps.tracker.listNodes(cloud.name, false);
  }

  /** One record of the cloud by the tracker's own id (v2's assignment id), any status, through an index. */
  record(cloud: CloudConnection, trackerId: number): Promise<TrackerRecord | undefined> {
    return this.deps.tracker.findNode(cloud.name, { id: trackerId });
  }

  /** assign, answering the record as it now is (v2 presents it). */
  async assignRecord(cloud: CloudConnection, input: AssignInput): Promise<TrackerRecord> {
    const result = await this.assign(cloud, input);
    const record = await this.deps.tracker.findNode(cloud.name, { idVm: result.id_vm });
    if (!record) throw new DispatcherError('tracker-fault', `the tracker lost record ${result.id} right after assigning it`);
    return record;
  }

  async assign(cloud: CloudConnection, input: AssignInput): Promise<TrackerResult> {
    // Resolved to one VM id first: the tracker acts on that VM alone, whatever its name.
    const idVm = input.node ?? (await this.recordFor(cloud, input)).id_vm;
    const admission = this.deps.admission ?? OPEN_ADMISSION;
    return admission.assign(cloud, { idVm, user: input.user }, () => this.deps.tracker.assign(cloud.name, { idVm, user: input.user, vmType: input.vmType }));
  }

  async release(cloud: CloudConnection, ref: VmRef, { userId, operationId }: CallContext = {}): Promise<TrackerResult> {
    if (!ref.node && !ref.hostname) throw new DispatcherError('bad-request', 'no valid node id nor hostname here', { code: 'NoNodeRef' });
    cloud.require('destroy');
    // Resolved before anything changes: a tracker fault here leaves the cloud untouched.
    const record = await this.recordFor(cloud, ref);
    return this.deps.operations.run({ kind: 'vm.release', cloud: cloud.name, target: record.id_vm, userId, request: ref, operationId }, async (steps) => {
      const released = await this.deps.tracker.release(cloud.name, record.id_vm);
      // A tracker that keeps the record RELEASED has it on record already (recovery reads it there):
      // the step rides on the next write. Otherwise it is written before the cloud is called.
      if (this.deps.tracker.keepsReleased) steps.note('tracker.release', released.result);
      else await steps.done('tracker.release', released.result);
      await this.destroyReleased(cloud, record.id_vm, steps);
      return { ...released, result: `${released.result} and deleted` };
    });
  }

  /**
   * The release's second half: destroy the VM and poll until the cloud no longer lists it. Also
   * how a release cut by a crash after its tracker step is finished (operation-recovery.ts).
   */
  async destroyReleased(cloud: CloudConnection, idVm: string, steps: StepRecorder): Promise<void> {
    try {
      await this.deps.vms.destroyIfPresent(cloud, idVm, steps);
    } catch (err) {
      const cause = toDispatcherError(err);
      throw new DispatcherError(
        cause.kind === 'timeout' ? 'timeout' : 'provider-fault',
        `node ${idVm} was released in the tracker but not deleted on cloud ${cloud.name}: ${cause.message}`,
        { code: cause.code ?? 'DestroyFailed', cause },
      );
    }
  }

  /** The tracker's record of a VM named by id or hostname (a hostname several live VMs carry is a 409 AmbiguousHostname). */
  private async recordFor(cloud: CloudConnection, ref: VmRef): Promise<TrackerRecord> {
    const record = await this.deps.tracker.findNode(cloud.name, ref.node ? { idVm: ref.node } : { hostname: ref.hostname });
    if (!record) {
      throw new DispatcherError('not-found', `no tracked node ${ref.node ?? ref.hostname} on cloud ${cloud.name}`, { subject: 'vm' });
    }
    return record;
  }
}

