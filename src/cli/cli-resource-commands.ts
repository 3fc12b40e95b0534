// The v2 resource commands: clouds, images, sizes, keypairs, vms, assignments, operations.
// (crypto.randomUUID is the global Web Crypto one: importing node:crypto costs the CLI's start ~10 ms.)
import { enc, WAIT_OPTION, type CliContext, type Command, type OptionSpec, type Values } from './cli-command.js';
import { usageError } from './cli-errors.js';
import type { Column, Shown } from './cli-output.js';
import type { Operation } from './cli-wait.js';

const V2 = 'api/v2';

export const vmColumns: Column[] = [
  { header: 'ID', get: (v) => v.id },
  { header: 'NAME', get: (v) => v.name },
  { header: 'STATE', get: (v) => v.state },
  { header: 'PUBLIC IP', get: (v) => v.publicIps },
  { header: 'PRIVATE IP', get: (v) => v.privateIps, wide: true },
  { header: 'IMAGE', get: (v) => v.imageId, wide: true },
  { header: 'SIZE', get: (v) => v.sizeId, wide: true },
  { header: 'CREATED', get: (v) => v.createdAt, wide: true },
];
export const imageColumns: Column[] = [
  { header: 'ID', get: (i) => i.id },
  { header: 'NAME', get: (i) => i.name },
  { header: 'STATE', get: (i) => i.state },
];
export const operationColumns: Column[] = [
  { header: 'ID', get: (o) => o.id },
  { header: 'KIND', get: (o) => o.kind },
  { header: 'STATE', get: (o) => o.state },
  { header: 'CLOUD', get: (o) => o.cloud },
  { header: 'TARGET', get: (o) => o.target },
  { header: 'STEPS', get: (o) => (o.steps as Array<{ step: string }>).map((s) => s.step).join('→'), wide: true },
  { header: 'ERROR', get: (o) => o.error?.message, wide: true },
  { header: 'CREATED', get: (o) => o.createdAt, wide: true },
];
const assignmentColumns: Column[] = [
  { header: 'ID', get: (a) => a.id },
  { header: 'HOSTNAME', get: (a) => a.hostname },
  { header: 'STATUS', get: (a) => a.status },
  { header: 'USER', get: (a) => a.user },
  { header: 'TYPE', get: (a) => a.vmType },
  { header: 'VM', get: (a) => a.vmId, wide: true },
  { header: 'CLOUD', get: (a) => a.cloud, wide: true },
];

export const cloudOption = { cloud: { type: 'string', short: 'c', value: 'CLOUD', description: "a cloud name or alias (default: the dispatcher's default cloud)" } } as const;
const pageOptions = {
  limit: { type: 'string', value: 'N', description: 'items per page (1-500)' },
  all: { type: 'boolean', description: 'follow every page' },
} as const;

/** GET a list, following `next` when --all is given. */
export async function list(ctx: CliContext, path: string, query: Record<string, string | string[] | undefined>, values: Values): Promise<unknown[]> {
  const items: unknown[] = [];
  let next: string | undefined;
  do {
    const answer = await ctx.client.request('GET', path, { query: { ...query, limit: values.limit as string | undefined, next } });
    items.push(...(answer.body.items as unknown[]));
    next = values.all ? (answer.body.next ?? undefined) : undefined;
  } while (next);
  return items;
}

/** Answers the operation, or its end with --wait (the VM for a start). */
export async function operationOutcome(ctx: CliContext, op: Operation, values: Values, result?: (op: Operation) => Shown): Promise<Shown> {
  if (!values.wait) return { data: op, columns: operationColumns };
  const done = await ctx.follow(op);
  return result ? result(done) : { data: done, columns: operationColumns };
}

function vmRef(ref: string): { vm: string } | { hostname: string } {
  return /^([0-9a-f]{8}-[0-9a-f-]{27}|i-[0-9a-f]{8,17})$/.test(ref) ? { vm: ref } : { hostname: ref };
}

/** A repeatable KEY=VALUE option (--meta, --weight) as an object. */
export function pairOption(option: string, pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs?.length) return undefined;
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw usageError(`--${option} ${pair}: expected key=value`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/** What a VM starts from: vms create, vms place and a cluster's template. */
export const VM_TEMPLATE_OPTIONS: Record<string, OptionSpec> = {
  image: { type: 'string', short: 'i', value: 'IMAGE', description: 'image id or name (required)' },
  size: { type: 'string', short: 's', value: 'SIZE', description: 'size id or name (required)' },
  key: { type: 'string', value: 'KEYPAIR', description: 'key pair name' },
  meta: { type: 'string', multiple: true, value: 'KEY=VALUE', description: 'metadata' },
};

export function vmTemplate(command: string, values: Values) {
  if (!values.image || !values.size) throw usageError(`${command} needs --image and --size`, 'see: dispatcher images list, dispatcher sizes list');
  return { image: values.image as string, size: values.size as string, keyName: values.key as string | undefined, metadata: pairOption('meta', values.meta as string[]) };
}

export const resourceCommands: Command[] = [
  {
    name: 'clouds list',
    summary: 'the clouds this dispatcher serves',
    run: async (ctx) => {
      const { body } = await ctx.client.request('GET', `${V2}/clouds`);
      return {
        data: body,
        columns: [
          { header: 'NAME', get: (c) => c.name },
          { header: 'DRIVER', get: (c) => c.driver },
          { header: 'DEFAULT', get: (c) => (c.default ? 'yes' : '') },
          { header: 'ENABLED', get: (c) => (c.enabled ? 'yes' : 'no') },
          { header: 'ALIASES', get: (c) => c.aliases },
          { header: 'CAPABILITIES', get: (c) => c.capabilities, wide: true },
        ],
      };
    },
  },
  {
    name: 'clouds show',
    args: '<cloud>',
    summary: 'one cloud and its capabilities',
    run: async (ctx, [cloud]) => ({ data: (await ctx.client.request('GET', `${V2}/clouds/${enc(cloud)}`)).body }),
  },
  ...(['images', 'sizes', 'keypairs'] as const).map(
    (what): Command => ({
      name: `${what} list`,
      summary: `the ${what} a cloud offers`,
      options: cloudOption,
      run: async (ctx, _args, values) => {
        const { body } = await ctx.client.request('GET', `${V2}/clouds/${enc(await ctx.cloud(values))}/${what}`);
        const columns: Column[] =
          what === 'sizes'
            ? [
                { header: 'ID', get: (s) => s.id },
                { header: 'NAME', get: (s) => s.name },
                { header: 'VCPUS', get: (s) => s.vcpus },
                { header: 'RAM MIB', get: (s) => s.ramMiB },
                { header: 'DISK GIB', get: (s) => s.diskGiB },
              ]
            : what === 'images'
              ? imageColumns
              : [
                  { header: 'NAME', get: (k) => k.name },
                  { header: 'FINGERPRINT', get: (k) => k.fingerprint },
                ];
        return { data: body, columns };
      },
    }),
  ),
  {
    name: 'vms list',
    summary: "a cloud's VMs",
    options: {
      ...cloudOption,
      state: { type: 'string', value: 'STATE', description: 'only VMs in this state (running, pending, stopped, …)' },
      name: { type: 'string', value: 'NAME', description: 'only VMs of this name' },
      tag: { type: 'string', multiple: true, value: 'KEY:VALUE', description: 'only VMs with this metadata' },
      ...pageOptions,
    },
    run: async (ctx, _args, values) => {
      const cloud = await ctx.cloud(values);
      const items = await list(ctx, `${V2}/clouds/${enc(cloud)}/vms`, { state: values.state as string, name: values.name as string, tag: values.tag as string[] }, values);
      return { data: { items }, columns: vmColumns };
    },
  },
  {
    name: 'vms show',
    args: '<vm-id>',
    summary: 'one VM',
    options: cloudOption,
    run: async (ctx, [id], values) => ({ data: (await ctx.client.request('GET', `${V2}/clouds/${enc(await ctx.cloud(values))}/vms/${enc(id)}`)).body }),
  },
  {
    name: 'vms create',
    args: '<name>',
    summary: 'start a VM (an operation; --wait follows it and prints the VM)',
    details: 'example: dispatcher vms create worker-1 --image ubuntu-24.04 --size m1.small --wait',
    options: { ...cloudOption, ...VM_TEMPLATE_OPTIONS, ...WAIT_OPTION },
    run: async (ctx, [name], values) => {
      const body = { name, ...vmTemplate('vms create', values) };
      const cloud = await ctx.cloud(values);
      // A key per invocation: a retried request (proxy, flaky link) does not start a second VM.
      const { body: op } = await ctx.client.request('POST', `${V2}/clouds/${enc(cloud)}/vms`, { body, headers: { 'idempotency-key': crypto.randomUUID() } });
      return operationOutcome(ctx, op as Operation, values, (done) => ({ data: done.result, columns: vmColumns }));
    },
  },
  {
    name: 'vms delete',
    args: '<vm-id>',
    summary: 'delete a VM (an operation; --wait follows it until the cloud no longer lists it)',
    options: { ...cloudOption, ...WAIT_OPTION },
    run: async (ctx, [id], values) => {
      const { body } = await ctx.client.request('DELETE', `${V2}/clouds/${enc(await ctx.cloud(values))}/vms/${enc(id)}`);
      return operationOutcome(ctx, body as Operation, values);
    },
  },
  {
    name: 'vms action',
    args: '<vm-id> <action>',
    summary: 'reboot, power-off, power-on, open-port or close-port',
    options: {
      ...cloudOption,
      port: { type: 'string', short: 'p', value: 'PORT', description: 'for open-port / close-port' },
      protocol: { type: 'string', value: 'tcp|udp', description: 'default tcp' },
      cidr: { type: 'string', value: 'CIDR', description: 'default 0.0.0.0/0' },
    },
    run: async (ctx, [id, action], values) => {
      const body = { action, port: values.port === undefined ? undefined : Number(values.port), protocol: values.protocol, cidr: values.cidr };
      const answer = await ctx.client.request('POST', `${V2}/clouds/${enc(await ctx.cloud(values))}/vms/${enc(id)}/actions`, { body, headers: { 'idempotency-key': crypto.randomUUID() } });
      return { data: answer.body, text: answer.body.result };
    },
  },
  {
    name: 'assignments list',
    summary: 'tracker records (FREE and ASSIGNED unless --status)',
    options: {
      cloud: { type: 'string', short: 'c', value: 'CLOUD', description: 'only this cloud (default: every cloud)' },
      status: { type: 'string', value: 'STATUS', description: 'FREE, ASSIGNED, FAULTY or RELEASED' },
      user: { type: 'string', short: 'u', value: 'USER', description: "only this user's" },
      ...pageOptions,
    },
    run: async (ctx, _args, values) => {
      const items = await list(ctx, `${V2}/assignments`, { cloud: values.cloud as string, status: values.status as string, user: values.user as string }, values);
      return { data: { items }, columns: assignmentColumns };
    },
  },
  {
    name: 'assignments show',
    args: '<assignment-id>',
    summary: 'one assignment (<cloud>:<tracker id>)',
    run: async (ctx, [id]) => ({ data: (await ctx.client.request('GET', `${V2}/assignments/${enc(id)}`)).body, columns: assignmentColumns }),
  },
  {
    name: 'assignments create',
    args: '<vm-id|hostname>',
    summary: 'assign a FREE VM to a user',
    options: {
      ...cloudOption,
      user: { type: 'string', short: 'u', value: 'USER', description: 'whom the VM is assigned to (required)' },
      type: { type: 'string', short: 't', value: 'VM_TYPE', description: 'the vm type / recipe (required)' },
    },
    run: async (ctx, [ref], values) => {
      if (!values.user || !values.type) throw usageError('assignments create needs --user and --type');
      const body = { cloud: await ctx.cloud(values), ...vmRef(ref), user: values.user, vmType: values.type };
      const answer = await ctx.client.request('POST', `${V2}/assignments`, { body, headers: { 'idempotency-key': crypto.randomUUID() } });
      return { data: answer.body, columns: assignmentColumns };
    },
  },
  {
    name: 'assignments release',
    args: '<assignment-id>',
    summary: 'un-assign, delete the VM, wait until it is gone (an operation)',
    options: WAIT_OPTION,
    run: async (ctx, [id], values) => {
      const { body } = await ctx.client.request('DELETE', `${V2}/assignments/${enc(id)}`);
      return operationOutcome(ctx, body as Operation, values);
    },
  },
  {
    name: 'operations list',
    summary: 'operations, newest first',
    options: {
      state: { type: 'string', value: 'STATE', description: 'queued, running, succeeded, failed or interrupted' },
      kind: { type: 'string', value: 'KIND', description: 'vm.start, vm.destroy, vm.release, …' },
      cloud: { type: 'string', short: 'c', value: 'CLOUD', description: 'only this cloud' },
      ...pageOptions,
    },
    run: async (ctx, _args, values) => {
      const items = await list(ctx, `${V2}/operations`, { state: values.state as string, kind: values.kind as string, cloud: values.cloud as string }, values);
      return { data: { items }, columns: operationColumns };
    },
  },
  {
    name: 'operations show',
    args: '<operation-id>',
    summary: 'one operation with its steps',
    run: async (ctx, [id]) => ({ data: (await ctx.client.request('GET', `${V2}/operations/${enc(id)}`)).body }),
  },
  {
    name: 'operations watch',
    args: '<operation-id>',
    summary: 'follow an operation to its end',
    run: async (ctx, [id]) => {
      const { body } = await ctx.client.request('GET', `${V2}/operations/${enc(id)}`);
      return { data: await ctx.follow(body as Operation), columns: operationColumns };
    },
  },
];
