// The real `dispatcher` binary against a real server: clusters (create --wait, show, scale,
// stop/start, remove a member, delete --wait), the placed single-VM create, images saved from a VM.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cliAgainstApp } from '../support/cli-app.js';
import { waitFor } from '../support/wait-for.js';

describe('dispatcher CLI: clusters, vms place, images', () => {
  const cli = cliAgainstApp();
  const { d } = cli;

  it('creates a cluster with --wait, shows, lists, scales, stops and starts it, removes a member, deletes it with --wait', async () => {
    const created = await d('clusters', 'create', 'cli-job', '--count', '2', '--image', 'ubuntu-24.04', '--size', 'm1.small', '--meta', 'team=ops', '--strategy', 'spread', '--wait');
    const c = created.body;
    assert.equal(c.name, 'cli-job');
    assert.equal(c.status, 'ready');
    assert.equal(c.desiredSize, 2);
    assert.equal(c.actualSize, 2);
    assert.deepEqual(c.clouds, { default: 1, 'fake-east': 1 });
    assert.deepEqual(c.template.metadata, { team: 'ops' });
    assert.match(created.stderr, /operation [0-9a-f-]{36} cluster\.create succeeded: /);

    const shown = (await d('clusters', 'show', c.id)).body;
    assert.deepEqual(Object.keys(shown).sort(), ['actualSize', 'clouds', 'createdAt', 'desiredSize', 'failures', 'id', 'links', 'members', 'name', 'placement', 'status', 'template', 'updatedAt']);
    assert.equal(shown.members.length, 2);
    for (const m of shown.members) {
      assert.match(m.name, /^cli-job-[0-9a-f]{8}$/);
      assert.equal(m.state, 'active');
      assert.equal(m.trackerStatus, 'FREE');
      assert.ok(await cli.app.fake(m.cloud).getVm(m.vmId), 'the member is a VM at its cloud');
    }
    assert.deepEqual((await d('clusters', 'list')).body.items.map((x: { id: string }) => x.id), [c.id]);
    const table = await cli.home.run(['clusters', 'show', c.id, '-o', 'table']);
    assert.match(table.stdout, /^id:\s+\S+\nname:\s+cli-job\n/);
    assert.match(table.stdout, /\nNAME\s+CLOUD\s+VM\s+MEMBER\s+VM STATE\s+TRACKER\n/);

    const scaled = (await d('clusters', 'scale', c.id, '3', '--wait')).body;
    assert.equal(scaled.kind, 'cluster.scale');
    assert.equal(scaled.state, 'succeeded');
    const three = (await d('clusters', 'show', c.id)).body;
    assert.equal(three.actualSize, 3);

    await waitFor('members running', async () => (await d('clusters', 'show', c.id)).body.members.every((m: { vmState: string }) => m.vmState === 'running'));
    assert.equal((await d('clusters', 'action', c.id, 'stop', '--wait')).body.state, 'succeeded');
    assert.equal((await d('clusters', 'show', c.id)).body.status, 'stopped');
    assert.equal((await d('clusters', 'action', c.id, 'start', '--wait')).body.state, 'succeeded');
    assert.equal((await d('clusters', 'show', c.id)).body.status, 'ready');

    const gone = three.members[0];
    const removing = (await d('clusters', 'remove-member', c.id, gone.name)).body;
    assert.match(removing.kind, /^cluster\./);
    assert.equal((await d('operations', 'watch', removing.id)).body.state, 'succeeded');
    const two = (await d('clusters', 'show', c.id)).body;
    assert.equal(two.desiredSize, 2);
    assert.ok(!two.members.some((m: { vmId: string }) => m.vmId === gone.vmId));
    assert.equal(await cli.app.fake(gone.cloud).getVm(gone.vmId), null);

    const deleted = (await d('clusters', 'delete', c.id, '--wait')).body;
    assert.equal(deleted.kind, 'cluster.delete');
    assert.equal(deleted.state, 'succeeded');
    for (const m of two.members) assert.equal(await cli.app.fake(m.cloud).getVm(m.vmId), null, 'every member is gone from its cloud');
    const missing = await cli.home.run(['clusters', 'show', c.id, '-o', 'json']);
    assert.equal(missing.code, 4, missing.stderr);
  });

  it('places a single VM on the named cloud (vms place --wait)', async () => {
    const vm = (await d('vms', 'place', 'cli-placed', '--image', 'ubuntu-24.04', '--size', 'm1.small', '--clouds', 'east', '--strategy', 'pack', '--wait')).body;
    assert.equal(vm.name, 'cli-placed');
    assert.equal(vm.cloud, 'fake-east');
    assert.ok(await cli.app.fake('fake-east').getVm(vm.id));
  });

  it('refuses a cluster no cloud can take with exit 5 and each cloud\'s reason, starting nothing', async () => {
    const before = cli.app.fake('default').size + cli.app.fake('fake-east').size;
    const run = await cli.home.run(['clusters', 'create', 'nowhere', '--count', '2', '--image', 'no-such-image', '--size', 'm1.small']);
    assert.equal(run.code, 5, run.stderr);
    assert.match(run.stderr, /409 .*\[NoPlacement\]/);
    assert.match(run.stderr, /\n {2}default: no image no-such-image\n {2}fake-east: no image no-such-image\n/);
    assert.equal(cli.app.fake('default').size + cli.app.fake('fake-east').size, before);
  });

  it('saves a VM as an image with --wait, lists it, deletes it (exit 4 the second time)', async () => {
    const vm = (await d('vms', 'create', 'cli-golden-src', '--image', 'ubuntu-24.04', '--size', 'm1.small', '--wait')).body;
    const saved = await d('images', 'save', 'default', vm.id, '--name', 'cli-golden', '--wait');
    const image = saved.body;
    assert.equal(image.name, 'cli-golden');
    assert.match(saved.stderr, /image\.create succeeded/);
    assert.ok((await d('images', 'list')).body.items.some((i: { id: string }) => i.id === image.id));
    assert.deepEqual((await d('images', 'delete', 'default', image.id)).body, { cloud: 'default', id: image.id, deleted: true });
    assert.ok(!(await d('images', 'list')).body.items.some((i: { id: string }) => i.id === image.id));
    const again = await cli.home.run(['images', 'delete', 'default', image.id]);
    assert.equal(again.code, 4, again.stderr);
  });

  it('answers usage mistakes with exit 2 before any request', async () => {
    const clustersBefore = (await d('clusters', 'list')).body.items.length;
    const cases: Array<[string[], RegExp]> = [
      [['clusters', 'create', 'c1', '--image', 'ubuntu-24.04', '--size', 'm1.small'], /clusters create needs --count/],
      [['clusters', 'create', 'c1', '--count', 'two', '--image', 'ubuntu-24.04', '--size', 'm1.small'], /--count two: expected a number/],
      [['clusters', 'create', 'c1', '--count', '2', '--image', 'ubuntu-24.04', '--size', 'm1.small', '--strategy', 'random'], /--strategy random: expected one of spread, pack, weighted/],
      [['clusters', 'scale', 'some-id'], /clusters scale takes <cluster-id> <count>; got some-id/],
      [['clusters', 'action', 'some-id', 'explode'], /expected one of start, stop, reboot, repair/],
      [['vms', 'place', 'p1', '--image', 'ubuntu-24.04'], /vms place needs --image and --size/],
      [['images', 'save', 'default', 'vm-1'], /images save needs --name/],
    ];
    for (const [args, message] of cases) {
      // fetch refuses port 1 (exit 7 for any request), so exit 2 means the command made none.
      const run = await cli.home.run(args, { env: { DISPATCHER_URL: 'http://127.0.0.1:1' } });
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    }
    assert.equal((await d('clusters', 'list')).body.items.length, clustersBefore);
  });

  it('lists the new commands in help and completes them in bash', async () => {
    const help = await cli.home.run(['clusters']);
    assert.equal(help.code, 0);
    for (const c of ['list', 'show', 'create', 'scale', 'remove-member', 'action', 'delete']) assert.match(help.stdout, new RegExp(`clusters ${c}\\b`));
    const bash = (await cli.home.run(['completion', 'bash'])).stdout;
    assert.match(bash, /"clusters"\) opts="list show create scale remove-member action delete /);
    assert.match(bash, /"clusters create"\*\) opts="--count --image --size --key --meta --clouds --strategy --weight --wait/);
    assert.match(bash, /"images"\) opts="list save delete /);
    assert.match(bash, /"vms"\) opts="[^"]*\bplace\b/);
  });
});
