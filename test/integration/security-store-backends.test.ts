// Issue 14, the store side on SQLite and PostgreSQL alike: the login counters are atomic under
// concurrency, owners are recorded and read back, the readiness probe writes, and store errors
// come out typed (409 StoreConflict for a duplicate, 503 StoreUnavailable for anything else).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { isDispatcherError } from '../../src/domain/errors.js';
import { LoginThrottle } from '../../src/services/login-throttle.js';
import { LoginAttemptStore } from '../../src/store/login-attempt-store.js';
import { UserStore } from '../../src/store/user-store.js';
import { VmRecordStore } from '../../src/store/vm-record-store.js';
import { storeBackends, type TestStore } from '../support/store-backends.js';

for (const backend of storeBackends()) {
  describe(`security store parts (${backend.label})`, () => {
    let store: TestStore;
    before(async () => {
      store = await backend.open();
    });
    after(() => store?.destroy());

    it('lets at most max attempts through when 20 arrive at once', async () => {
      const throttle = new LoginThrottle(new LoginAttemptStore(store.db), { windowMs: 60_000, max: 5 });
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => throttle.attempt('parallel', '192.0.2.1')));
      // Each attempt counts on two keys; whichever arrives past the limit on either is refused.
      const through = results.filter((r) => r.status === 'fulfilled').length;
      assert.ok(through >= 1 && through <= 5, `${through} through`);
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.ok(refused.every((r) => isDispatcherError(r.reason, 'rate-limited') && (r.reason.retryAfterMs ?? 0) > 0));
    });

    it('restarts a counter once its window has passed, and a success takes its attempt back', async () => {
      const attempts = new LoginAttemptStore(store.db);
      const throttle = new LoginThrottle(attempts, { windowMs: 60_000, max: 2 });
      const t0 = new Date('2030-01-01T00:00:00Z');
      await throttle.attempt('win', 'c', t0);
      const keys = await throttle.attempt('win', 'c', t0);
      await throttle.succeeded(keys);
      await throttle.attempt('win', 'c', t0); // the success did not count
      await assert.rejects(throttle.attempt('win', 'c', t0), /too many login attempts/);
      await throttle.attempt('win', 'c', new Date(t0.getTime() + 61_000)); // a new window
    });

    it('records the owner of a VM and lists what a user started', async () => {
      const records = new VmRecordStore(store.db);
      const base = { cloud: 'c1', name: 'n', image: 'i', size: 's', requestedAt: new Date(), state: 'pending' };
      await records.created({ ...base, idVm: 'vm-a', ownerUserId: 7 });
      await records.created({ ...base, idVm: 'vm-b' });
      assert.equal(await records.ownerOf('c1', 'vm-a'), 7);
      assert.equal(await records.ownerOf('c1', 'vm-b'), null);
      assert.equal(await records.ownerOf('c1', 'vm-x'), undefined);
      assert.deepEqual(await records.ownedBy('c1', 7), ['vm-a']);
      await records.end('c1', 'vm-a', 'destroyed');
      assert.deepEqual(await records.ownedBy('c1', 7), []);
    });

    it('probes with a write, and types store errors', async () => {
      await store.writeProbe();
      const users = new UserStore(store.db);
      await users.create('dup', 'hash', 'user');
      await assert.rejects(users.create('dup', 'hash', 'user'), (err: unknown) => isDispatcherError(err, 'conflict') && err.code === 'StoreConflict');
      await assert.rejects(sql`select * from no_such_table`.execute(store.db), (err: unknown) => isDispatcherError(err, 'unavailable') && err.code === 'StoreUnavailable');
      assert.equal((await users.findByNameIgnoringCase('DUP'))?.username, 'dup');
    });
  });
}
