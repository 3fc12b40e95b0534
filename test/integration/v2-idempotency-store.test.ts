// The idempotency store over every backend (SQLite, and PostgreSQL when DATABASE_URL is set),
// and the operation listing the v2 /operations route pages through.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IdempotencyStore } from '../../src/store/idempotency-store.js';
import { OperationStore } from '../../src/store/operation-store.js';
import { UserStore } from '../../src/store/user-store.js';
import { OperationService } from '../../src/services/operation-service.js';
import { storeBackends, type TestStore } from '../support/store-backends.js';

for (const backend of storeBackends()) {
  describe(`v2 stores on ${backend.label}`, () => {
    let store: TestStore;
    let userId: number;
    let otherId: number;
    before(async () => {
      store = await backend.open();
      const users = new UserStore(store.db);
      userId = (await users.create('alice', 'h', 'user')).id;
      otherId = (await users.create('bob', 'h', 'user')).id;
    });
    after(async () => store?.destroy());

    it('reserves a key once, replays the stored answer, refuses it for another request', async () => {
      const keys = new IdempotencyStore(store.db);
      assert.deepEqual(await keys.reserve(userId, 'k1', 'fp-a'), { outcome: 'reserved' });
      assert.deepEqual(await keys.reserve(userId, 'k1', 'fp-a'), { outcome: 'in-progress' });
      await keys.complete(userId, 'k1', { status: 202, body: { id: 'op-1', nested: { n: 1 } }, location: '/api/v2/operations/op-1' });
      assert.deepEqual(await keys.reserve(userId, 'k1', 'fp-a'), {
        outcome: 'replay',
        answer: { status: 202, body: { id: 'op-1', nested: { n: 1 } }, location: '/api/v2/operations/op-1' },
      });
      assert.deepEqual(await keys.reserve(userId, 'k1', 'fp-b'), { outcome: 'mismatch' });
      // Keys are per user.
      assert.deepEqual(await keys.reserve(otherId, 'k1', 'fp-b'), { outcome: 'reserved' });
    });

    it('of concurrent reservations of one key exactly one wins', async () => {
      const keys = new IdempotencyStore(store.db);
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => keys.reserve(userId, 'race', 'fp')));
      assert.equal(outcomes.filter((o) => o.outcome === 'reserved').length, 1);
      assert.ok(outcomes.every((o) => o.outcome === 'reserved' || o.outcome === 'in-progress'));
    });

    it('frees an abandoned key and an expired one', async () => {
      const keys = new IdempotencyStore(store.db, 1000);
      await keys.reserve(userId, 'k2', 'fp');
      await keys.abandon(userId, 'k2');
      assert.deepEqual(await keys.reserve(userId, 'k2', 'fp-other'), { outcome: 'reserved' });
      await keys.complete(userId, 'k2', { status: 201, body: { a: 1 } });
      const later = new Date(Date.now() + 2000);
      assert.deepEqual(await keys.reserve(userId, 'k2', 'fp-new', later), { outcome: 'reserved' });
      assert.ok((await keys.purgeExpired(new Date(Date.now() + 10_000))) >= 1);
    });

    it('lists operations newest first, by owner, in keyset pages', async () => {
      const operations = new OperationStore(store.db);
      const service = new OperationService({ operations, instanceId: 'test-instance' });
      for (let i = 0; i < 5; i++) await operations.create({ kind: 'vm.start', cloud: 'c1', userId, request: { i } });
      await operations.create({ kind: 'vm.start', cloud: 'c1', userId: otherId, request: {} });
      const first = await service.list({ userId, limit: 3 });
      assert.equal(first.length, 3);
      assert.ok(first.every((op) => op.userId === userId));
      const last = first[2];
      const second = await service.list({ userId, limit: 3, before: { createdAt: last.createdAt, id: last.id } });
      assert.equal(second.length, 2);
      assert.equal(new Set([...first, ...second].map((op) => op.id)).size, 5);
    });

    it('fails a queued operation whose work throws before the runner takes it', async () => {
      const operations = new OperationStore(store.db);
      const service = new OperationService({ operations, instanceId: 'test-instance' });
      const submitted = await service.submit({ kind: 'vm.release', userId, request: {} }, async () => {
        throw new Error('lookup failed');
      });
      const final = await submitted.done;
      assert.equal(final.state, 'failed');
      assert.equal(final.error?.message, 'lookup failed');
      await service.drain();
    });
  });
}
