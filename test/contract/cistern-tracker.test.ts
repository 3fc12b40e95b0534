import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCisternTracker, type CisternTracker } from '../../src/cistern/cistern-client.js';
import { DispatcherError } from '../../src/domain/errors.js';
import { silentLogger } from '../support/silent-logger.js';
import { startCisternDouble, type CisternDouble } from '../support/cistern/cistern-double.js';
import { describeTrackerContract, rejectsWithClientError } from './tracker-contract.js';

describeTrackerContract('cistern client against the double', async () => {
  const double = await startCisternDouble({ token: 'contract-token' });
  const tracker = createCisternTracker({ url: double.url, timeoutMs: 2_000, token: 'contract-token', probeCloud: 'alpha' }, silentLogger);
  return {
    tracker,
    seed: async (cloud, records) => void double.seed(cloud, records),
    markFaulty: async (cloud, idVm) => double.records.setStatus(cloud, idVm, 'FAULTY'),
    close: () => double.close(),
  };
});

// Cistern's Flask app may answer its refusals with a 4xx instead of 200: same contract.
describeTrackerContract('cistern client against a double answering refusals with HTTP 400', async () => {
  const double = await startCisternDouble({ errorHttpStatus: 400 });
  const tracker = createCisternTracker({ url: `${double.url}/`, timeoutMs: 2_000 }, silentLogger);
  return {
    tracker,
    seed: async (cloud, records) => void double.seed(cloud, records),
    markFaulty: async (cloud, idVm) => double.records.setStatus(cloud, idVm, 'FAULTY'),
    close: () => double.close(),
  };
});

// Cistern's protocol names a VM by hostname only: the client acts by id, so it must refuse what
// it cannot name exactly, before Cistern is asked to change anything.
describe('cistern client and VMs sharing a hostname', () => {
  let double: CisternDouble;
  let tracker: CisternTracker;

  before(async () => {
    double = await startCisternDouble();
    tracker = createCisternTracker({ url: double.url, timeoutMs: 2_000 }, silentLogger);
  });
  after(async () => {
    await tracker?.close();
    await double?.close();
  });

  it('refuses to assign or release one of two live twins, sending Cistern no change', async () => {
    double.seed('twins', [
      { id_vm: 'vm-a', hostname: 'twin' },
      { id_vm: 'vm-b', hostname: 'twin' },
    ]);
    const assign = await rejectsWithClientError(tracker.assign('twins', { idVm: 'vm-a', user: 'ada', vmType: 'worker' }), 409);
    assert.equal(assign.code, 'AmbiguousHostname');
    assert.deepEqual(assign.details?.candidates, ['vm-a', 'vm-b']);
    const release = await rejectsWithClientError(tracker.release('twins', 'vm-b'), 409);
    assert.equal(release.code, 'AmbiguousHostname');
    assert.equal(double.received('assign').length + double.received('release').length, 0, 'nothing sent that Cistern could apply to the wrong VM');
    assert.deepEqual(double.records.list('twins').map((r) => r.status_desc), ['FREE', 'FREE']);
  });

  it('acts on the live twin once the other is released, by its id', async () => {
    double.seed('half', [
      { id_vm: 'vm-old', hostname: 'twin', status_desc: 'RELEASED' },
      { id_vm: 'vm-new', hostname: 'twin' },
    ]);
    assert.equal((await tracker.assign('half', { idVm: 'vm-new', user: 'ada', vmType: 'worker' })).id_vm, 'vm-new');
    await rejectsWithClientError(tracker.release('half', 'vm-old'), 409);
    assert.equal((await tracker.release('half', 'vm-new')).id_vm, 'vm-new');
  });

  it('reports a Cistern that changed another VM than the one asked for as a fault', async () => {
    double.seed('swap', [{ id_vm: 'vm-1', hostname: 'host-1' }]);
    double.fail({ kind: 'shape', body: { status: 'ok', id_vm: 'vm-other', id: 9, result: 'Node vm-other assigned' } }, { call: 'assign', times: 1 });
    const err = await tracker.assign('swap', { idVm: 'vm-1', user: 'ada', vmType: 'worker' }).catch((e: unknown) => e);
    assert.ok(err instanceof DispatcherError && err.kind === 'tracker-fault', String(err));
    assert.match(err.message, /acted on node vm-other when asked for vm-1/);
  });

  it('refuses a new VM whose name it already tracks on that cloud (409 NameTaken), and accepts a fresh one', async () => {
    double.seed('names', [{ id_vm: 'vm-1', hostname: 'taken' }]);
    const err = await rejectsWithClientError(tracker.checkNewName('names', 'taken'), 409);
    assert.equal(err.code, 'NameTaken');
    await tracker.checkNewName('names', 'fresh');
    await tracker.checkNewName('other-cloud', 'taken');
  });
});
