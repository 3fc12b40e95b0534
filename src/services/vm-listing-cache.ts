// A cloud's VM listing as list pages read it. Most providers have no paged listing, so every page
// of GET /clouds/{c}/vms would otherwise list the whole cloud: here concurrent pages share one
// listing in flight, and a finished one serves for the cloud's listCacheMs (which also spares the
// provider's API rate limit). Only list pages read it: whatever acts on a VM lists or gets afresh.
//
// A snapshot is dropped as soon as the dispatcher itself changes the cloud (any call of the
// connection that is not a read, counted by CloudConnection.changeCount, at its start and at its
// end), so a client sees its own create, destroy or power change in the very next page. Changes
// made elsewhere (the provider's console, another instance) show within listCacheMs.
import type { Vm } from '../domain/vm-model.js';
import type { CloudConnection } from '../pool/cloud-connection.js';

/** One listing of a cloud, with what pages derive from it computed once for all who share it. */
export class VmListing {
  private readonly derived = new Map<(vms: readonly Vm[]) => unknown, unknown>();

  constructor(readonly vms: readonly Vm[]) {}

  /** `derive(vms)`, computed on the first ask of this listing (`derive` is the key: pass a module-level function). */
  derive<T>(derive: (vms: readonly Vm[]) => T): T {
    if (!this.derived.has(derive)) this.derived.set(derive, derive(this.vms));
    return this.derived.get(derive) as T;
  }
}

interface Slot {
  /** The cloud's changeCount when the listing began: a change since makes the slot unusable. */
  changes: number;
  startedAt: number;
  settled: boolean;
  listing: Promise<VmListing>;
}

export class VmListingCache {
  private readonly slots = new WeakMap<CloudConnection, Slot>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /**
   * The cloud's listing, if the dispatcher changed nothing on the cloud since it began: the one in
   * flight (whatever its age: a slow provider is not asked twice at once), or one begun less than
   * listCacheMs ago. Else a new one (`load`). listCacheMs 0: always a new one.
   */
  list(cloud: CloudConnection, load: () => Promise<Vm[]>): Promise<VmListing> {
    const windowMs = cloud.config.listCacheMs;
    if (windowMs <= 0) return load().then((vms) => new VmListing(vms));
    const slot = this.slots.get(cloud);
    const now = this.now();
    // Counted from the listing's start: a page never shows the cloud as it was longer ago than that.
    if (slot && slot.changes === cloud.changeCount && (!slot.settled || now - slot.startedAt < windowMs)) return slot.listing;
    const fresh: Slot = { changes: cloud.changeCount, startedAt: now, settled: false, listing: load().then((vms) => new VmListing(vms)) };
    this.slots.set(cloud, fresh);
    fresh.listing.then(
      () => {
        fresh.settled = true;
        // Not kept past its use: a cloud's VMs (and what pages derived) would otherwise stay in memory until the next page.
        setTimeout(() => this.dropExpired(cloud, fresh), windowMs).unref();
      },
      () => {
        if (this.slots.get(cloud) === fresh) this.slots.delete(cloud); // a failure is never served again
      },
    );
    return fresh.listing;
  }

  /** Whether a listing of the cloud is kept (in flight, or finished and not yet dropped). */
  holds(cloud: CloudConnection): boolean {
    return this.slots.has(cloud);
  }

  private dropExpired(cloud: CloudConnection, slot: Slot): void {
    if (this.slots.get(cloud) !== slot) return;
    // A timer may fire a fraction of a millisecond early by performance.now() (libuv's clock has
    // whole milliseconds): then it is armed again for what is left, so the listing is let go.
    const left = cloud.config.listCacheMs - (this.now() - slot.startedAt);
    if (left <= 0) this.slots.delete(cloud);
    else setTimeout(() => this.dropExpired(cloud, slot), Math.ceil(left)).unref();
  }
}
