// Status over HTTP, the VM figures: missing VMs found by the reconciler (a pass on demand and the
// periodic worker), startup times from fake clouds of known boot delay, boot and image failures.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assign, startVm } from '../support/admin-fixtures.js';
import { FAST_FAKE, startTestApp, type TestApp } from '../support/app-harness.js';
import { waitFor } from '../support/wait-for.js';

describe('status: missing VMs', () => {
  let app: TestApp;

  before(async () => {
    // Short intervals, but nothing runs until a test calls startBackground().
    app = await startTestApp({ config: { reconciler: { intervalMs: 30, startupPollMs: 30, settingsSyncMs: 30 } } });
  });
  after(() => app?.close());

  it('a reconcile pass finds a VM deleted behind our back; forgetting it clears the finding', async () => {
    const kept = await startVm(app, 'kept');
    const lost = await startVm(app, 'lost');
    assert.equal((await app.request('GET', '/api/v2/status/vms/missing')).body.lastPassAt, null, 'no pass ran by itself');
    assert.equal(app.fake().deleteBehindTheBack(lost.id), true);

    const pass = await app.request('POST', '/api/v2/admin/reconcile');
    assert.equal(pass.status, 200, JSON.stringify(pass.body));
    assert.deepEqual(
      pass.body.missing.map((m: { cloud: string; idVm: string; hostname: string; trackerStatus: string; recorded: boolean }) => [m.cloud, m.idVm, m.hostname, m.trackerStatus, m.recorded]),
      [['default', lost.id, 'lost', 'FREE', true]],
    );
    const defaultPass = pass.body.clouds.find((c: { cloud: string }) => c.cloud === 'default');
    assert.deepEqual([defaultPass.listed, defaultPass.tracked, defaultPass.missing], [1, 2, 1]);

    const missing = (await app.request('GET', '/api/v2/status/vms/missing')).body;
    assert.equal(missing.lastPassAt, pass.body.finishedAt);
    assert.deepEqual(missing.vms.map((m: { idVm: string }) => m.idVm), [lost.id]);
    const totals = (await app.request('GET', '/api/v2/status/vms')).body;
    assert.deepEqual(totals.missing.count, 1);
    assert.equal(totals.byCloud.default, 2);
    const cloud = (await app.request('GET', '/api/v2/status/clouds/default')).body;
    assert.equal(cloud.vms.source, 'reconciler');
    assert.equal(cloud.vms.total, 1);

    await app.request('DELETE', `/api/v2/admin/clouds/default/vms/${lost.id}`);
    const again = await app.request('POST', '/api/v2/admin/reconcile');
    assert.deepEqual(again.body.missing, []);
    assert.ok(await app.fake().getVm(kept.id));
  });

  it('a release that finds the VM already gone leaves no finding behind', async () => {
    const vm = await startVm(app, 'released-gone');
    assert.equal((await assign(app, vm.name, 'alice')).status, 200);
    app.fake().deleteBehindTheBack(vm.id);
    assert.equal((await app.request('PUT', '/api/v1/vm/action/release', { hostname: vm.name })).status, 200);
    const pass = await app.request('POST', '/api/v2/admin/reconcile');
    assert.deepEqual(pass.body.missing, []);
  });

  it('the periodic reconciler, once started, finds one too and beats', async () => {
    const lost = await startVm(app, 'lost-later');
    app.fake().deleteBehindTheBack(lost.id);
    app.dispatcher.startBackground();
    await waitFor('the reconciler to report the lost VM', async () =>
      (await app.request('GET', '/api/v2/status/vms/missing')).body.vms.some((m: { idVm: string }) => m.idVm === lost.id),
    );
    const beats = (await app.request('GET', '/api/v2/status/heartbeats')).body.items;
    const reconciler = beats.find((b: { worker: string }) => b.worker === 'reconciler');
    assert.ok(reconciler.rounds >= 1);
    assert.equal(reconciler.late, false);
  });
});

describe('status: startup times and failures', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp({
      clouds: [
        { name: 'default', driver: 'fake', default: true, options: { ...FAST_FAKE, bootDelayMs: 100 } },
        { name: 'slow-boot', driver: 'fake', options: { ...FAST_FAKE, bootDelayMs: 400 } },
        { name: 'flaky', driver: 'fake', options: { ...FAST_FAKE, bootDelayMs: 50, faults: { bootFailureRate: 1 } } },
        { name: 'stuck', driver: 'fake', options: { ...FAST_FAKE, bootDelayMs: 60_000 } },
      ],
      // The startup poll at 10 ms; the full pass and the settings sync out of the way.
      config: { reconciler: { intervalMs: 0, startupPollMs: 10, settingsSyncMs: 0, bootTimeoutMs: 1_000 } },
    });
    app.dispatcher.startBackground();
  });
  after(() => app?.close());

  it('measures create → running per cloud and image, within the boot delay plus the poll', async () => {
    for (let i = 0; i < 3; i++) {
      await startVm(app, `quick-${i}`);
      await startVm(app, `slow-${i}`, { cloud: 'slow-boot' });
    }
    await startVm(app, 'quick-debian', { image: 'img-debian-12' });
    const times = await waitFor('every start measured', async () => {
      const body = (await app.request('GET', '/api/v2/status/vms/startup-times')).body;
      const counts = Object.fromEntries(body.clouds.map((c: { cloud: string; count: number }) => [c.cloud, c.count]));
      return counts.default === 4 && counts['slow-boot'] === 3 ? body : undefined;
    });
    const byCloud = Object.fromEntries(times.clouds.map((c: { cloud: string }) => [c.cloud, c]));
    for (const [cloud, delay] of [['default', 100], ['slow-boot', 400]] as const) {
      const s = byCloud[cloud];
      assert.ok(s.minMs >= delay, `${cloud}: min ${s.minMs} ≥ boot delay ${delay}`);
      assert.ok(s.maxMs < delay + 300, `${cloud}: max ${s.maxMs} < boot delay + poll slack`);
      assert.ok(s.minMs <= s.medianMs && s.medianMs <= s.p95Ms && s.p95Ms <= s.maxMs);
    }
    assert.equal(byCloud['slow-boot'].p95Ms, byCloud['slow-boot'].maxMs, 'nearest rank of 3 values');
    assert.deepEqual(
      byCloud.default.images.map((i: { image: string; count: number }) => [i.image, i.count]),
      [['img-debian-12', 1], ['img-ubuntu-24', 3]],
    );
    assert.ok(byCloud['slow-boot'].minMs > byCloud.default.maxMs, 'the slower cloud shows it');
    const since = new Date(Date.now() + 60_000).toISOString();
    assert.deepEqual((await app.request('GET', `/api/v2/status/vms/startup-times?since=${since}`)).body.clouds, []);
  });

  it('counts boot failures with the cloud\'s fault, boot timeouts, and failures per image', async () => {
    const broken = await startVm(app, 'broken-1', { image: 'img-broken' });
    await startVm(app, 'flaky-1', { cloud: 'flaky' });
    await startVm(app, 'flaky-2', { cloud: 'flaky' });
    const stuck = await startVm(app, 'stuck-1', { cloud: 'stuck' });
    const boot = await waitFor('four failures', async () => {
      const body = (await app.request('GET', '/api/v2/status/failures?type=boot')).body;
      return body.total === 4 ? body : undefined;
    });
    assert.deepEqual(boot.byCloud, { default: 1, flaky: 2, stuck: 1 });
    assert.deepEqual(boot.byKind, { boot: 3, 'boot-timeout': 1 });
    const brokenFailure = boot.recent.find((f: { idVm: string }) => f.idVm === broken.id);
    assert.deepEqual([brokenFailure.kind, brokenFailure.image, brokenFailure.cloud], ['boot', 'img-broken', 'default']);
    assert.match(brokenFailure.fault, /No valid host was found for image broken-image/);
    const stuckFailure = boot.recent.find((f: { idVm: string }) => f.idVm === stuck.id);
    assert.equal(stuckFailure.kind, 'boot-timeout');
    assert.match(stuckFailure.fault, /still pending after 1000 ms/);

    const images = (await app.request('GET', '/api/v2/status/failures?type=image')).body;
    assert.equal(images.type, 'image');
    const rows = images.images.map((i: { cloud: string; image: string; created: number; failed: number; failureRate: number }) => [i.cloud, i.image, i.created, i.failed, i.failureRate]);
    assert.deepEqual(rows, [
      ['flaky', 'img-ubuntu-24', 2, 2, 1],
      ['default', 'img-broken', 1, 1, 1],
      ['stuck', 'img-ubuntu-24', 1, 1, 1],
    ]);
    assert.equal((await app.request('GET', '/api/v2/status/failures?type=disk')).status, 400);
  });
});
