// The ports the services consume and another layer implements: admin/ admits starts and assigns
// (AdmissionGuard) and keeps the record of VM lives (RecordingLifecycle). They are declared here,
// by their consumer, so services/ imports nothing of admin/ and both are composed in one pass.
import type { Vm } from '../domain/vm-model.js';
import type { CloudConnection } from '../pool/cloud-connection.js';

/** The gate VmService.start and AssignmentService.assign pass: it refuses before the cloud (or the tracker) is called. */
export interface Admission {
  /** The start checks alone, reserving nothing (a caller about to queue a start asks first). */
  checkStart(cloud: CloudConnection): Promise<void>;
  start<T>(cloud: CloudConnection, work: () => Promise<T>): Promise<T>;
  assign<T>(cloud: CloudConnection, vm: { idVm: string; user: string }, work: () => Promise<T>): Promise<T>;
}

/** No gate at all: what a service uses when it is given none. */
export const OPEN_ADMISSION: Admission = {
  checkStart: async () => {},
  start: (_cloud, work) => work(),
  assign: (_cloud, _vm, work) => work(),
};

/** What VmService tells about VMs: one was created (the start of its startup time), one was destroyed by us. Bookkeeping never fails the request. */
export interface VmLifecycle {
  /** `ownerUserId`: the user who started it (its owner from then on). */
  created(cloud: string, vm: Vm, info: { image: string; size: string; requestedAt: Date; ownerUserId?: number }): Promise<void>;
  destroyed(cloud: string, vmId: string): Promise<void>;
}
