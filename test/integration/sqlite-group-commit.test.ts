// SQLite group commit (src/store/sqlite-group-commit.ts): writes of one event-loop turn share a
// commit, and none is answered before it is committed, seen here from a second connection to the
// same file, as another process (or the file after a crash) would see it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { openSqliteStore, type TestStore } from '../support/store-backends.js';

describe('SQLite group commit', () => {
  let store: TestStore;
  let other: SqliteDatabase.Database;
  const committed = (name: string) => other.prepare('select count(*) as n from gc_rows where name = ?').get(name) as { n: number };

  before(async () => {
    store = await openSqliteStore();
    await sql`create table gc_rows (name text primary key, n integer)`.execute(store.db);
    other = new SqliteDatabase(store.url.slice('sqlite:'.length), { readonly: true });
  });
  after(async () => {
    other?.close();
    await store?.destroy();
  });

  const insert = (name: string, n = 0) => sql`insert into gc_rows (name, n) values (${name}, ${n})`.execute(store.db);

  it('commits the writes of one turn once, and answers each only when it is committed', async () => {
    const commits = store.counters.batchCommits ?? 0;
    const seenAtAnswer: number[] = [];
    const names = ['a1', 'a2', 'a3', 'a4', 'a5'];
    await Promise.all(names.map((name) => insert(name).then(() => seenAtAnswer.push(committed(name).n))));
    assert.deepEqual(seenAtAnswer, [1, 1, 1, 1, 1], 'each write was visible to another connection when answered');
    assert.equal((store.counters.batchCommits ?? 0) - commits, 1, 'five writes, one commit');
  });

  it('fails a write alone when its statement fails, and commits the rest of its batch', async () => {
    await insert('b0');
    const results = await Promise.allSettled([insert('b1'), insert('b0'), insert('b2')]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.equal((results[1] as PromiseRejectedResult).reason.code, 'StoreConflict');
    assert.equal(committed('b1').n, 1);
    assert.equal(committed('b2').n, 1);
  });

  it('fails every write of a batch that SQLite rolled back, and tells none of them it landed', async () => {
    await insert('c0', 1);
    // OR ROLLBACK: a conflict undoes the whole transaction, as a full disk or an I/O error does.
    const results = await Promise.allSettled([insert('c1'), sql`insert or rollback into gc_rows (name, n) values (${'c0'}, ${2})`.execute(store.db), insert('c2')]);
    assert.equal(results[0].status, 'rejected', 'the write before the rollback was undone with it, so it must not succeed');
    assert.equal(results[1].status, 'rejected');
    assert.equal(committed('c1').n, 0);
    // The write after the rollback ran on its own and landed: its answer says so.
    assert.equal(results[2].status, 'fulfilled');
    assert.equal(committed('c2').n, 1);
    await insert('c3');
    assert.equal(committed('c3').n, 1, 'the store goes on after a batch failed');
  });

  it('keeps a plain write out of an explicit transaction that is open, and out of its rollback', async () => {
    let outside: Promise<unknown> | undefined;
    await assert.rejects(
      store.db.transaction().execute(async (trx) => {
        await sql`insert into gc_rows (name, n) values (${'d1'}, ${0})`.execute(trx);
        outside = insert('d2');
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error('give up');
      }),
      /give up/,
    );
    await outside;
    assert.equal(committed('d1').n, 0, 'rolled back');
    assert.equal(committed('d2').n, 1, 'waited for the transaction, then committed on its own');
  });

  it('answers a read made while a batch is open after that batch is committed', async () => {
    const order: string[] = [];
    await Promise.all([
      insert('e1').then(() => order.push('write')),
      sql`select n from gc_rows where name = ${'e1'}`.execute(store.db).then((r) => order.push(`read ${r.rows.length}`)),
    ]);
    assert.deepEqual(order, ['write', 'read 1']);
    assert.equal(committed('e1').n, 1);
  });

  it('commits the open batch when the store closes', async () => {
    const closing = await openSqliteStore();
    await sql`create table gc_rows (name text primary key, n integer)`.execute(closing.db);
    const ran = closing.counters.statements;
    const write = sql`insert into gc_rows (name, n) values (${'f1'}, ${0})`.execute(closing.db);
    // Close once the write has run and before its batch's commit (which waits for the loop's next turn).
    for (let i = 0; i < 1000 && closing.counters.statements === ran; i++) await null;
    assert.equal(closing.counters.statements, ran + 1, 'the write ran');
    const file = closing.url.slice('sqlite:'.length);
    await closing.close();
    await write;
    const reader = new SqliteDatabase(file, { readonly: true });
    try {
      assert.equal((reader.prepare('select count(*) as n from gc_rows').get() as { n: number }).n, 1);
    } finally {
      reader.close();
      await closing.destroy().catch(() => undefined);
    }
  });
});
