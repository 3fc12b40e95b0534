// The I/O side of placement: builds the snapshot placement-policy.ts decides over (pool settings,
// allocation use from the tracker, the template's image and size in each cloud's catalog, recent
// start outcomes per cloud) and turns "no cloud can take it" into a 409 naming each cloud's reason.
import { DispatcherError } from '../domain/errors.js';
import type { Tracker } from '../cistern/tracker.js';
import type { CloudConnection } from '../pool/cloud-connection.js';
import type { CloudPool } from '../pool/cloud-pool.js';
import type { ClusterTemplate, PlacementPolicy } from '../store/cluster-store.js';
import type { CatalogCache } from './catalog-cache.js';
import { place, type CloudSnapshot, type Placement } from './placement-policy.js';

/** The port cluster and placed-VM creates use: where do `count` VMs of this template go. */
export interface Placer {
  place(template: Pick<ClusterTemplate, 'image' | 'size' | 'overrides'>, policy: PlacementPolicy, count: number, members?: Record<string, number>): Promise<Placement>;
  /** Told of each start's outcome: feeds the per-cloud fault rate. */
  record(cloud: string, ok: boolean): void;
}

const WINDOW = 20;
const WINDOW_MS = 5 * 60_000;

/**
 * The last WINDOW start outcomes per cloud within WINDOW_MS: old faults age out, so a cloud
 * placement stopped choosing becomes eligible again without needing a success first.
 */
export class CloudHealth {
  private readonly outcomes = new Map<string, { ok: boolean; at: number }[]>();

  constructor(private readonly windowMs = WINDOW_MS) {}

  record(cloud: string, ok: boolean): void {
    const list = this.recent(cloud);
    list.push({ ok, at: Date.now() });
    if (list.length > WINDOW) list.shift();
    this.outcomes.set(cloud, list);
  }

  faultRate(cloud: string): number {
    const list = this.recent(cloud);
    return list.length === 0 ? 0 : list.filter((o) => !o.ok).length / list.length;
  }

  private recent(cloud: string): { ok: boolean; at: number }[] {
    const since = Date.now() - this.windowMs;
    return (this.outcomes.get(cloud) ?? []).filter((o) => o.at >= since);
  }
}

export class PlacementService implements Placer {
  readonly health = new CloudHealth();

  constructor(private readonly deps: { pool: CloudPool; tracker: Tracker; catalog: CatalogCache }) {}

  async place(template: Pick<ClusterTemplate, 'image' | 'size' | 'overrides'>, policy: PlacementPolicy, count: number, members: Record<string, number> = {}): Promise<Placement> {
    const named = policy.clouds?.map((name) => this.canonical(name));
    // Every cloud is in the snapshot (the policy says why an unnamed one was not chosen); only named ones are asked anything.
    const snapshot = await Promise.all(
      this.deps.pool.list().map((cloud) =>
        !named || named.includes(cloud.name) ? this.snapshotOf(cloud, template, members[cloud.name] ?? 0) : { name: cloud.name, enabled: true, canCreate: true, used: 0, faultRate: 0, members: 0 },
      ),
    );
    const placement = place(snapshot, { ...policy, ...(named ? { clouds: named } : {}) }, count);
    if (placement.unplaced > 0) {
      throw new DispatcherError('conflict', `no cloud can take ${placement.unplaced} more of ${count} VM${count === 1 ? '' : 's'}`, {
        code: 'NoPlacement',
        details: { extensions: { clouds: placement.reasons } },
      });
    }
    return placement;
  }

  record(cloud: string, ok: boolean): void {
    this.health.record(cloud, ok);
  }

  /** The image and size names the template uses on this cloud. */
  static namesOn(template: Pick<ClusterTemplate, 'image' | 'size' | 'overrides'>, cloud: string): { image: string; size: string } {
    const override = template.overrides?.[cloud];
    return { image: override?.image ?? template.image, size: override?.size ?? template.size };
  }

  private canonical(name: string): string {
    try {
      return this.deps.pool.resolve(name).name;
    } catch {
      return name; // the policy says "not a configured cloud"
    }
  }

  private async snapshotOf(cloud: CloudConnection, template: Pick<ClusterTemplate, 'image' | 'size' | 'overrides'>, members: number): Promise<CloudSnapshot> {
    const settings = this.deps.pool.settings(cloud.name);
    const base = { name: cloud.name, enabled: settings.enabled, canCreate: cloud.has('create'), allocation: settings.allocation, faultRate: this.health.faultRate(cloud.name), members };
    if (!base.enabled || !base.canCreate) return { ...base, used: 0 };
    const [used, templateProblem] = await Promise.all([
      settings.allocation === undefined ? 0 : this.deps.tracker.listNodes(cloud.name, true).then((n) => n.length),
      this.templateProblem(cloud, template),
    ]);
    return { ...base, used, templateProblem };
  }

  private async templateProblem(cloud: CloudConnection, template: Pick<ClusterTemplate, 'image' | 'size' | 'overrides'>): Promise<string | undefined> {
    const { image, size } = PlacementService.namesOn(template, cloud.name);
    try {
      const [images, sizes] = await Promise.all([this.deps.catalog.listImages(cloud), this.deps.catalog.listSizes(cloud)]);
      if (!images.some((i) => i.id === image || i.name === image)) return `no image ${image}`;
      if (!sizes.some((s) => s.id === size || s.name === size)) return `no size ${size}`;
      return undefined;
    } catch (err) {
      return `catalog unavailable: ${(err as Error).message}`;
    }
  }
}
