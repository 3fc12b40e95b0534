// The Prometheus metrics (prom-client), one registry per app. Histograms are fed as things
// happen (HTTP answers, cloud calls); gauges are read from the services at each scrape, so a
// scrape costs one status pass (the tracker's records per cloud, one store query) and no cloud call.
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AdminServices } from '../admin/admin-compose.js';
import type { RequestRecord } from '../api/http/request-context.js';
import type { CallObserver } from '../pool/cloud-connection.js';
import type { OperationStore } from '../store/operation-store.js';

export interface MetricsSources {
  admin: Pick<AdminServices, 'status' | 'reconciler' | 'heartbeats'>;
  operations: Pick<OperationStore, 'countByKindAndState'>;
  draining: () => boolean;
}

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const CLOUD_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class DispatcherMetrics {
  readonly registry = new Registry();
  private readonly http: Histogram<'method' | 'route' | 'status'>;
  private readonly cloudCalls: Histogram<'cloud' | 'driver' | 'call' | 'outcome'>;
  private readonly gauges: Record<string, Gauge<string>>;

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.http = new Histogram({
      name: 'dispatcher_http_request_duration_seconds',
      help: 'HTTP answers by method, route template (unmatched: no route) and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.cloudCalls = new Histogram({
      name: 'dispatcher_cloud_call_duration_seconds',
      help: 'Provider calls by cloud, driver, call and outcome (ok or the error kind), the wait for a concurrency slot included.',
      labelNames: ['cloud', 'driver', 'call', 'outcome'],
      buckets: CLOUD_BUCKETS,
      registers,
    });
    const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers });
    this.gauges = {
      operations: gauge('dispatcher_operations', 'Operations in the store by kind and state.', ['kind', 'state']),
      vms: gauge('dispatcher_vms', "VMs by cloud and the cloud's own state, as the last reconcile pass listed them.", ['cloud', 'state']),
      tracked: gauge('dispatcher_tracked_vms', "The tracker's records by cloud and status (FREE, ASSIGNED, FAULTY, RELEASED).", ['cloud', 'status']),
      used: gauge('dispatcher_allocation_used', 'VMs the dispatcher holds on a cloud (what counts against its allocation).', ['cloud']),
      limit: gauge('dispatcher_allocation_limit', 'The allocation of a cloud (absent: no limit).', ['cloud']),
      enabled: gauge('dispatcher_cloud_enabled', '1 when the cloud takes new starts and assignments.', ['cloud']),
      findings: gauge('dispatcher_reconciler_findings', 'Findings of the last reconcile pass by kind (missing, booted, boot_failed, list_failed).', ['kind']),
      lastPass: gauge('dispatcher_reconciler_last_pass_timestamp_seconds', 'When the last reconcile pass finished (unix time).'),
      heartbeat: gauge('dispatcher_worker_heartbeat_age_seconds', "Seconds since a background worker's last round (since its start when it has not beaten yet).", ['worker']),
      late: gauge('dispatcher_worker_late', '1 when a background worker missed two rounds.', ['worker']),
      draining: gauge('dispatcher_draining', '1 while the dispatcher refuses new work (drain or shutdown).'),
      collectErrors: gauge('dispatcher_metrics_collect_errors', 'Sources that failed at the last scrape (their gauges are stale or absent).', ['source']),
    };
  }

  /** The request-context observer: one histogram sample per answered request. */
  readonly observeRequest = (record: RequestRecord): void => {
    this.http.observe({ method: record.method, route: record.route ?? 'unmatched', status: String(record.status) }, record.seconds);
  };

  /** The pool's call observer. */
  readonly observeCall: CallObserver = ({ cloud, driver, call, outcome, seconds }) => {
    this.cloudCalls.observe({ cloud, driver, call, outcome }, seconds);
  };

  /** Reads the gauges' sources, then answers the text exposition. */
  async scrape(): Promise<string> {
    const g = this.gauges;
    g.collectErrors.reset();
    await Promise.all([this.collect('operations', () => this.collectOperations()), this.collect('clouds', () => this.collectClouds())]);
    this.collectWorkers();
    g.draining.set(this.sources.draining() ? 1 : 0);
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async collect(source: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
      this.gauges.collectErrors.set({ source }, 0);
    } catch {
      this.gauges.collectErrors.set({ source }, 1);
    }
  }

  private async collectOperations(): Promise<void> {
    const rows = await this.sources.operations.countByKindAndState();
    this.gauges.operations.reset();
    for (const row of rows) this.gauges.operations.set({ kind: row.kind, state: row.state }, row.count);
  }

  private async collectClouds(): Promise<void> {
    const clouds = await this.sources.admin.status.clouds();
    const { vms, tracked, used, limit, enabled } = this.gauges;
    for (const gauge of [vms, tracked, used, limit, enabled]) gauge.reset();
    for (const cloud of clouds) {
      for (const [state, n] of Object.entries(cloud.vms?.byState ?? {})) vms.set({ cloud: cloud.name, state }, n);
      for (const status of ['free', 'assigned', 'faulty', 'released'] as const) tracked.set({ cloud: cloud.name, status: status.toUpperCase() }, cloud.tracked[status]);
      used.set({ cloud: cloud.name }, cloud.allocation.used);
      if (cloud.allocation.total !== null) limit.set({ cloud: cloud.name }, cloud.allocation.total);
      enabled.set({ cloud: cloud.name }, cloud.enabled ? 1 : 0);
    }
  }

  private collectWorkers(): void {
    const { findings, lastPass, heartbeat, late } = this.gauges;
    const pass = this.sources.admin.reconciler.lastPass;
    findings.reset();
    if (pass) {
      findings.set({ kind: 'missing' }, pass.missing.length);
      findings.set({ kind: 'booted' }, pass.observed.running);
      findings.set({ kind: 'boot_failed' }, pass.observed.failed);
      findings.set({ kind: 'list_failed' }, pass.clouds.filter((c) => c.listed === null).length);
      lastPass.set(Date.parse(pass.finishedAt) / 1000);
    }
    heartbeat.reset();
    late.reset();
    const now = Date.now();
    for (const beat of this.sources.admin.heartbeats.list()) {
      const since = Date.parse(beat.lastBeatAt ?? beat.startedAt);
      heartbeat.set({ worker: beat.worker }, Math.max(0, (now - since) / 1000));
      late.set({ worker: beat.worker }, beat.late ? 1 : 0);
    }
  }
}
