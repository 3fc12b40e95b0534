// The tracker contract: the built-in tracker and the Cistern client run this same suite, so v1
// assign/release/status behave the same whichever one a deployment configures.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { TRACKER_STATUS, type Tracker, type TrackerRecord } from '../../src/cistern/tracker.js';
import { DispatcherError } from '../../src/domain/errors.js';

export interface SeedVm {
  id_vm: string;
  hostname: string;
  recipe?: string;
}

export interface TrackerUnderTest {
  tracker: Tracker;
  /** Puts FREE records in the backend (built-in: `tracker.register`; Cistern: the double). */
  seed(cloud: string, records: SeedVm[]): Promise<void>;
  /** Marks a record FAULTY, where the backend lets a test do that. */
  markFaulty?(cloud: string, idVm: string): Promise<void>;
  /** Two canonical cloud names the backend accepts; `alpha` and `beta` when absent. */
  clouds?: [string, string];
  close(): Promise<void>;
}

const RECORD_KEYS = ['cloud', 'hostname', 'id', 'id_vm', 'recipe', 'recipe_id', 'status', 'status_desc', 'user'];

/** Awaits a rejection with a DispatcherError whose HTTP status is a 4xx (or exactly `status`). */
export async function rejectsWithClientError(promise: Promise<unknown>, status?: number): Promise<DispatcherError> {
  let caught: unknown;
  await promise.then(
    (value) => assert.fail(`expected a ${status ?? '4xx'} DispatcherError, got ${JSON.stringify(value)}`),
    (err: unknown) => (caught = err),
  );
  assert.ok(caught instanceof DispatcherError, `expected a DispatcherError, got ${String(caught)}`);
  if (status === undefined) assert.ok(caught.status >= 400 && caught.status < 500, `expected a 4xx, got ${caught.status} ${caught.message}`);
  else assert.equal(caught.status, status, `expected ${status}, got ${caught.status} ${caught.message}`);
  return caught;
}

export function describeTrackerContract(label: string, setup: () => Promise<TrackerUnderTest>): void {
  describe(`tracker contract: ${label}`, () => {
    let t: TrackerUnderTest;
    let tracker: Tracker;
    let cloudA: string;
    let cloudB: string;

    before(async () => {
      t = await setup();
      tracker = t.tracker;
      [cloudA, cloudB] = t.clouds ?? ['alpha', 'beta'];
    });
    after(async () => {
      await tracker?.close();
      await t?.close();
    });

    /** A fresh FREE VM in `cloud`, so tests do not depend on each other's leftovers. */
    async function freeVm(cloud: string, recipe = 'worker'): Promise<SeedVm> {
      const tag = randomUUID().slice(0, 8);
      const vm = { id_vm: `vm-${tag}`, hostname: `host-${tag}.a+b`, recipe };
      await t.seed(cloud, [vm]);
      return vm;
    }

    async function recordOf(cloud: string, hostname: string): Promise<TrackerRecord | undefined> {
      return (await tracker.listNodes(cloud, true)).find((r) => r.hostname === hostname);
    }

    it('declares its kind and answers health without throwing', async () => {
      assert.ok(tracker.kind === 'builtin' || tracker.kind === 'cistern');
      const health = await tracker.health();
      assert.equal(health.kind, tracker.kind);
      assert.equal(health.ok, true, health.detail);
      assert.equal(typeof health.detail, 'string');
    });

    it("lists seeded VMs as FREE records of Cistern's shape", async () => {
      const vm = await freeVm(cloudA, 'builder');
      const record = await recordOf(cloudA, vm.hostname);
      assert.ok(record, 'the seeded VM is listed');
      for (const key of RECORD_KEYS) assert.ok(key in record, `record has ${key}`);
      assert.ok(Number.isInteger(record.id), 'id is the integer tracker id');
      assert.ok(Number.isInteger(record.recipe_id));
      assert.equal(record.id_vm, vm.id_vm);
      assert.equal(record.cloud, cloudA);
      assert.equal(record.recipe, 'builder');
      assert.equal(record.status, TRACKER_STATUS.FREE);
      assert.equal(record.status_desc, 'FREE');
      assert.equal(record.user, '');
      const active = await tracker.listNodes(cloudA, false);
      assert.ok(active.some((r) => r.hostname === vm.hostname), 'a FREE record is active');
    });

    it('finds one record by VM id, tracker id or hostname, as listing then searching would', async () => {
      const vm = await freeVm(cloudA);
      const listed = await recordOf(cloudA, vm.hostname);
      assert.deepEqual(await tracker.findNode(cloudA, { idVm: vm.id_vm }), listed);
      assert.deepEqual(await tracker.findNode(cloudA, { hostname: vm.hostname }), listed);
      assert.ok(listed);
      assert.deepEqual(await tracker.findNode(cloudA, { id: listed.id }), listed, "by the tracker's own id");
      assert.equal(await tracker.findNode(cloudB, { id: listed.id }), undefined, "a tracker id of another cloud's record");
      assert.equal(await tracker.findNode(cloudA, { id: 2 ** 40 }), undefined, 'an id past any serial names nothing');
      await tracker.assign(cloudA, { idVm: vm.id_vm, user: 'ada', vmType: 'worker' });
      await tracker.release(cloudA, vm.id_vm);
      assert.equal((await tracker.findNode(cloudA, { idVm: vm.id_vm }))?.status_desc, 'RELEASED', 'any status is found');
      assert.equal(await tracker.findNode(cloudB, { idVm: vm.id_vm }), undefined, 'not in another cloud');
      assert.equal(await tracker.findNode(cloudA, { hostname: `missing-${randomUUID()}` }), undefined);
    });

    it('hides FAULTY records unless asked for them', async (ctx) => {
      if (!t.markFaulty) return ctx.skip('the backend offers no way to mark a record faulty');
      const vm = await freeVm(cloudA);
      await t.markFaulty(cloudA, vm.id_vm);
      const active = await tracker.listNodes(cloudA, false);
      assert.ok(!active.some((r) => r.hostname === vm.hostname), 'faulty record hidden from the active list');
      const all = await tracker.listNodes(cloudA, true);
      const record = all.find((r) => r.hostname === vm.hostname);
      assert.equal(record?.status, TRACKER_STATUS.FAULTY);
      assert.equal(record?.status_desc, 'FAULTY');
      await rejectsWithClientError(tracker.assign(cloudA, { idVm: vm.id_vm, user: 'ada', vmType: 'worker' }));
    });

    it('keeps clouds apart', async () => {
      const inA = await freeVm(cloudA);
      const inB = await freeVm(cloudB);
      const listedA = await tracker.listNodes(cloudA, true);
      assert.ok(listedA.some((r) => r.hostname === inA.hostname));
      assert.ok(!listedA.some((r) => r.hostname === inB.hostname), "cloud B's record is not listed for A");
      assert.ok(listedA.every((r) => r.cloud === cloudA));
      await rejectsWithClientError(tracker.assign(cloudA, { idVm: inB.id_vm, user: 'ada', vmType: 'worker' }));
      assert.equal((await recordOf(cloudB, inB.hostname))?.status_desc, 'FREE', 'the other cloud was not touched');
    });

    it('assigns a FREE VM to the user', async () => {
      const vm = await freeVm(cloudA);
      const seeded = await recordOf(cloudA, vm.hostname);
      const result = await tracker.assign(cloudA, { idVm: vm.id_vm, user: 'ada', vmType: 'worker' });
      assert.deepEqual(result, { id_vm: vm.id_vm, id: seeded?.id, result: `Node ${vm.id_vm} assigned` });
      const record = await recordOf(cloudA, vm.hostname);
      assert.equal(record?.status, TRACKER_STATUS.ASSIGNED);
      assert.equal(record?.status_desc, 'ASSIGNED');
      assert.equal(record?.user, 'ada');
    });

    it('refuses to assign a VM that is already assigned, with a 409 conflict', async () => {
      const vm = await freeVm(cloudA);
      await tracker.assign(cloudA, { idVm: vm.id_vm, user: 'ada', vmType: 'worker' });
      const err = await rejectsWithClientError(tracker.assign(cloudA, { idVm: vm.id_vm, user: 'bob', vmType: 'worker' }), 409);
      assert.equal(err.kind, 'conflict');
      assert.equal((await recordOf(cloudA, vm.hostname))?.user, 'ada', 'the first assignment stands');
    });

    it('lets exactly one of concurrent assigns of one VM win', async () => {
      const vm = await freeVm(cloudA);
      const users = Array.from({ length: 10 }, (_, i) => `user-${i}`);
      const outcomes = await Promise.allSettled(users.map((user) => tracker.assign(cloudA, { idVm: vm.id_vm, user, vmType: 'worker' })));
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      assert.equal(won.length, 1, 'exactly one assign succeeds');
      for (const o of outcomes) {
        if (o.status === 'rejected') assert.equal((o.reason as DispatcherError).status, 409, String(o.reason));
      }
      const winner = users[outcomes.indexOf(won[0])];
      assert.equal((await recordOf(cloudA, vm.hostname))?.user, winner);
    });

    it('releases an assigned VM, which is then no longer assigned nor assignable', async () => {
      const vm = await freeVm(cloudA);
      const assigned = await tracker.assign(cloudA, { idVm: vm.id_vm, user: 'ada', vmType: 'worker' });
      const result = await tracker.release(cloudA, vm.id_vm);
      assert.deepEqual(result, { id_vm: vm.id_vm, id: assigned.id, result: `Node ${vm.id_vm} released` });
      const record = await recordOf(cloudA, vm.hostname);
      assert.notEqual(record?.status, TRACKER_STATUS.ASSIGNED, 'no longer ASSIGNED');
      // The VM is about to be destroyed: handing it out again would give a user a dying VM.
      await rejectsWithClientError(tracker.assign(cloudA, { idVm: vm.id_vm, user: 'bob', vmType: 'worker' }));
    });

    it('refuses to release a VM twice', async () => {
      const vm = await freeVm(cloudA);
      await tracker.assign(cloudA, { idVm: vm.id_vm, user: 'ada', vmType: 'worker' });
      await tracker.release(cloudA, vm.id_vm);
      const err = await rejectsWithClientError(tracker.release(cloudA, vm.id_vm), 409);
      assert.equal(err.kind, 'conflict');
    });

    it('keeps a released VM out of the active list', async () => {
      const vm = await freeVm(cloudA);
      await tracker.assign(cloudA, { idVm: vm.id_vm, user: 'ada', vmType: 'worker' });
      assert.ok((await tracker.listNodes(cloudA, false)).some((r) => r.hostname === vm.hostname), 'ASSIGNED is active');
      await tracker.release(cloudA, vm.id_vm);
      assert.ok(!(await tracker.listNodes(cloudA, false)).some((r) => r.hostname === vm.hostname), 'RELEASED is not active');
    });

    it('answers a 4xx for a VM id it does not know', async () => {
      const idVm = `missing-${randomUUID()}`;
      await rejectsWithClientError(tracker.assign(cloudA, { idVm, user: 'ada', vmType: 'worker' }));
      await rejectsWithClientError(tracker.release(cloudA, idVm));
    });

    // Clouds let two VMs share a name: a name is a lookup key, the VM id is the identity.
    describe('two VMs with one hostname', () => {
      async function twins(): Promise<[SeedVm, SeedVm]> {
        const tag = randomUUID().slice(0, 8);
        const a = { id_vm: `vm-a-${tag}`, hostname: `twin-${tag}`, recipe: 'worker' };
        const b = { id_vm: `vm-b-${tag}`, hostname: `twin-${tag}`, recipe: 'worker' };
        await t.seed(cloudA, [a, b]);
        return [a, b];
      }

      async function statusOf(vm: SeedVm): Promise<string | undefined> {
        return (await tracker.findNode(cloudA, { idVm: vm.id_vm }))?.status_desc;
      }

      it('finds each by id; by hostname answers 409 AmbiguousHostname with both ids', async () => {
        const [a, b] = await twins();
        assert.equal((await tracker.findNode(cloudA, { idVm: a.id_vm }))?.id_vm, a.id_vm);
        assert.equal((await tracker.findNode(cloudA, { idVm: b.id_vm }))?.id_vm, b.id_vm);
        const err = await rejectsWithClientError(tracker.findNode(cloudA, { hostname: a.hostname }), 409);
        assert.equal(err.code, 'AmbiguousHostname');
        assert.deepEqual([...(err.details?.candidates as string[])].sort(), [a.id_vm, b.id_vm].sort());
        assert.match(err.message, new RegExp(`${a.id_vm}.*${b.id_vm}|${b.id_vm}.*${a.id_vm}`));
      });

      it('assigns exactly the VM asked for, or refuses with 409 and changes nothing', async () => {
        const [a, b] = await twins();
        const outcome = await tracker.assign(cloudA, { idVm: a.id_vm, user: 'ada', vmType: 'worker' }).catch((err: unknown) => err);
        if (outcome instanceof DispatcherError) {
          assert.equal(outcome.status, 409, outcome.message);
          assert.equal(await statusOf(a), 'FREE');
        } else {
          assert.equal((outcome as { id_vm: string }).id_vm, a.id_vm, 'the answer names the VM asked for');
          assert.equal(await statusOf(a), 'ASSIGNED');
        }
        assert.equal(await statusOf(b), 'FREE', 'the twin is untouched');
      });

      it('releases exactly the VM asked for, or refuses with 409 and changes nothing', async () => {
        const [a, b] = await twins();
        const outcome = await tracker.release(cloudA, a.id_vm).catch((err: unknown) => err);
        if (outcome instanceof DispatcherError) {
          assert.equal(outcome.status, 409, outcome.message);
          assert.equal(await statusOf(a), 'FREE');
        } else {
          assert.equal((outcome as { id_vm: string }).id_vm, a.id_vm);
          assert.equal(await statusOf(a), 'RELEASED');
        }
        assert.equal(await statusOf(b), 'FREE', 'the twin is untouched');
      });

      it('names the one live VM by hostname once its twin is released', async () => {
        const [a, b] = await twins();
        await tracker.release(cloudA, a.id_vm).catch(() => undefined);
        if ((await statusOf(a)) !== 'RELEASED') return; // a tracker that refused the twin's release (checked above)
        assert.equal((await tracker.findNode(cloudA, { hostname: b.hostname }))?.id_vm, b.id_vm);
        await tracker.assign(cloudA, { idVm: b.id_vm, user: 'bob', vmType: 'worker' });
        assert.equal((await tracker.release(cloudA, b.id_vm)).id_vm, b.id_vm, 'the twin is still releasable');
      });
    });

    it('accepts a start of a name it does not track; a tracked name is accepted or refused with 409 NameTaken', async () => {
      await tracker.checkNewName(cloudA, `fresh-${randomUUID()}`);
      const vm = await freeVm(cloudA);
      const outcome = await tracker.checkNewName(cloudA, vm.hostname).catch((err: unknown) => err);
      if (outcome !== undefined) assert.equal((outcome as DispatcherError).code, 'NameTaken', String(outcome));
    });

    it('lists nothing for a cloud without records', async () => {
      const nodes = await tracker.listNodes(`${cloudB}-empty-${randomUUID().slice(0, 6)}`, true).catch((err: unknown) => err);
      // A tracker may refuse an unknown cloud outright; it must not invent records for it.
      if (Array.isArray(nodes)) assert.deepEqual(nodes, []);
      else assert.ok(nodes instanceof DispatcherError && nodes.status >= 400 && nodes.status < 500, String(nodes));
    });
  });
}
