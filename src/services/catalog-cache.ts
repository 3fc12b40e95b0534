// Images and sizes change rarely but a start needs both: cache them per cloud for catalogTtlMs,
// with one provider call in flight per list (concurrent starts share it).
import type { Image, Size } from '../domain/vm-model.js';
import type { CloudConnection } from '../pool/cloud-connection.js';

interface Entry<T> {
  value: Promise<T>;
  at: number;
}

export class CatalogCache {
  private readonly images = new Map<string, Entry<Image[]>>();
  private readonly sizes = new Map<string, Entry<Size[]>>();

  listImages(cloud: CloudConnection, fresh = false): Promise<Image[]> {
    return this.cached(this.images, cloud, fresh, () => cloud.call('listImages', 'images', (d, signal) => d.listImages(signal)));
  }

  listSizes(cloud: CloudConnection, fresh = false): Promise<Size[]> {
    return this.cached(this.sizes, cloud, fresh, () => cloud.call('listSizes', 'sizes', (d, signal) => d.listSizes(signal)));
  }

  clear(cloudName?: string): void {
    for (const map of [this.images, this.sizes] as Map<string, unknown>[]) {
      if (cloudName) map.delete(cloudName);
      else map.clear();
    }
  }

  private cached<T>(map: Map<string, Entry<T>>, cloud: CloudConnection, fresh: boolean, load: () => Promise<T>): Promise<T> {
    const entry = map.get(cloud.name);
    if (!fresh && entry && Date.now() - entry.at < cloud.config.catalogTtlMs) return entry.value;
    const value = load();
    map.set(cloud.name, { value, at: Date.now() });
    value.catch(() => {
      if (map.get(cloud.name)?.value === value) map.delete(cloud.name); // never cache a failure
    });
    return value;
  }
}
