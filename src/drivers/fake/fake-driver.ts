// An in-memory cloud: a product feature for demos, docs and benchmarks, and the reference
// implementation of the driver contract. State transitions are computed lazily from timestamps,
// so ten thousand VMs cost no timers; lookups by id and by name are Map hits.
import { randomUUID } from 'node:crypto';
import { ALL_CAPABILITIES, capabilitySet, type CapabilitySet } from '../../domain/capabilities.js';
import { DispatcherError, notFound } from '../../domain/errors.js';
import {
  ownershipMetadata,
  type CreateVmRequest,
  type Image,
  type KeyPair,
  type PortRule,
  type SaveImageRequest,
  type Size,
  type Tenant,
  type Vm,
  type VmState,
} from '../../domain/vm-model.js';
import { pauseUnlessAborted, throwIfAborted } from '../driver-abort.js';
import type { Driver, DriverContext } from '../driver.js';
import type { FakeOptions } from './fake-options.js';
import { FakeImages } from './fake-images.js';
import { FakeStateFile, type FakeVmRecord } from './fake-state-file.js';
import { seededRandom, type Random } from './fake-random.js';

type FakeVm = FakeVmRecord;

export class FakeDriver implements Driver {
  readonly provider = 'fake';
  readonly displayName = 'Fake';
  readonly host: string;
  readonly capabilities: CapabilitySet;
  /** Calls received per operation: lets demos, tests and benchmarks count provider round trips. */
  readonly calls: Record<string, number> = {};

  protected readonly options: FakeOptions;
  protected readonly cloudName: string;
  protected readonly random: Random;
  private readonly vms = new Map<string, FakeVm>();
  /** Name → id, or ids when several VMs share a name (rare: one Set per name would cost ~150 bytes per VM). */
  private readonly byName = new Map<string, string | Set<string>>();
  private readonly byRequestId = new Map<string, string>();
  private credentialValid = false;
  private serial = 0;
  protected faults: FakeOptions['faults'];
  private readonly stateFile?: FakeStateFile;
  protected readonly images: FakeImages;

  constructor(context: DriverContext<FakeOptions>) {
    this.options = context.options;
    this.cloudName = context.cloudName;
    this.host = this.options.host ?? `${context.cloudName}.fake.invalid`;
    this.random = seededRandom(this.options.seed);
    this.faults = { ...this.options.faults };
    this.capabilities = this.options.capabilities ? capabilitySet(...this.options.capabilities) : ALL_CAPABILITIES;
    this.images = new FakeImages(this.options.images, this.options.bootDelayMs);
    this.stateFile = this.options.statePath ? new FakeStateFile(this.options.statePath) : undefined;
    // Under the file's lock: of several processes starting on one new file, one preloads.
    const saved = this.stateFile?.enter();
    if (saved) {
      this.replaceState(saved);
    } else if (!this.options.shared) {
      for (let i = 0; i < this.options.preload.count; i++) this.insert(this.preloaded(i));
      this.persist();
    }
  }

  async connect(): Promise<void> {
    this.credentialValid = true;
  }

  async renewCredentials(): Promise<void> {
    this.count('renewCredentials');
    this.credentialValid = true;
  }

  async close(): Promise<void> {
    this.credentialValid = false;
  }

  async listVms(options: { includeTerminated?: boolean } = {}, signal?: AbortSignal): Promise<Vm[]> {
    await this.call('listVms', signal);
    const now = Date.now();
    const out: Vm[] = [];
    for (const record of [...this.vms.values()]) {
      const vm = this.settle(record, now);
      if (vm && (options.includeTerminated || vm.state !== 'terminated')) out.push(vm);
    }
    return out;
  }

  async getVm(id: string, signal?: AbortSignal): Promise<Vm | null> {
    await this.call('getVm', signal);
    const record = this.vms.get(id);
    return record ? this.settle(record, Date.now()) : null;
  }

  async findVmByName(name: string, signal?: AbortSignal): Promise<Vm | null> {
    await this.call('findVmByName', signal);
    const now = Date.now();
    const ids = this.byName.get(name) ?? [];
    for (const id of typeof ids === 'string' ? [ids] : ids) {
      const record = this.vms.get(id);
      const vm = record && this.settle(record, now);
      if (vm) return vm;
    }
    return null;
  }

  async findVmByRequestId(requestId: string, signal?: AbortSignal): Promise<Vm | null> {
    await this.call('findVmByRequestId', signal);
    const id = this.byRequestId.get(requestId);
    const record = id === undefined ? undefined : this.vms.get(id);
    return record ? this.settle(record, Date.now()) : null;
  }

  async createVm(request: CreateVmRequest, signal?: AbortSignal): Promise<Vm> {
    await this.call('createVm', signal);
    const existing = this.byRequestId.get(request.requestId);
    const again = existing === undefined ? undefined : this.vms.get(existing);
    if (again) return this.settle(again, Date.now()) ?? again.vm;
    const record = this.newRecord(request, Date.now());
    this.insert(record);
    this.persist();
    return this.answer(record.vm, signal);
  }

  /** A new VM for `request` (its image, size and key pair checked), booting from `now`. */
  protected newRecord(request: CreateVmRequest, now: number): FakeVm {
    const image = this.images.find(request.imageId);
    if (!image) throw new DispatcherError('bad-request', `image ${request.imageId} not found`, { subject: 'image', code: 'ImageNotFound' });
    if (!this.options.sizes.some((s) => s.id === request.sizeId)) {
      throw new DispatcherError('bad-request', `size ${request.sizeId} not found`, { subject: 'size', code: 'SizeNotFound' });
    }
    if (request.keyName && !this.options.keyPairs.includes(request.keyName)) {
      throw new DispatcherError('bad-request', `key pair ${request.keyName} not found`, { subject: 'keypair', code: 'KeyPairNotFound' });
    }
    const fails = image.failBoot === true || this.random() < this.faults.bootFailureRate;
    return {
      vm: frozenVm({
        id: randomUUID(),
        name: request.name,
        state: 'pending',
        publicIps: [],
        privateIps: [this.nextIp()],
        imageId: request.imageId,
        sizeId: request.sizeId,
        createdAt: new Date(now).toISOString(),
        metadata: { ...request.metadata, ...ownershipMetadata(this.cloudName, request.requestId, new Date(now)) },
        extra: { size: request.sizeId, image: request.imageId, keyName: request.keyName ?? null },
      }),
      requestId: request.requestId,
      transition: fails
        ? { to: 'error', at: now + this.options.bootDelayMs, fault: `No valid host was found for image ${image.name}` }
        : { to: 'running', at: now + this.options.bootDelayMs },
    };
  }

  /** A create's answer, through the lost-answer and answer-delay faults. */
  protected async answer(vm: Vm, signal?: AbortSignal): Promise<Vm> {
    if (this.faults.lostAnswerRate > 0 && this.random() < this.faults.lostAnswerRate) {
      // The cloud made the VM; the caller never hears so (a reset connection, a proxy timeout).
      throw new DispatcherError('provider-fault', 'fake cloud: connection reset before the answer arrived', { code: 'ECONNRESET' });
    }
    if (this.faults.answerDelayMs > 0) await pauseUnlessAborted(this.faults.answerDelayMs, signal);
    return vm;
  }

  async destroyVm(id: string, signal?: AbortSignal): Promise<void> {
    await this.call('destroyVm', signal);
    const record = this.live(id);
    record.vm = frozenVm({ ...record.vm, state: 'stopping' });
    record.transition = { to: 'terminated', at: Date.now() + this.options.destroyDelayMs };
    this.settle(record, Date.now());
    this.persist();
  }

  async rebootVm(id: string, signal?: AbortSignal): Promise<void> {
    await this.call('rebootVm', signal);
    this.changePower(this.live(id), ['running'], 'rebooting', 'running');
  }

  async stopVm(id: string, signal?: AbortSignal): Promise<void> {
    await this.call('stopVm', signal);
    this.changePower(this.live(id), ['running'], 'stopping', 'stopped');
  }

  async startVm(id: string, signal?: AbortSignal): Promise<void> {
    await this.call('startVm', signal);
    this.changePower(this.live(id), ['stopped'], 'pending', 'running');
  }

  async listImages(signal?: AbortSignal): Promise<Image[]> {
    await this.call('listImages', signal);
    return this.images.list();
  }

  async createImage(vmId: string, request: SaveImageRequest, signal?: AbortSignal): Promise<Image> {
    await this.call('createImage', signal);
    return this.images.save(this.live(vmId).vm, request);
  }

  async getImage(imageId: string, signal?: AbortSignal): Promise<Image | null> {
    await this.call('getImage', signal);
    return this.images.get(imageId);
  }

  async deleteImage(imageId: string, signal?: AbortSignal): Promise<void> {
    await this.call('deleteImage', signal);
    this.images.delete(imageId);
  }

  async listSizes(signal?: AbortSignal): Promise<Size[]> {
    await this.call('listSizes', signal);
    return this.options.sizes.map((s) => ({ ...s }));
  }

  async listTenants(signal?: AbortSignal): Promise<Tenant[]> {
    await this.call('listTenants', signal);
    return [{ id: `${this.cloudName}-tenant`, name: this.options.tenant }];
  }

  async listKeyPairs(signal?: AbortSignal): Promise<KeyPair[]> {
    await this.call('listKeyPairs', signal);
    return this.options.keyPairs.map((name) => ({ name }));
  }

  async openPort(vmId: string, rule: PortRule, signal?: AbortSignal): Promise<void> {
    await this.call('openPort', signal);
    const record = this.live(vmId);
    (record.ports ??= new Set()).add(portKey(rule));
    this.persist();
  }

  async closePort(vmId: string, rule: PortRule, signal?: AbortSignal): Promise<void> {
    await this.call('closePort', signal);
    this.live(vmId).ports?.delete(portKey(rule));
    this.persist();
  }

  /** The open ports of a VM, as `protocol:port:cidr` strings (demos and tests look at them). */
  openPorts(vmId: string): string[] {
    return [...(this.vms.get(vmId)?.ports ?? [])];
  }

  /** Deletes a VM without the dispatcher's knowledge, as an operator on the cloud's console would. */
  deleteBehindTheBack(vmId: string): boolean {
    const record = this.vms.get(vmId);
    if (record) this.remove(record);
    this.persist();
    return record !== undefined;
  }

  /** Changes fault injection at run time (chaos demos; tests of faults half-way through a conversation). */
  setFaults(faults: Partial<FakeOptions['faults']>): void {
    this.faults = { ...this.faults, ...faults };
  }

  get size(): number {
    return this.vms.size;
  }

  /** The simulated round trip; an aborted call ends its wait at once and does nothing at the cloud. */
  protected async call(operation: string, signal?: AbortSignal): Promise<void> {
    this.count(operation);
    throwIfAborted(signal);
    const { latencyMs, jitterMs } = this.options;
    const faults = this.faults;
    const delay = latencyMs + (jitterMs > 0 ? this.random() * jitterMs : 0);
    if (delay > 0) await pauseUnlessAborted(delay, signal);
    if (!this.credentialValid) {
      throw new DispatcherError('credentials-expired', 'fake credential expired', { code: 'TokenExpired' });
    }
    if (faults.credentialExpiryRate > 0 && this.random() < faults.credentialExpiryRate) {
      this.credentialValid = false;
      throw new DispatcherError('credentials-expired', 'fake credential expired', { code: 'TokenExpired' });
    }
    if (faults.throttleRate > 0 && this.random() < faults.throttleRate) {
      throw new DispatcherError('throttled', 'fake cloud: request limit exceeded', { code: 'RequestLimitExceeded', retryAfterMs: 1000 });
    }
    if (faults.errorRate > 0 && this.random() < faults.errorRate) {
      throw new DispatcherError('provider-fault', 'fake cloud: injected internal error', { code: 'InternalError' });
    }
    if (faults.timeoutRate > 0 && this.random() < faults.timeoutRate) {
      await pauseUnlessAborted(faults.hangMs, signal);
      throw new DispatcherError('timeout', `fake cloud did not answer within ${faults.hangMs} ms`, { code: 'Timeout' });
    }
    // What follows in the calling method runs at once, under the state file's lock, on the latest state.
    const changed = this.stateFile?.enter();
    if (changed) this.replaceState(changed);
  }

  /** The state another process sharing the state file wrote, in place of this one's. */
  private replaceState(saved: { serial: number; vms: FakeVm[] }): void {
    this.vms.clear();
    this.byName.clear();
    this.byRequestId.clear();
    this.serial = saved.serial;
    for (const stored of saved.vms) this.insert({ ...stored, vm: frozenVm(stored.vm) });
  }

  protected count(operation: string): void {
    this.calls[operation] = (this.calls[operation] ?? 0) + 1;
  }

  /** Applies a due transition; returns the VM (frozen: shared with every caller), or null once it is gone. */
  private settle(record: FakeVm, now: number): Vm | null {
    const t = record.transition;
    if (t && now >= t.at) {
      record.transition = undefined;
      const publicIps = t.to === 'running' && record.vm.publicIps.length === 0 ? [this.nextPublicIp()] : record.vm.publicIps;
      record.vm = frozenVm({ ...record.vm, state: t.to, publicIps, ...(t.fault ? { fault: t.fault } : {}) });
      if (t.to === 'terminated') {
        this.remove(record);
        this.persist();
        return null;
      }
      this.persist();
    }
    return record.vm;
  }

  private live(id: string): FakeVm {
    const record = this.vms.get(id);
    if (!record || this.settle(record, Date.now()) === null) throw notFound('vm', id);
    return record;
  }

  private changePower(record: FakeVm, from: VmState[], via: VmState, to: VmState): void {
    if (!from.includes(record.vm.state)) {
      throw new DispatcherError('conflict', `vm ${record.vm.id} is ${record.vm.state}, not ${from.join(' or ')}`, { code: 'IncorrectState' });
    }
    record.vm = frozenVm({ ...record.vm, state: via });
    record.transition = { to, at: Date.now() + this.options.stopDelayMs };
    this.persist();
  }

  private persist(): void {
    this.stateFile?.save(this.serial, this.vms.values());
  }

  private insert(record: FakeVm): void {
    this.vms.set(record.vm.id, record);
    this.byRequestId.set(record.requestId, record.vm.id);
    const { id, name } = record.vm;
    const ids = this.byName.get(name);
    if (ids === undefined) this.byName.set(name, id);
    else if (typeof ids === 'string') this.byName.set(name, new Set([ids, id]));
    else ids.add(id);
  }

  private remove(record: FakeVm): void {
    this.vms.delete(record.vm.id);
    this.byRequestId.delete(record.requestId);
    const { id, name } = record.vm;
    const ids = this.byName.get(name);
    if (ids === id) this.byName.delete(name);
    else if (typeof ids === 'object') {
      ids.delete(id);
      if (ids.size === 0) this.byName.delete(name);
    }
  }

  protected preloaded(i: number): FakeVm {
    const image = this.options.images[0];
    const size = this.options.sizes[0];
    const requestId = `preload-${i}`;
    return {
      vm: frozenVm({
        id: randomUUID(),
        name: `${this.options.preload.namePrefix}-${i}`,
        state: 'running',
        publicIps: [this.nextPublicIp()],
        privateIps: [this.nextIp()],
        imageId: image.id,
        sizeId: size.id,
        createdAt: new Date().toISOString(),
        metadata: ownershipMetadata(this.cloudName, requestId),
        extra: { size: size.id, image: image.id, keyName: null },
      }),
      requestId,
    };
  }

  private nextIp(): string {
    const n = ++this.serial;
    return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  }

  private nextPublicIp(): string {
    const n = this.serial;
    return `203.0.${(n >> 8) & 255}.${n & 255}`;
  }
}

/**
 * A VM as the fake keeps it: never changed in place (a change stores a new object), so it is
 * handed out as is instead of copied per call — 10,000 copies per listing were most of a list's
 * cost — and frozen so that a caller changing what a cloud answered fails loudly.
 */
function frozenVm(vm: Vm): Vm {
  Object.freeze(vm.metadata);
  if (vm.extra) Object.freeze(vm.extra);
  Object.freeze(vm.publicIps);
  Object.freeze(vm.privateIps);
  return Object.freeze(vm);
}

export function portKey(rule: PortRule): string {
  return `${rule.protocol}:${rule.port}:${rule.cidr}`;
}
