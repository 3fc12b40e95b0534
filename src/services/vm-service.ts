// Everything the APIs do to VMs, images and sizes, whatever the version that asks.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DispatcherError, isDispatcherError } from '../domain/errors.js';
import type { Image, KeyPair, PortRule, Size, Tenant, Vm } from '../domain/vm-model.js';
import { ambiguousHostname, isLive, type Tracker } from '../cistern/tracker.js';
import type { CloudConnection } from '../pool/cloud-connection.js';
import type { CloudPool } from '../pool/cloud-pool.js';
import type { CatalogCache } from './catalog-cache.js';
import type { OperationService, StepRecorder } from './operation-service.js';
import { VmListingCache, type VmListing } from './vm-listing-cache.js';
import { absentOutcome, adoptCreated, isUnknownOutcome, lookupCreate } from './start-resolution.js';
import { OPEN_ADMISSION, type Admission, type VmLifecycle } from './service-ports.js';

/** How a caller names a VM: by the cloud's id or by its name (v1's `node` / `hostname`). */
export interface VmRef {
  node?: string;
  hostname?: string;
}

/** Whom a service call acts for and where it belongs: one object rather than trailing optional parameters. */
export interface CallContext {
  /** The user asking (the owner of what a start creates); absent when auth is off or the process acts itself. */
  userId?: number;
  /** The operation created earlier for this work (v2 queues it first); absent: the call creates its own. */
  operationId?: string;
  /** A start's logical create id (see start); the same on a retry under the same Idempotency-Key. */
  requestId?: string;
  /** The caller drew `requestId` itself and no start has used it yet (a cluster member just written): no earlier create to look for. */
  requestIdUnsent?: boolean;
}

export interface StartRequest {
  name: string;
  image: string;
  size: string;
  keyName?: string;
  metadata?: Record<string, string>;
  userData?: string;
}

export interface WaitOptions {
  pollIntervalMs: number;
  timeoutMs: number;
}

export type PowerAction = 'reboot' | 'power-off' | 'power-on';

export class VmService {
  private readonly listings = new VmListingCache();

  constructor(
    private readonly deps: {
      pool: CloudPool;
      tracker: Tracker;
      catalog: CatalogCache;
      operations: OperationService;
      wait: WaitOptions;
      /** Drain, disabled clouds, allocations: checked before any cloud call (v1 and v2 alike). */
      admission?: Admission;
      /** Told of each VM created and destroyed (startup-time metrics, retiring flags). */
      lifecycle?: VmLifecycle;
    },
  ) {}

  cloud(name?: string): CloudConnection {
    return this.deps.pool.resolve(name);
  }

  listVms(cloud: CloudConnection): Promise<Vm[]> {
    return cloud.call('listVms', 'list', (d, signal) => d.listVms({}, signal));
  }

  /** For list pages only (may be up to listCacheMs old, see vm-listing-cache.ts); what acts on a VM uses listVms. */
  listingForPages(cloud: CloudConnection): Promise<VmListing> {
    return this.listings.list(cloud, () => this.listVms(cloud));
  }

  listImages(cloud: CloudConnection): Promise<Image[]> {
    return this.deps.catalog.listImages(cloud);
  }

  listSizes(cloud: CloudConnection): Promise<Size[]> {
    return this.deps.catalog.listSizes(cloud);
  }

  listTenants(cloud: CloudConnection): Promise<Tenant[]> {
    return cloud.call('listTenants', 'tenants', (d, signal) => d.listTenants(signal));
  }

  listKeyPairs(cloud: CloudConnection): Promise<KeyPair[]> {
    return cloud.call('listKeyPairs', 'keypairs', (d, signal) => d.listKeyPairs(signal));
  }

  /** One filtered provider call by id or by name, never a list of the whole cloud when the driver can filter. */
  async findVm(cloud: CloudConnection, ref: VmRef): Promise<Vm | null> {
    if (ref.node) return cloud.call('getVm', 'get', (d, signal) => d.getVm(ref.node as string, signal));
    if (!ref.hostname) throw new DispatcherError('bad-request', 'no valid node id nor hostname here', { code: 'NoNodeRef' });
    const hostname = ref.hostname;
    // Tracked twins are a 409 AmbiguousHostname, never a guess. A tracker that is down does not
    // stop v1 stop/power/firewall: the cloud's own lookup answers then, as it did before.
    const tracked = await this.deps.tracker.findNode(cloud.name, { hostname }).catch((err: unknown) => {
      if (isDispatcherError(err, 'tracker-fault')) return undefined;
      throw err;
    });
    if (tracked && isLive(tracked)) return cloud.call('getVm', 'get', (d, signal) => d.getVm(tracked.id_vm, signal));
    if (cloud.has('find-by-name')) return cloud.call('findVmByName', undefined, (d, signal) => d.findVmByName(hostname, signal));
    const named = (await this.listVms(cloud)).filter((vm) => vm.name === hostname && vm.state !== 'terminated');
    if (named.length > 1) throw ambiguousHostname(cloud.name, hostname, named.map((vm) => vm.id));
    return named[0] ?? null;
  }

  async resolveVm(cloud: CloudConnection, ref: VmRef): Promise<Vm> {
    const vm = await this.findVm(cloud, ref);
    if (!vm) throw new DispatcherError('not-found', `no VM ${ref.node ?? ref.hostname} on cloud ${cloud.name}`, { subject: 'vm' });
    return vm;
  }

  /**
   * The checks a start passes first (drain, cloud enabled, allocation, and with `name` a name
   * Cistern already tracks), alone: v2 runs them before queueing a start so a refusal answers at once.
   */
  async checkStart(cloud: CloudConnection, name?: string): Promise<void> {
    cloud.require('create');
    await (this.deps.admission ?? OPEN_ADMISSION).checkStart(cloud);
    if (name !== undefined) await this.deps.tracker.checkNewName(cloud.name, name);
  }

  /**
   * `requestId` identifies the logical create: stored on the operation before the cloud is called
   * and written on the VM as a tag, so a create whose answer is lost is looked up by it
   * (start-resolution.ts). A start retried with the same id (v2: the same Idempotency-Key) looks
   * first, and never makes a second VM. Without a given id a fresh one is drawn: it cannot have
   * been sent before, so that start skips the look-up.
   */
  async start(cloud: CloudConnection, request: StartRequest, call: CallContext = {}): Promise<Vm> {
    const { userId, operationId, requestId: givenRequestId } = call;
    cloud.require('create');
    await this.deps.tracker.checkNewName(cloud.name, request.name);
    const requestId = givenRequestId ?? randomUUID();
    const admission = this.deps.admission ?? OPEN_ADMISSION;
    const run = { kind: 'vm.start', cloud: cloud.name, userId, request: { ...request, userData: undefined }, operationId, requestId };
    return admission.start(cloud, () => this.deps.operations.run(run, async (steps) => {
      if (givenRequestId !== undefined && !call.requestIdUnsent && (await this.deps.operations.requestIdSentBefore(requestId, steps.operationId))) {
        const earlier = await lookupCreate(cloud, requestId, steps);
        if (earlier) return adoptCreated(this.deps, cloud, earlier, request, steps, userId);
      }
      const [image, size] = await Promise.all([this.resolveImage(cloud, request.image), this.resolveSize(cloud, request.size)]);
      // The operation row with its request id is the record before the create; this step rides on the next write.
      steps.note('resolve', `image ${image.id}, size ${size.id}`);
      const requestedAt = new Date();
      let vm: Vm;
      try {
        vm = await cloud.call('createVm', 'create', (d, signal) =>
          d.createVm({ name: request.name, imageId: image.id, sizeId: size.id, keyName: request.keyName, metadata: request.metadata, userData: request.userData, requestId }, signal),
        );
      } catch (err) {
        if (!isUnknownOutcome(err)) throw err;
        const found = await lookupCreate(cloud, requestId, steps, err);
        // The send happened before this failure: from here, absence is provisional for callTimeoutMs.
        if (!found) throw absentOutcome(cloud, requestId, err, Date.now());
        return adoptCreated(this.deps, cloud, found, request, steps, userId);
      }
      // The record after the create: its step, the VM's record and its FREE tracker row are
      // written with the operation's end, which follows at once (on PostgreSQL in one
      // transaction). A crash before that is resolved by the request id, as one before any write would be.
      steps.note('create', vm.id, vm.id);
      steps.later(async () => this.deps.lifecycle?.created(cloud.name, vm, { image: image.id, size: size.id, requestedAt, ownerUserId: userId }));
      steps.later(() => this.deps.tracker.register(cloud.name, { id_vm: vm.id, hostname: vm.name, recipe: request.metadata?.vm_type }));
      steps.note('track', 'FREE');
      return vm;
    }));
  }

  /**
   * v1 "stop": destroys the VM (the original's meaning) and drops its tracker record. `vm`: the VM
   * `ref` names, already looked up by the caller (v2 answers 404 before queueing): not asked for again.
   */
  async destroy(cloud: CloudConnection, ref: VmRef, options: CallContext & { wait?: boolean; vm?: Vm } = {}): Promise<Vm> {
    cloud.require('destroy');
    return this.deps.operations.run(
      { kind: 'vm.destroy', cloud: cloud.name, userId: options.userId, request: ref, operationId: options.operationId },
      async (steps) => {
        const vm = options.vm ?? (await this.resolveVm(cloud, ref));
        await steps.target(vm.id);
        await this.destroyResolved(cloud, vm, steps, options.wait ?? false);
        return vm;
      },
    );
  }

  /**
   * Destroys the VM `idVm` and waits until the cloud no longer lists it; one the cloud no longer
   * has only loses its bookkeeping. How a release ends and how a cut destroy is resumed.
   */
  async destroyIfPresent(cloud: CloudConnection, idVm: string, steps: StepRecorder): Promise<Vm | null> {
    const vm = await this.findVm(cloud, { node: idVm });
    if (!vm) {
      steps.later(() => this.forgetGone(cloud, idVm));
      steps.note('destroy', 'already gone from the cloud');
      return null;
    }
    await this.destroyResolved(cloud, vm, steps, true);
    return vm;
  }

  /** Destroys a VM already looked up, optionally waiting until the cloud no longer lists it. */
  private async destroyResolved(cloud: CloudConnection, vm: Vm, steps: StepRecorder, wait: boolean): Promise<void> {
    await cloud.call('destroyVm', 'destroy', (d, signal) => d.destroyVm(vm.id, signal));
    await steps.done('destroy', vm.id);
    if (wait) {
      const waited = await this.waitUntilGone(cloud, vm.id);
      // No cloud call follows: a crash from here is finished by destroying again, which finds it gone.
      steps.note('gone', `${waited} ms`);
    }
    // The bookkeeping of a VM the cloud no longer has goes with the operation's end (every caller
    // ends its operation here; on PostgreSQL in one transaction).
    steps.later(() => this.forgetGone(cloud, vm.id));
    steps.note('untrack');
  }

  /** Drops the bookkeeping of a VM the cloud no longer has (tracker record, our VM record and flags). */
  async forgetGone(cloud: CloudConnection, vmId: string): Promise<void> {
    await this.deps.tracker.forget(cloud.name, vmId);
    await this.deps.lifecycle?.destroyed(cloud.name, vmId);
  }

  /** Polls the cloud until the VM is gone (or terminated); 504 with a record past the timeout. */
  async waitUntilGone(cloud: CloudConnection, vmId: string): Promise<number> {
    const { pollIntervalMs, timeoutMs } = this.deps.wait;
    const started = Date.now();
    for (let polls = 1; ; polls++) {
      const current = await cloud.call('getVm', 'get', (d, signal) => d.getVm(vmId, signal));
      if (!current || current.state === 'terminated') return Date.now() - started;
      if (Date.now() - started + pollIntervalMs > timeoutMs) {
        throw new DispatcherError('timeout', `cloud ${cloud.name}: VM ${vmId} still ${current.state} after ${timeoutMs} ms`, { code: 'DeleteTimeout' });
      }
      // At a fixed rate from the destroy: sleeping a whole interval after each answer would stretch
      // every period by the call's latency, and the wait after the deletion with it.
      await sleep(Math.max(0, started + polls * pollIntervalMs - Date.now()));
    }
  }

  async power(cloud: CloudConnection, ref: VmRef, action: PowerAction, { userId }: CallContext = {}): Promise<Vm> {
    const capability = action === 'reboot' ? 'reboot' : 'power';
    cloud.require(capability);
    return this.deps.operations.run({ kind: `vm.${action}`, cloud: cloud.name, userId, request: ref }, async (steps) => {
      const vm = await this.resolveVm(cloud, ref);
      await steps.target(vm.id);
      const call = action === 'reboot' ? 'rebootVm' : action === 'power-off' ? 'stopVm' : 'startVm';
      await cloud.call(call, capability, (d, signal) => d[call](vm.id, signal));
      await steps.done(action);
      return vm;
    });
  }

  async firewall(cloud: CloudConnection, ref: VmRef, rule: PortRule, open: boolean, { userId }: CallContext = {}): Promise<Vm> {
    cloud.require('firewall');
    return this.deps.operations.run({ kind: open ? 'fw.open' : 'fw.close', cloud: cloud.name, userId, request: { ...ref, ...rule } }, async (steps) => {
      const vm = await this.resolveVm(cloud, ref);
      await steps.target(vm.id);
      await cloud.call(open ? 'openPort' : 'closePort', 'firewall', (d, signal) => (open ? d.openPort(vm.id, rule, signal) : d.closePort(vm.id, rule, signal)));
      await steps.done(open ? 'open' : 'close', `${rule.protocol}/${rule.port} ${rule.cidr}`);
      return vm;
    });
  }

  private async resolveImage(cloud: CloudConnection, ref: string): Promise<Image> {
    const images = await this.deps.catalog.listImages(cloud);
    const image = images.find((i) => i.id === ref) ?? images.find((i) => i.name === ref);
    if (!image) throw new DispatcherError('not-found', `no image ${ref} on cloud ${cloud.name}`, { subject: 'image' });
    return image;
  }

  private async resolveSize(cloud: CloudConnection, ref: string): Promise<Size> {
    const sizes = await this.deps.catalog.listSizes(cloud);
    const size = sizes.find((s) => s.id === ref) ?? sizes.find((s) => s.name === ref);
    if (!size) throw new DispatcherError('not-found', `no size ${ref} on cloud ${cloud.name}`, { subject: 'size' });
    return size;
  }
}
