// What a commit costs SQLite on the dispatcher's own schema (decision 0004): the statements of a
// start (an operation row, a VM record, a tracker row, the operation's end) run directly through
// better-sqlite3, one commit each and then N per commit, with and without exclusive locking.
//   npx tsx bench/sqlite-commit-cost.ts
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { openStore } from '../src/store/store-open.js';

const STARTS = 3000;

async function schemaFile(dir: string): Promise<string> {
  const file = join(dir, 'schema.sqlite');
  await (await openStore(`sqlite:${file}`, { initialise: true })).close();
  return file;
}

function run(file: string, perCommit: number, exclusive: boolean): number {
  const db = new SqliteDatabase(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -2000');
  if (exclusive) db.pragma('locking_mode = EXCLUSIVE');
  const operation = db.prepare(
    'insert into operations (id, kind, state, cloud, target, user_id, request, result, error, steps, created_at, updated_at, finished_at, owner, request_id) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)',
  );
  const record = db.prepare('insert into vm_records (cloud, id_vm, name, image, size, requested_at, created_at, last_state, owner_user_id) values (?,?,?,?,?,?,?,?,?)');
  const tracker = db.prepare('insert into tracker_nodes (cloud, id_vm, hostname, status, status_desc, created_at, updated_at) values (?,?,?,?,?,?,?)');
  const end = db.prepare("update operations set state = ?, target = ?, result = ?, steps = ?, finished_at = ?, updated_at = ? where id = ? and state in ('running', 'pending')");
  const begin = db.prepare('begin');
  const commit = db.prepare('commit');
  const now = new Date().toISOString();
  const steps = JSON.stringify([{ step: 'create', state: 'done', at: now }]);
  let open = 0;
  const statement = (write: () => unknown) => {
    if (perCommit > 1 && open === 0) begin.run();
    write();
    if (perCommit > 1 && ++open === perCommit) {
      commit.run();
      open = 0;
    }
  };
  const ids: string[] = [];
  const started = process.hrtime.bigint();
  for (let i = 0; i < STARTS; i++) {
    const id = randomUUID();
    ids.push(id);
    statement(() => operation.run(id, 'vm.start', 'running', `c${i % 3}`, null, 1, JSON.stringify({ name: `vm-${i}` }), null, null, '[]', now, now, null, 'bench', `req-${i}`));
  }
  for (let i = 0; i < STARTS; i++) {
    statement(() => record.run(`c${i % 3}`, `id-${i}`, `vm-${i}`, 'ubuntu', 'small', now, now, 'running', 1));
    statement(() => tracker.run(`c${i % 3}`, `id-${i}`, `vm-${i}`, 1, 'FREE', now, now));
    statement(() => end.run('succeeded', `id-${i}`, '{}', steps, now, now, ids[i]));
  }
  if (open > 0) commit.run();
  const micros = Number(process.hrtime.bigint() - started) / 1000 / (4 * STARTS);
  db.close();
  return micros;
}

const dir = mkdtempSync(join(tmpdir(), 'sqlite-commit-cost-'));
try {
  const schema = await schemaFile(dir);
  for (let round = 1; round <= 2; round++) {
    for (const [perCommit, exclusive] of [[1, false], [4, false], [16, false], [1, true], [4, true]] as const) {
      const file = join(dir, `run-${round}-${perCommit}-${exclusive}.sqlite`);
      copyFileSync(schema, file);
      console.log(`round ${round}: ${perCommit} per commit${exclusive ? ', exclusive locking' : ''}: ${run(file, perCommit, exclusive).toFixed(1)} µs per statement`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
