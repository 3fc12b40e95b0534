// The operator API (admin role): clouds, aliases, drain, reload, log level, users, limits,
// audit, reconcile.
import { enc, type CliContext, type Command, type OptionSpec, type Values } from './cli-command.js';
import { usageError } from './cli-errors.js';
import type { Column, Shown } from './cli-output.js';
import { readSecret } from './cli-prompt.js';

const ADMIN = 'api/v2/admin';

const cloudColumns: Column[] = [
  { header: 'NAME', get: (c) => c.name },
  { header: 'DRIVER', get: (c) => c.driver },
  { header: 'ENABLED', get: (c) => (c.enabled ? 'yes' : 'no') },
  { header: 'USED', get: (c) => c.used },
  { header: 'ALLOCATION', get: (c) => c.allocation ?? 'unlimited' },
  { header: 'ALIASES', get: (c) => c.aliases },
  { header: 'OVERRIDES', get: (c) => c.overrides, wide: true },
];
const userColumns: Column[] = [
  { header: 'USERNAME', get: (u) => u.username },
  { header: 'ROLE', get: (u) => u.role },
  { header: 'ACTIVE', get: (u) => (u.active ? 'yes' : 'no') },
  { header: 'CREATED', get: (u) => u.createdAt, wide: true },
];

type Request = (args: string[], values: Values, ctx: CliContext) => Promise<[method: string, path: string, body?: unknown]> | [string, string, unknown?];

/** A command that is one API call, its answer shown as is (with columns when given). */
type Body = Record<string, unknown>;

function call(name: string, summary: string, request: Request, extra: Partial<Command> & { columns?: Column[]; text?: (body: Body) => string } = {}): Command {
  const { columns, text, ...rest } = extra;
  return {
    name,
    summary,
    ...rest,
    run: async (ctx, args, values): Promise<Shown> => {
      const [method, path, body] = await request(args, values, ctx);
      const answer = await ctx.client.request(method, path, { body });
      return { data: answer.body ?? { ok: true }, columns, ...(text ? { text: text(answer.body) } : {}) };
    },
  };
}

const auditOptions: Record<string, OptionSpec> = {
  action: { type: 'string', value: 'ACTION', description: 'only this action (cloud.update, user.create, …)' },
  actor: { type: 'string', value: 'USER', description: "only this user's" },
  limit: { type: 'string', value: 'N', description: 'entries (1-500)' },
};

function allocationValue(value: string): number | string | null {
  if (value === 'unlimited') return 'unlimited';
  if (value === 'config') return null;
  if (!/^\d+$/.test(value)) throw usageError(`allocation ${value}: expected a number, "unlimited" or "config"`);
  return Number(value);
}

async function password(ctx: CliContext): Promise<string> {
  const secret = await readSecret('New password: ', ctx.stdin, ctx.stderr);
  if (!secret) throw usageError('an empty password');
  return secret;
}

export const adminCommands: Command[] = [
  call('admin clouds list', 'every cloud with its operator settings and usage', () => ['GET', `${ADMIN}/clouds`], { columns: cloudColumns }),
  call('admin clouds show', 'one cloud with its operator settings', ([c]) => ['GET', `${ADMIN}/clouds/${enc(c)}`], { args: '<cloud>' }),
  call('admin clouds enable', 'take new starts and assignments again', ([c]) => ['PATCH', `${ADMIN}/clouds/${enc(c)}`, { enabled: true }], { args: '<cloud>', columns: cloudColumns }),
  call('admin clouds disable', 'refuse new starts and assignments (503)', ([c]) => ['PATCH', `${ADMIN}/clouds/${enc(c)}`, { enabled: false }], { args: '<cloud>', columns: cloudColumns }),
  call('admin clouds allocation', 'set the most VMs held there (N, unlimited, or config to hand back to the config)', ([c, n]) => ['PATCH', `${ADMIN}/clouds/${enc(c)}`, { allocation: allocationValue(n) }], {
    args: '<cloud> <n|unlimited|config>',
    columns: cloudColumns,
  }),
  call('admin clouds shutdown', "destroy a cloud's FREE VMs (never an assigned one)", ([c], v) => ['POST', `${ADMIN}/clouds/${enc(c)}/vms/actions`, { action: 'shutdown', count: countValue(v) }], {
    args: '<cloud>',
    options: { count: { type: 'string', value: 'N|all', description: 'how many (default all)' } },
  }),
  call('admin clouds retire', 'FREE VMs go now, assigned ones when released', ([c], v) => ['POST', `${ADMIN}/clouds/${enc(c)}/vms/actions`, { action: 'retire', count: countValue(v) }], {
    args: '<cloud>',
    options: { count: { type: 'string', value: 'N|all', description: 'how many (default all)' } },
  }),
  call('admin vms action', 'shutdown, retire or reset-override one VM (its id at the cloud, or its hostname)', ([c, vm, action]) => ['POST', `${ADMIN}/clouds/${enc(c)}/vms/${enc(vm)}/actions`, { action }], {
    args: '<cloud> <vm> <action>',
  }),
  call('admin vms forget', "drop tracker records without calling the cloud: one VM, or all of the cloud's", ([c, vm]) => ['DELETE', vm ? `${ADMIN}/clouds/${enc(c)}/vms/${enc(vm)}` : `${ADMIN}/clouds/${enc(c)}/vms`], {
    args: '<cloud> [vm]',
  }),
  call('admin aliases list', 'every alias and whether config or an operator made it', () => ['GET', `${ADMIN}/aliases`], {
    columns: [
      { header: 'ALIAS', get: (a) => a.alias },
      { header: 'CLOUD', get: (a) => a.cloud },
      { header: 'ORIGIN', get: (a) => a.origin },
    ],
  }),
  call('admin aliases add', 'add an alias to a cloud', ([c, a]) => ['POST', `${ADMIN}/clouds/${enc(c)}/aliases`, { alias: a }], { args: '<cloud> <alias>' }),
  call('admin aliases remove', 'remove an alias', ([a]) => ['DELETE', `${ADMIN}/aliases/${enc(a)}`], { args: '<alias>' }),
  call('admin drain', 'refuse new starts; /readyz answers 503', () => ['POST', `${ADMIN}/drain`], { text: (b) => `draining: ${String(b.draining)}` }),
  call('admin undrain', 'lift the drain', () => ['POST', `${ADMIN}/undrain`], { text: (b) => `draining: ${String(b.draining)}` }),
  call('admin drain-status', 'whether the dispatcher drains', () => ['GET', `${ADMIN}/drain`], { text: (b) => `draining: ${String(b.draining)}` }),
  call('admin reload', 're-read the configuration file and environment', () => ['POST', `${ADMIN}/reload`]),
  {
    name: 'admin log-level',
    args: '[level]',
    summary: 'show or set the log level (fatal, error, warn, info, debug, trace, silent)',
    run: async (ctx, [level]) => {
      const answer = level ? await ctx.client.request('PUT', `${ADMIN}/log-level`, { body: { level } }) : await ctx.client.request('GET', `${ADMIN}/log-level`);
      return { data: answer.body, text: answer.body.previous ? `log level ${answer.body.previous} → ${answer.body.level}` : `log level ${answer.body.level}` };
    },
  },
  call('admin users list', 'API users', () => ['GET', `${ADMIN}/users`], { columns: userColumns }),
  call('admin users show', 'one API user', ([u]) => ['GET', `${ADMIN}/users/${enc(u)}`], { args: '<username>', columns: userColumns }),
  call('admin users create', 'create a user (password prompted, or the first line of stdin)', async ([u], v, ctx) => ['POST', `${ADMIN}/users`, { username: u, password: await password(ctx), role: v.role ?? 'user' }], {
    args: '<username>',
    options: { role: { type: 'string', value: 'admin|user', description: 'default user' } },
    columns: userColumns,
  }),
  call('admin users update', "change a user's role or switch it off/on", ([u], v) => ['PATCH', `${ADMIN}/users/${enc(u)}`, userChanges(v)], {
    args: '<username>',
    options: {
      role: { type: 'string', value: 'admin|user', description: 'the new role' },
      active: { type: 'boolean', description: 'let the user log in again' },
      inactive: { type: 'boolean', description: 'refuse its logins and tokens' },
    },
    columns: userColumns,
  }),
  call('admin users password', "set a user's password (prompted, or the first line of stdin)", async ([u], _v, ctx) => ['PUT', `${ADMIN}/users/${enc(u)}/password`, { password: await password(ctx) }], {
    args: '<username>',
    columns: userColumns,
  }),
  call('admin users revoke-tokens', "revoke every token of a user", ([u]) => ['DELETE', `${ADMIN}/users/${enc(u)}/tokens`], { args: '<username>', text: (b) => `revoked ${String(b.revokedTokens)} token(s)` }),
  call('admin limits list', "per-user limits on assigned VMs", () => ['GET', `${ADMIN}/user-limits`], {
    columns: [
      { header: 'USER', get: (l) => l.user },
      { header: 'MAX ASSIGNED', get: (l) => l.maxAssigned },
      { header: 'HELD', get: (l) => l.held },
      { header: 'BY', get: (l) => l.updatedBy, wide: true },
      { header: 'UPDATED', get: (l) => l.updatedAt, wide: true },
    ],
  }),
  call('admin limits set', 'the most VMs a user may hold assigned', ([u, n]) => ['PUT', `${ADMIN}/user-limits/${enc(u)}`, { maxAssigned: Number(n) }], { args: '<user> <max-assigned>' }),
  call('admin limits remove', "remove a user's limit", ([u]) => ['DELETE', `${ADMIN}/user-limits/${enc(u)}`], { args: '<user>', text: () => 'removed' }),
  {
    name: 'admin audit',
    summary: 'the audit log, newest first',
    options: auditOptions,
    run: async (ctx, _args, values) => {
      const { body } = await ctx.client.request('GET', `${ADMIN}/audit`, { query: { action: values.action as string, actor: values.actor as string, limit: values.limit as string } });
      return {
        data: body,
        columns: [
          { header: 'AT', get: (e) => e.at },
          { header: 'ACTOR', get: (e) => e.actor },
          { header: 'ACTION', get: (e) => e.action },
          { header: 'TARGET', get: (e) => e.target },
          { header: 'RESULT', get: (e) => e.result },
          { header: 'PARAMS', get: (e) => e.params, wide: true },
          { header: 'MESSAGE', get: (e) => e.message, wide: true },
        ],
      };
    },
  },
  call('admin reconcile', 'run a reconcile pass now and show what it found', () => ['POST', `${ADMIN}/reconcile`]),
];

function countValue(values: Values): number | 'all' {
  const count = (values.count as string | undefined) ?? 'all';
  if (count === 'all') return 'all';
  if (!/^\d+$/.test(count)) throw usageError(`--count ${count}: expected a number or "all"`);
  return Number(count);
}

function userChanges(values: Values): Record<string, unknown> {
  if (values.active && values.inactive) throw usageError('--active and --inactive exclude each other');
  const changes = { role: values.role, active: values.active ? true : values.inactive ? false : undefined };
  if (changes.role === undefined && changes.active === undefined) throw usageError('give --role, --active or --inactive');
  return changes;
}
