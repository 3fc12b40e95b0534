// The commands of docs/clusters.md: clusters, the placed single-VM create (`vms place`) and
// images saved from VMs. Long work answers an operation; --wait follows it like `vms create`.
import { enc, WAIT_OPTION, type CliContext, type Command, type OptionSpec, type Values } from './cli-command.js';
import { usageError } from './cli-errors.js';
import type { RequestOptions } from './cli-http.js';
import { keyValues, table, type Column, type Shown } from './cli-output.js';
import { imageColumns, operationOutcome, pairOption, VM_TEMPLATE_OPTIONS, vmColumns, vmTemplate } from './cli-resource-commands.js';
import type { Operation } from './cli-wait.js';

const V2 = 'api/v2';
const CLUSTER_ACTIONS = ['start', 'stop', 'reboot', 'repair'];
const STRATEGIES = ['spread', 'pack', 'weighted'];

const clusterColumns: Column[] = [
  { header: 'ID', get: (c) => c.id },
  { header: 'NAME', get: (c) => c.name },
  { header: 'STATUS', get: (c) => c.status },
  { header: 'SIZE', get: (c) => `${c.actualSize}/${c.desiredSize}` },
  { header: 'CLOUDS', get: (c) => c.clouds },
  { header: 'IMAGE', get: (c) => c.template.image, wide: true },
  { header: 'VM SIZE', get: (c) => c.template.size, wide: true },
  { header: 'STRATEGY', get: (c) => c.placement.strategy, wide: true },
  { header: 'CREATED', get: (c) => c.createdAt, wide: true },
];
const memberColumns: Column[] = [
  { header: 'NAME', get: (m) => m.name },
  { header: 'CLOUD', get: (m) => m.cloud },
  { header: 'VM', get: (m) => m.vmId },
  { header: 'MEMBER', get: (m) => m.state },
  { header: 'VM STATE', get: (m) => m.vmState },
  { header: 'TRACKER', get: (m) => m.trackerStatus },
  { header: 'PUBLIC IP', get: (m) => m.publicIps, wide: true },
  { header: 'PRIVATE IP', get: (m) => m.privateIps, wide: true },
  { header: 'STARTED', get: (m) => m.startedAt, wide: true },
];

const PLACEMENT_OPTIONS: Record<string, OptionSpec> = {
  clouds: { type: 'string', multiple: true, value: 'CLOUD[,CLOUD]', description: 'only these clouds, names or aliases (default: every cloud)' },
  strategy: { type: 'string', value: 'spread|pack|weighted', description: 'how VMs are spread over the clouds (default spread)' },
  weight: { type: 'string', multiple: true, value: 'CLOUD=N', description: "weighted: a cloud's relative share (default 1)" },
};
const FORCE_OPTION: Record<string, OptionSpec> = {
  force: { type: 'boolean', description: 'also remove ASSIGNED members (FREE ones go first anyway)' },
};

function placement(values: Values) {
  const strategy = values.strategy as string | undefined;
  if (strategy !== undefined && !STRATEGIES.includes(strategy)) throw usageError(`--strategy ${strategy}: expected one of ${STRATEGIES.join(', ')}`);
  const clouds = (values.clouds as string[] | undefined)?.flatMap((c) => c.split(',')).filter(Boolean);
  const weights = Object.entries(pairOption('weight', values.weight as string[]) ?? {}).map(([cloud, n]) => {
    if (!/^\d+(\.\d+)?$/.test(n)) throw usageError(`--weight ${cloud}=${n}: expected a number`);
    return [cloud, Number(n)] as const;
  });
  return { ...(clouds?.length ? { clouds } : {}), ...(strategy ? { strategy } : {}), ...(weights.length ? { weights: Object.fromEntries(weights) } : {}) };
}

function count(what: string, value: string): number {
  if (!/^\d+$/.test(value)) throw usageError(`${what} ${value}: expected a number of VMs`);
  return Number(value);
}

async function showCluster(ctx: CliContext, id: string): Promise<Shown> {
  const { body } = await ctx.client.request('GET', `${V2}/clusters/${enc(id)}`);
  const { members, failures, links: _links, ...fields } = body;
  const lines = [keyValues(fields)];
  if (failures.length) lines.push('', 'failures:', table(failures, [{ header: 'NAME', get: (f) => f.name }, { header: 'CLOUD', get: (f) => f.cloud }, { header: 'ERROR', get: (f) => f.error }]));
  return { data: body, rows: members, columns: memberColumns, heading: lines.join('\n') };
}

/** An operation on a cluster (PATCH, actions, DELETE …), followed to its end with --wait. */
async function clusterOperation(ctx: CliContext, values: Values, method: string, path: string, options: RequestOptions = {}): Promise<Shown> {
  const { body: op } = await ctx.client.request(method, `${V2}/clusters/${path}`, options);
  return operationOutcome(ctx, op as Operation, values);
}

export const clusterCommands: Command[] = [
  {
    name: 'clusters list',
    summary: 'your clusters (every cluster for an admin), newest first',
    options: { limit: { type: 'string', value: 'N', description: 'at most N (1-500, default 100)' } },
    run: async (ctx, _args, values) => ({ data: (await ctx.client.request('GET', `${V2}/clusters`, { query: { limit: values.limit as string | undefined } })).body, columns: clusterColumns }),
  },
  {
    name: 'clusters show',
    args: '<cluster-id>',
    summary: 'one cluster: status, sizes, members (cloud, VM, states, tracker status), failures',
    run: async (ctx, [id]) => showCluster(ctx, id),
  },
  {
    name: 'clusters create',
    args: '<name>',
    summary: 'a cluster of --count VMs placed over the clouds (an operation; --wait follows it and prints the cluster)',
    details: 'example: dispatcher clusters create job-42 --count 4 --image ubuntu-24.04 --size m1.small --clouds default,east --strategy spread --wait',
    options: { count: { type: 'string', value: 'N', description: 'how many VMs (required)' }, ...VM_TEMPLATE_OPTIONS, ...PLACEMENT_OPTIONS, ...WAIT_OPTION },
    run: async (ctx, [name], values) => {
      const template = vmTemplate('clusters create', values);
      if (values.count === undefined) throw usageError('clusters create needs --count', 'e.g. --count 4');
      const body = { name, size: count('--count', values.count as string), template, placement: placement(values) };
      // A key per invocation: a retried request does not make a second cluster.
      const { body: op } = await ctx.client.request('POST', `${V2}/clusters`, { body, headers: { 'idempotency-key': crypto.randomUUID() } });
      if (!values.wait) return operationOutcome(ctx, op as Operation, values);
      const done = await ctx.follow(op as Operation);
      return showCluster(ctx, done.target as string);
    },
  },
  {
    name: 'clusters scale',
    args: '<cluster-id> <count>',
    summary: 'scale out or in (FREE members go first; ASSIGNED ones only with --force)',
    options: { ...FORCE_OPTION, ...WAIT_OPTION },
    run: async (ctx, [id, n], values) => clusterOperation(ctx, values, 'PATCH', enc(id), { body: { size: count('count', n), force: values.force === true } }),
  },
  {
    name: 'clusters remove-member',
    args: '<cluster-id> <vm>',
    summary: 'destroy one member (VM id or name); the desired size shrinks by one',
    options: { ...FORCE_OPTION, ...WAIT_OPTION },
    run: async (ctx, [id, vm], values) => clusterOperation(ctx, values, 'DELETE', `${enc(id)}/members/${enc(vm)}`, { query: { force: values.force ? true : undefined } }),
  },
  {
    name: 'clusters action',
    args: '<cluster-id> <action>',
    summary: `${CLUSTER_ACTIONS.join(', ')}: every member, or replace failed ones (repair)`,
    options: WAIT_OPTION,
    run: async (ctx, [id, action], values) => {
      if (!CLUSTER_ACTIONS.includes(action)) throw usageError(`clusters action ${action}: expected one of ${CLUSTER_ACTIONS.join(', ')}`);
      return clusterOperation(ctx, values, 'POST', `${enc(id)}/actions`, { body: { action } });
    },
  },
  {
    name: 'clusters delete',
    args: '<cluster-id>',
    summary: 'destroy every member, wait until each is gone, forget the cluster (an operation)',
    options: WAIT_OPTION,
    run: async (ctx, [id], values) => clusterOperation(ctx, values, 'DELETE', enc(id)),
  },
  {
    name: 'vms place',
    args: '<name>',
    summary: 'start a VM on the cloud placement chooses (an operation; --wait prints the VM)',
    details: 'example: dispatcher vms place worker-9 --image ubuntu-24.04 --size m1.small --clouds east,default --strategy pack --wait',
    options: { ...VM_TEMPLATE_OPTIONS, ...PLACEMENT_OPTIONS, ...WAIT_OPTION },
    run: async (ctx, [name], values) => {
      const body = { name, ...vmTemplate('vms place', values), placement: placement(values) };
      const { body: op } = await ctx.client.request('POST', `${V2}/vms`, { body, headers: { 'idempotency-key': crypto.randomUUID() } });
      return operationOutcome(ctx, op as Operation, values, (done) => ({ data: done.result, columns: vmColumns }));
    },
  },
  {
    name: 'images save',
    args: '<cloud> <vm-id>',
    summary: "save a VM's disk as a new image (an operation; --wait prints the image)",
    options: {
      name: { type: 'string', value: 'NAME', description: 'the image name, 3-128 characters (required)' },
      description: { type: 'string', value: 'TEXT', description: 'the image description' },
      ...WAIT_OPTION,
    },
    run: async (ctx, [cloud, vm], values) => {
      if (!values.name) throw usageError('images save needs --name');
      const body = { name: values.name, description: values.description };
      const { body: op } = await ctx.client.request('POST', `${V2}/clouds/${enc(cloud)}/vms/${enc(vm)}/image`, { body });
      return operationOutcome(ctx, op as Operation, values, (done) => ({ data: done.result, columns: imageColumns }));
    },
  },
  {
    name: 'images delete',
    args: '<cloud> <image-id>',
    summary: 'delete an image the dispatcher saved',
    run: async (ctx, [cloud, image]) => {
      await ctx.client.request('DELETE', `${V2}/clouds/${enc(cloud)}/images/${enc(image)}`);
      return { data: { cloud, id: image, deleted: true }, text: `deleted image ${image} of ${cloud}` };
    },
  },
];
