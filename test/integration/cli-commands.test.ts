// The real `dispatcher` binary against a real server: each command group with -o json shapes,
// table and yaml output, and --wait's progress as plain lines and on a pseudo-terminal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { cliAgainstApp } from '../support/cli-app.js';
import { json } from '../support/cli-runner.js';

describe('dispatcher CLI: command groups', () => {
  const cli = cliAgainstApp();
  const { d } = cli;

  it('lists clouds, images and sizes (default cloud, --cloud by alias)', async () => {
    const clouds = (await d('clouds', 'list')).body;
    assert.deepEqual(clouds.items.map((c: { name: string }) => c.name), ['default', 'fake-east']);
    assert.equal((await d('clouds', 'show', 'east')).body.name, 'fake-east');
    const images = (await d('images', 'list')).body;
    assert.ok(images.items.some((i: { name: string }) => i.name === 'ubuntu-24.04'));
    const sizes = (await d('sizes', 'list', '--cloud', 'east')).body;
    assert.ok(sizes.items.some((s: { name: string; vcpus: number }) => s.name === 'm1.small' && s.vcpus === 1));
  });

  it('creates a VM with --wait (plain progress lines on stderr), shows, lists, assigns, releases and deletes', async () => {
    const created = await d('vms', 'create', 'cli-w1', '--image', 'ubuntu-24.04', '--size', 'm1.small', '--meta', 'team=ops', '--wait');
    const vm = created.body;
    assert.equal(vm.name, 'cli-w1');
    assert.equal(vm.cloud, 'default');
    assert.equal(vm.metadata.team, 'ops');
    const lines = created.stderr.trim().split('\n');
    assert.ok(lines.every((l) => /^\S+Z operation [0-9a-f-]{36} vm\.start (queued|running|succeeded): .* \(\d+\.\ds\)$/.test(l)), created.stderr);
    assert.match(lines[lines.length - 1], /succeeded: .*create/);
    assert.ok(!created.stderr.includes('\r'), 'no terminal control characters when stderr is not a terminal');

    assert.equal((await d('vms', 'show', vm.id)).body.id, vm.id);
    const listed = (await d('vms', 'list', '--name', 'cli-w1')).body;
    assert.deepEqual(listed.items.map((v: { id: string }) => v.id), [vm.id]);

    const assigned = (await d('assignments', 'create', vm.id, '--user', 'alice', '--type', 'worker')).body;
    assert.equal(assigned.status, 'ASSIGNED');
    assert.equal(assigned.user, 'alice');
    assert.equal((await d('assignments', 'show', assigned.id)).body.vmId, vm.id);
    assert.deepEqual((await d('assignments', 'list', '--user', 'alice')).body.items.map((a: { id: string }) => a.id), [assigned.id]);
    const released = (await d('assignments', 'release', assigned.id, '--wait')).body;
    assert.equal(released.kind, 'vm.release');
    assert.equal(released.state, 'succeeded');

    const other = (await d('vms', 'create', 'cli-w2', '--image', 'ubuntu-24.04', '--size', 'm1.small', '--wait')).body;
    const deleting = (await d('vms', 'delete', other.id)).body;
    assert.equal(deleting.kind, 'vm.destroy');
    const watched = (await d('operations', 'watch', deleting.id)).body;
    assert.equal(watched.state, 'succeeded');
    assert.equal((await d('operations', 'show', deleting.id)).body.id, deleting.id);
    const ops = (await d('operations', 'list', '--kind', 'vm.start')).body;
    assert.equal(ops.items.length, 2);
  });

  it('reports a failed operation with exit 8 after --wait', async () => {
    const run = await cli.home.run(['vms', 'create', 'cli-bad', '--image', 'no-such-image', '--size', 'm1.small', '--wait', '-o', 'json']);
    assert.equal(run.code, 8, run.stderr);
    assert.match(run.stderr, /operation [0-9a-f-]{36} \(vm\.start\) failed: /);
  });

  it('shows progress with a spinner line on a terminal', async () => {
    const run = await cli.home.runOnTty(['vms', 'create', 'cli-tty', '--image', 'ubuntu-24.04', '--size', 'm1.small', '--wait']);
    assert.equal(run.code, 0, run.stdout);
    // eslint-disable-next-line no-control-regex -- the terminal line rewrite is what is asserted
    assert.match(run.stdout, /\r\x1b\[K✔ vm\.start [0-9a-f]{8} succeeded · .*create.* · \d+\.\ds/);
    // A table, not JSON, on a terminal.
    assert.match(run.stdout, /ID\s+NAME\s+STATE\s+PUBLIC IP/);
    assert.match(run.stdout, /cli-tty/);
  });

  it('answers status and the operator commands', async () => {
    const status = (await d('status')).body;
    assert.equal(status.summary.defaultCloud, 'default');
    assert.deepEqual(status.clouds.map((c: { name: string }) => c.name), ['default', 'fake-east']);
    assert.ok(status.heartbeats);
    assert.ok('succeeded' in status.operations);
    for (const view of ['clouds', 'vms', 'missing', 'startup-times', 'failures', 'operations', 'heartbeats', 'config']) await d('status', view);

    const clouds = (await d('admin', 'clouds', 'allocation', 'east', '5')).body;
    assert.equal(clouds.allocation, 5);
    assert.equal((await d('admin', 'clouds', 'disable', 'east')).body.enabled, false);
    assert.equal((await d('admin', 'clouds', 'enable', 'east')).body.enabled, true);
    await d('admin', 'aliases', 'add', 'default', 'home');
    assert.ok((await d('admin', 'aliases', 'list')).body.items.some((a: { alias: string }) => a.alias === 'home'));
    await d('admin', 'aliases', 'remove', 'home');
    assert.equal((await d('admin', 'log-level', 'debug')).body.level, 'debug');
    assert.equal((await d('admin', 'drain')).body.draining, true);
    assert.equal((await d('admin', 'undrain')).body.draining, false);
    const user = await cli.home.run(['admin', 'users', 'create', 'bob', '--role', 'user', '-o', 'json'], { input: 'bob-password-1\n' });
    assert.equal(user.code, 0, user.stderr);
    assert.equal(json(user).username, 'bob');
    assert.ok((await d('admin', 'users', 'list')).body.items.some((u: { username: string }) => u.username === 'bob'));
    assert.equal((await d('admin', 'limits', 'set', 'alice', '3')).body.maxAssigned, 3);
    assert.ok((await d('admin', 'audit', '--action', 'user.create')).body.items.length >= 1);
    assert.ok(Array.isArray((await d('admin', 'reconcile')).body.clouds));
  });

  it('prints tables (wide adds columns) and YAML', async () => {
    const table = await cli.home.run(['clouds', 'list', '-o', 'table']);
    assert.match(table.stdout, /^NAME\s+DRIVER\s+DEFAULT\s+ENABLED\s+ALIASES\n/);
    assert.match(table.stdout, /fake-east\s+fake\s+-\s+yes\s+east/);
    const wide = await cli.home.run(['clouds', 'list', '-o', 'wide']);
    assert.match(wide.stdout, /CAPABILITIES/);
    const yaml = await cli.home.run(['clouds', 'list', '-o', 'yaml']);
    assert.deepEqual(parseYaml(yaml.stdout), json(await cli.home.run(['clouds', 'list', '-o', 'json'])));
  });

  it('prints bash and zsh completion scripts', async () => {
    const bash = await cli.home.run(['completion', 'bash']);
    assert.equal(bash.code, 0);
    assert.match(bash.stdout, /complete -F _dispatcher dispatcher/);
    assert.match(bash.stdout, /"vms create"\*\) opts="--cloud --image --size/);
    const zsh = await cli.home.run(['completion', 'zsh']);
    assert.match(zsh.stdout, /^#compdef dispatcher/);
    assert.match(zsh.stdout, /bashcompinit/);
  });
});
