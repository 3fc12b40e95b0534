// Figures computed from our VM records: startup time (asked → first seen running) per cloud and
// image, boot failures (the cloud's fault, or a boot timeout) and failures per image.
import type { VmRecord, VmRecordStore } from '../store/vm-record-store.js';
import { groupBy } from '../domain/group-by.js';

export interface Stats {
  count: number;
  minMs: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
}

export interface StartupTimes {
  /** Precision: a VM counts as running when the startup poll (or a reconcile pass) first sees it so. */
  clouds: Array<Stats & { cloud: string; images: Array<Stats & { image: string }> }>;
}

export interface BootFailures {
  total: number;
  byCloud: Record<string, number>;
  byKind: Record<string, number>;
  /** The most recent ones first. */
  recent: Array<{ cloud: string; idVm: string; name: string; image: string; kind: string; fault: string | null; requestedAt: string; failedAt: string }>;
}

export interface ImageFailures {
  images: Array<{ cloud: string; image: string; created: number; failed: number; failureRate: number; lastFault: string | null }>;
}

/** Nearest-rank percentile of sorted values (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n === 0 ? 0 : n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return { count: n, minMs: sorted[0] ?? 0, medianMs: median, p95Ms: percentile(sorted, 95), maxMs: sorted[n - 1] ?? 0 };
}

function startupMs(record: VmRecord): number {
  return Date.parse(record.runningAt as string) - Date.parse(record.requestedAt);
}

export class VmMetrics {
  constructor(private readonly records: VmRecordStore) {}

  async startupTimes(since?: string): Promise<StartupTimes> {
    const started = await this.records.started(since);
    const byCloud = groupBy(started, (r) => r.cloud);
    const clouds = [...byCloud].sort(([a], [b]) => a.localeCompare(b)).map(([cloud, records]) => {
      const byImage = groupBy(records, (r) => r.image);
      return {
        cloud,
        ...stats(records.map(startupMs)),
        images: [...byImage].sort(([a], [b]) => a.localeCompare(b)).map(([image, imaged]) => ({ image, ...stats(imaged.map(startupMs)) })),
      };
    });
    return { clouds };
  }

  async bootFailures(since?: string, limit = 50): Promise<BootFailures> {
    const failed = await this.records.failed(since);
    const byCloud: Record<string, number> = {};
    const byKind: Record<string, number> = {};
    for (const r of failed) {
      byCloud[r.cloud] = (byCloud[r.cloud] ?? 0) + 1;
      const kind = r.failureKind ?? 'boot';
      byKind[kind] = (byKind[kind] ?? 0) + 1;
    }
    return {
      total: failed.length,
      byCloud,
      byKind,
      recent: failed.slice(0, limit).map((r) => ({
        cloud: r.cloud,
        idVm: r.idVm,
        name: r.name,
        image: r.image,
        kind: r.failureKind ?? 'boot',
        fault: r.fault,
        requestedAt: r.requestedAt,
        failedAt: r.failedAt as string,
      })),
    };
  }

  async imageFailures(since?: string): Promise<ImageFailures> {
    const [failed, created] = await Promise.all([this.records.failed(since), this.records.countByImage(since)]);
    const images = created
      .map(({ cloud, image, created: n }) => {
        const mine = failed.filter((r) => r.cloud === cloud && r.image === image); // newest first
        return { cloud, image, created: n, failed: mine.length, failureRate: n === 0 ? 0 : Math.round((mine.length / n) * 1000) / 1000, lastFault: mine[0]?.fault ?? null };
      })
      .filter((i) => i.failed > 0)
      .sort((a, b) => b.failed - a.failed || a.cloud.localeCompare(b.cloud) || a.image.localeCompare(b.image));
    return { images };
  }
}
