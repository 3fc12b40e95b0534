// Issue 16: placement through the API on fake clouds with latency — allocations and disabled
// clouds honoured, the 409 naming each cloud's reason — and members whose create answers are lost
// (the cloud made the VM, the dispatcher never heard) resolved by request id: no duplicate.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FAST_FAKE, startTestApp, type TestApp } from '../support/app-harness.js';

const template = { image: 'ubuntu-24.04', size: 'm1.small' };
const SLOW = { ...FAST_FAKE, latencyMs: 15, jitterMs: 10 };

describe('placement over clouds with allocations, a disabled cloud and latency', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      clouds: [
        { name: 'default', driver: 'fake', default: true, allocation: 2, options: { ...SLOW } },
        { name: 'fake-east', driver: 'fake', options: { ...SLOW, seed: 2 } },
        { name: 'fake-off', driver: 'fake', enabled: false, options: { ...SLOW, seed: 3 } },
      ],
    });
  });
  after(async () => app?.close());

  it('pack fills the allocation of the first cloud, then the next; the disabled cloud gets none', async () => {
    const res = await app.request('POST', '/api/v2/clusters?wait=true', { name: 'packed', size: 5, template, placement: { strategy: 'pack' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(res.body.clouds, { default: 2, 'fake-east': 3 });
    assert.equal(app.fake('fake-off').size, 0);
    const [op] = (await app.request('GET', '/api/v2/operations?kind=cluster.create&limit=1')).body.items;
    assert.equal(op.placement['fake-off'], 'disabled by an operator');
  });

  it('a full allocation and a disabled cloud are each named in the 409, and nothing starts', async () => {
    const before = app.fake('default').size + app.fake('fake-east').size;
    const res = await app.request('POST', '/api/v2/clusters', { name: 'refused', size: 1, template, placement: { clouds: ['default', 'fake-off'] } });
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.deepEqual(res.body.clouds, { default: 'allocation of 2 reached (2 in use)', 'fake-off': 'disabled by an operator', 'fake-east': 'not among the clouds the placement names' });
    assert.equal(app.fake('default').size + app.fake('fake-east').size, before);
  });

  it('spread over the two open clouds after the allocation is reached goes to the one with room', async () => {
    const res = await app.request('POST', '/api/v2/vms?wait=true', { ...template, name: 'placed-spread' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.cloud, 'fake-east');
  });
});

describe('members whose create answers are lost', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ clouds: [{ name: 'default', driver: 'fake', default: true, options: { ...SLOW } }] });
  });
  after(async () => app?.close());

  it('are found by request id and tracked once: the cluster is ready with no duplicate VM', async () => {
    for (const list of ['images', 'sizes']) await app.request('GET', `/api/v2/clouds/default/${list}`);
    app.fake().setFaults({ lostAnswerRate: 1 });
    const res = await app.request('POST', '/api/v2/clusters?wait=true', { name: 'lossy', size: 6, template });
    app.fake().setFaults({ lostAnswerRate: 0 });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, 'ready');
    assert.equal(res.body.actualSize, 6);
    assert.equal(app.fake().size, 6, 'six VMs at the cloud, not twelve');
    const records = await app.dispatcher.services.tracker.listNodes('default', true);
    assert.equal(records.length, 6);
    const starts = (await app.request('GET', '/api/v2/operations?kind=vm.start&limit=50')).body.items;
    assert.equal(starts.length, 6);
    assert.ok(starts.every((op: any) => op.state === 'succeeded' && op.steps.some((s: any) => s.step === 'lookup')), 'each resolved by lookup');
  });

  it('stay unresolved (the cluster operation running, never failed) until a recovery pass finds their VMs', async () => {
    const fake = app.fake();
    fake.setFaults({ lostAnswerRate: 1 });
    const lookup = fake.findVmByRequestId.bind(fake);
    fake.findVmByRequestId = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    };
    const before = fake.size;
    const res = await app.request('POST', '/api/v2/clusters?wait=true', { name: 'unresolved', size: 2, template });
    assert.equal(res.status, 202, 'the operation has not ended: 202, not a failure');
    const opUrl = res.headers.get('location') as string;
    const stuck = (await app.request('GET', opUrl)).body;
    assert.equal(stuck.state, 'running');
    assert.equal(stuck.steps.at(-1).step, 'unresolved');
    assert.equal((await app.request('GET', `/api/v2/clusters/${stuck.target}`)).body.status, 'creating');

    fake.findVmByRequestId = lookup;
    fake.setFaults({ lostAnswerRate: 0 });
    await app.dispatcher.services.operationService.recover();
    const done = (await app.request('GET', opUrl)).body;
    assert.equal(done.state, 'succeeded', JSON.stringify(done.steps));
    const shown = (await app.request('GET', `/api/v2/clusters/${done.target}`)).body;
    assert.equal(shown.status, 'ready');
    assert.equal(shown.actualSize, 2);
    assert.equal(fake.size, before + 2, 'the two VMs the lost answers made, no more');
  });
});
