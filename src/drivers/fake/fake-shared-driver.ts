// The fake cloud with its VMs in PostgreSQL (option `shared`), for several dispatcher processes
// on one cloud: everything but the VMs (latency, faults, credentials, images, sizes) is the
// in-memory fake's; each VM call is one statement on the shared table (fake-vm-table.ts).
// Images saved from VMs stay in the process that saved them.
import { DispatcherError, notFound } from '../../domain/errors.js';
import type { CreateVmRequest, Image, PortRule, SaveImageRequest, Vm, VmState } from '../../domain/vm-model.js';
import type { DriverContext } from '../driver.js';
import { FakeDriver, portKey } from './fake-driver.js';
import type { FakeOptions } from './fake-options.js';
import { FakeVmTable } from './fake-vm-table.js';

export type SharedFakeOptions = FakeOptions & { shared: NonNullable<FakeOptions['shared']> };

export class SharedFakeDriver extends FakeDriver {
  private readonly table: FakeVmTable;

  constructor(context: DriverContext<FakeOptions>) {
    super(context);
    const { shared } = this.options as SharedFakeOptions;
    this.table = new FakeVmTable(shared.databaseUrl, shared.table, this.cloudName, context.logger);
  }

  override async connect(): Promise<void> {
    await this.table.open(() => Array.from({ length: this.options.preload.count }, (_, i) => this.preloaded(i)));
    await super.connect();
  }

  override async close(): Promise<void> {
    await super.close();
    await this.table.close();
  }

  override async listVms(options: { includeTerminated?: boolean } = {}, signal?: AbortSignal): Promise<Vm[]> {
    await this.call('listVms', signal);
    const vms = await this.table.list(Date.now());
    return options.includeTerminated ? vms : vms.filter((vm) => vm.state !== 'terminated');
  }

  override async getVm(id: string, signal?: AbortSignal): Promise<Vm | null> {
    await this.call('getVm', signal);
    return this.table.get(id, Date.now());
  }

  override async findVmByName(name: string, signal?: AbortSignal): Promise<Vm | null> {
    await this.call('findVmByName', signal);
    return this.table.findByName(name, Date.now());
  }

  override async findVmByRequestId(requestId: string, signal?: AbortSignal): Promise<Vm | null> {
    await this.call('findVmByRequestId', signal);
    return this.table.findByRequestId(requestId, Date.now());
  }

  override async createVm(request: CreateVmRequest, signal?: AbortSignal): Promise<Vm> {
    await this.call('createVm', signal);
    const now = Date.now();
    const vm = await this.table.create(this.newRecord(request, now), now);
    return this.answer(vm, signal);
  }

  override async destroyVm(id: string, signal?: AbortSignal): Promise<void> {
    await this.call('destroyVm', signal);
    const now = Date.now();
    if (!(await this.table.destroy(id, now + this.options.destroyDelayMs, now))) throw notFound('vm', id);
  }

  override async rebootVm(id: string, signal?: AbortSignal): Promise<void> {
    await this.call('rebootVm', signal);
    await this.changePowerShared(id, ['running'], 'rebooting', 'running');
  }

  override async stopVm(id: string, signal?: AbortSignal): Promise<void> {
    await this.call('stopVm', signal);
    await this.changePowerShared(id, ['running'], 'stopping', 'stopped');
  }

  override async startVm(id: string, signal?: AbortSignal): Promise<void> {
    await this.call('startVm', signal);
    await this.changePowerShared(id, ['stopped'], 'pending', 'running');
  }

  override async createImage(vmId: string, request: SaveImageRequest, signal?: AbortSignal): Promise<Image> {
    await this.call('createImage', signal);
    const vm = await this.table.get(vmId, Date.now());
    if (!vm) throw notFound('vm', vmId);
    return this.images.save(vm, request);
  }

  override async openPort(vmId: string, rule: PortRule, signal?: AbortSignal): Promise<void> {
    await this.call('openPort', signal);
    if (!(await this.table.setPort(vmId, portKey(rule), true, Date.now()))) throw notFound('vm', vmId);
  }

  override async closePort(vmId: string, rule: PortRule, signal?: AbortSignal): Promise<void> {
    await this.call('closePort', signal);
    if (!(await this.table.setPort(vmId, portKey(rule), false, Date.now()))) throw notFound('vm', vmId);
  }

  // The in-memory fake's synchronous inspection helpers cannot read a shared table: a test of the
  // shared cloud reads the table itself.
  override openPorts(): string[] {
    throw new Error('shared fake cloud: read the open ports from its table');
  }

  override deleteBehindTheBack(): boolean {
    throw new Error('shared fake cloud: delete the row from its table');
  }

  override get size(): number {
    throw new Error('shared fake cloud: count the rows of its table');
  }

  private async changePowerShared(id: string, from: VmState[], via: VmState, to: VmState): Promise<void> {
    const now = Date.now();
    if (await this.table.changePower(id, from, via, to, now + this.options.stopDelayMs, now)) return;
    const vm = await this.table.get(id, now);
    if (!vm) throw notFound('vm', id);
    throw new DispatcherError('conflict', `vm ${id} is ${vm.state}, not ${from.join(' or ')}`, { code: 'IncorrectState' });
  }
}
