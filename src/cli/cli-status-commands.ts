// `dispatcher status`: what Cloud Scheduler's cloud_status showed (clouds, VMs by state, missing
// VMs, startup times, failures, heart-beats) from /api/v2/status.
import type { Command, Values } from './cli-command.js';
import { table, type Column } from './cli-output.js';

const STATUS = 'api/v2/status';

const cloudColumns: Column[] = [
  { header: 'CLOUD', get: (c) => (c.default ? `${c.name}*` : c.name) },
  { header: 'DRIVER', get: (c) => c.driver },
  { header: 'ENABLED', get: (c) => (c.enabled ? 'yes' : 'no') },
  { header: 'USED/ALLOC', get: (c) => `${c.allocation.used}/${c.allocation.total ?? '∞'}` },
  { header: 'FREE', get: (c) => c.tracked.free },
  { header: 'ASSIGNED', get: (c) => c.tracked.assigned },
  { header: 'FAULTY', get: (c) => c.tracked.faulty },
  { header: 'VMS BY STATE', get: (c) => (c.vms ? c.vms.byState : null) },
  { header: 'IN FLIGHT', get: (c) => `${c.load.inFlight}+${c.load.queued}q`, wide: true },
  { header: 'OBSERVED', get: (c) => (c.vms ? `${c.vms.source} ${c.vms.observedAt}` : null), wide: true },
];
const heartbeatColumns: Column[] = [
  { header: 'WORKER', get: (h) => h.worker },
  { header: 'RUNNING', get: (h) => (h.running ? 'yes' : 'no') },
  { header: 'LAST BEAT', get: (h) => (h.secondsSinceLastBeat === null ? 'never' : `${h.secondsSinceLastBeat}s ago`) },
  { header: 'LATE', get: (h) => (h.late ? 'LATE' : '') },
  { header: 'ROUNDS', get: (h) => h.rounds },
  { header: 'LAST ERROR', get: (h) => h.lastError, wide: true },
];
const statsColumns = (key: string): Column[] => [
  { header: key.toUpperCase(), get: (s) => s[key] },
  { header: 'COUNT', get: (s) => s.count },
  { header: 'MIN', get: (s) => seconds(s.minMs) },
  { header: 'MEDIAN', get: (s) => seconds(s.medianMs) },
  { header: 'P95', get: (s) => seconds(s.p95Ms) },
  { header: 'MAX', get: (s) => seconds(s.maxMs) },
];

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

const since = { since: { type: 'string', value: 'ISO-TIME', description: 'only VMs requested at or after this time' } } as const;

export const statusCommands: Command[] = [
  {
    name: 'status',
    summary: 'the overview: version, clouds, VMs, missing VMs, operations, heart-beats',
    run: async (ctx) => {
      const get = async (path: string) => (await ctx.client.request('GET', `${STATUS}${path}`)).body;
      const [summary, clouds, vms, operations, heartbeats] = await Promise.all([get(''), get('/clouds'), get('/vms'), get('/operations'), get('/heartbeats')]);
      const data = { summary, clouds: clouds.items, vms, operations, heartbeats: heartbeats.items };
      const ops = Object.entries(operations as Record<string, number>)
        .map(([state, n]) => `${state} ${n}`)
        .join(', ');
      const text = [
        `cloud-dispatcher ${summary.version} · up ${summary.uptimeSeconds}s · tracker ${summary.tracker} · log ${summary.logLevel}${summary.draining ? ' · DRAINING' : ''}`,
        '',
        table(clouds.items, cloudColumns.filter((c) => !c.wide)),
        '',
        `VMs held: ${vms.total} · missing: ${vms.missing.count}${vms.missing.lastPassAt ? ` (pass at ${vms.missing.lastPassAt})` : ' (no reconcile pass yet)'}`,
        `operations: ${ops}`,
        '',
        table(heartbeats.items, heartbeatColumns.filter((c) => !c.wide)),
      ].join('\n');
      return { data, text };
    },
  },
  {
    name: 'status clouds',
    args: '[cloud]',
    summary: 'per cloud: settings, usage, tracker records, VMs by state (--live lists the cloud now)',
    options: { live: { type: 'boolean', description: "list the cloud's VMs now (one provider call) instead of the last pass" } },
    run: async (ctx, [cloud], values: Values) => {
      if (cloud) {
        const { body } = await ctx.client.request('GET', `${STATUS}/clouds/${encodeURIComponent(cloud)}`, { query: { live: values.live ? 'true' : undefined } });
        return { data: body, rows: [body], columns: cloudColumns };
      }
      return { data: (await ctx.client.request('GET', `${STATUS}/clouds`)).body, columns: cloudColumns };
    },
  },
  {
    name: 'status vms',
    summary: 'VMs held per cloud and the missing count',
    run: async (ctx) => ({ data: (await ctx.client.request('GET', `${STATUS}/vms`)).body }),
  },
  {
    name: 'status missing',
    summary: 'VMs we hold that the cloud no longer lists (last reconcile pass)',
    run: async (ctx) => {
      const { body } = await ctx.client.request('GET', `${STATUS}/vms/missing`);
      return {
        data: body,
        rows: body.vms,
        columns: [
          { header: 'CLOUD', get: (m) => m.cloud },
          { header: 'VM', get: (m) => m.idVm },
          { header: 'HOSTNAME', get: (m) => m.hostname },
          { header: 'TRACKER', get: (m) => m.trackerStatus },
          { header: 'SINCE', get: (m) => m.missingSince },
        ],
      };
    },
  },
  {
    name: 'status startup-times',
    summary: 'time from a start to the VM first seen running, per cloud (wide: per image)',
    options: since,
    run: async (ctx, _args, values) => {
      const { body } = await ctx.client.request('GET', `${STATUS}/vms/startup-times`, { query: { since: values.since as string } });
      return { data: body, rows: body.clouds, columns: statsColumns('cloud') };
    },
  },
  {
    name: 'status failures',
    summary: 'boot failures with the fault (--type image: failures per image)',
    options: { ...since, type: { type: 'string', value: 'boot|image', description: 'default boot' } },
    run: async (ctx, _args, values) => {
      const type = (values.type as string | undefined) ?? 'boot';
      const { body } = await ctx.client.request('GET', `${STATUS}/failures`, { query: { type, since: values.since as string } });
      if (type === 'image') {
        return {
          data: body,
          rows: body.images,
          columns: [
            { header: 'CLOUD', get: (i) => i.cloud },
            { header: 'IMAGE', get: (i) => i.image },
            { header: 'CREATED', get: (i) => i.created },
            { header: 'FAILED', get: (i) => i.failed },
            { header: 'RATE', get: (i) => i.failureRate },
            { header: 'LAST FAULT', get: (i) => i.lastFault },
          ],
        };
      }
      return {
        data: body,
        rows: body.recent,
        columns: [
          { header: 'CLOUD', get: (f) => f.cloud },
          { header: 'VM', get: (f) => f.idVm },
          { header: 'NAME', get: (f) => f.name },
          { header: 'KIND', get: (f) => f.kind },
          { header: 'FAULT', get: (f) => f.fault },
          { header: 'FAILED AT', get: (f) => f.failedAt },
        ],
      };
    },
  },
  {
    name: 'status operations',
    summary: 'operations by state',
    run: async (ctx) => ({ data: (await ctx.client.request('GET', `${STATUS}/operations`)).body }),
  },
  {
    name: 'status heartbeats',
    summary: "the background workers' heart-beats",
    run: async (ctx) => ({ data: (await ctx.client.request('GET', `${STATUS}/heartbeats`)).body, columns: heartbeatColumns }),
  },
  {
    name: 'status config',
    summary: 'the configuration in effect (secrets redacted)',
    run: async (ctx) => ({ data: (await ctx.client.request('GET', `${STATUS}/config`)).body }),
  },
];
