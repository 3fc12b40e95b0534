// The admin side's VmLifecycle (the port VmService declares): a creation starts the VM's record
// (its startup time), a destruction by us ends it and drops its flags. Never fails the request.
import type { Logger } from '../log/logger.js';
import type { Vm } from '../domain/vm-model.js';
import type { AdminStore } from '../store/admin-store.js';
import type { VmRecordStore } from '../store/vm-record-store.js';
import type { VmLifecycle } from '../services/service-ports.js';

export class RecordingLifecycle implements VmLifecycle {
  constructor(private readonly deps: { records: VmRecordStore; admin: AdminStore; logger: Logger }) {}

  async created(cloud: string, vm: Vm, info: { image: string; size: string; requestedAt: Date; ownerUserId?: number }): Promise<void> {
    try {
      await this.deps.records.created({ cloud, idVm: vm.id, name: vm.name, image: info.image, size: info.size, requestedAt: info.requestedAt, state: vm.state, ownerUserId: info.ownerUserId });
    } catch (err) {
      this.deps.logger.warn({ cloud, vm: vm.id, err }, 'could not record a VM creation (metrics will miss it)');
    }
  }

  async destroyed(cloud: string, vmId: string): Promise<void> {
    try {
      await Promise.all([this.deps.records.end(cloud, vmId, 'destroyed'), this.deps.admin.clearFlags(cloud, vmId)]);
    } catch (err) {
      this.deps.logger.warn({ cloud, vm: vmId, err }, 'could not record a VM destruction');
    }
  }
}
