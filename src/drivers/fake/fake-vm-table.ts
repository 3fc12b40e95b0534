// The shared fake cloud's VMs as rows of one PostgreSQL table, so that several dispatcher
// processes (scale-out tests, benchmarks, demos) share one cloud at the cost of one statement
// per call: a get is one SELECT by key, a create one INSERT … ON CONFLICT, a destroy or a power
// change one conditional UPDATE. Scheduled transitions (boot, stop, delete) are computed from
// their due time when a row is read, as the in-memory fake does; a write persists the due ones,
// and a listing sweeps the rows whose deletion is due.
import type { Pool } from 'pg';
import { DispatcherError } from '../../domain/errors.js';
import type { Vm, VmState } from '../../domain/vm-model.js';
import type { Logger } from '../../log/logger.js';
import type { FakeVmRecord } from './fake-state-file.js';

interface FakeVmRow {
  id: string;
  serial: string;
  name: string;
  request_id: string;
  state: VmState;
  transition_to: VmState | null;
  transition_at: string | null;
  transition_fault: string | null;
  fault: string | null;
  booted: boolean;
  vm: Vm;
  ports: string[];
}

/** Connections per process: the fake's calls are single short statements. */
const POOL_SIZE = 4;

/** `$n` is the current time in ms: the row is not deleted (or its deletion is not due yet). */
const live = (n: number) => `(transition_at IS NULL OR transition_at > $${n} OR transition_to <> 'terminated')`;
/** SET clauses writing down a transition that fell due before this change replaces it. */
const settleDue = (n: number) =>
  `fault = CASE WHEN transition_at <= $${n} AND transition_fault IS NOT NULL THEN transition_fault ELSE fault END,
   booted = booted OR coalesce(transition_at <= $${n} AND transition_to = 'running', false)`;

export class FakeVmTable {
  private pool?: Pool;
  private opened?: Promise<void>;

  constructor(
    private readonly databaseUrl: string,
    private readonly table: string,
    private readonly cloud: string,
    private readonly logger: Logger,
  ) {}

  /** Connects, creates the table if missing and, when the cloud has no VM yet, inserts `preload()`. */
  async open(preload: () => FakeVmRecord[]): Promise<void> {
    // Loaded before the check, so that two opens at once still make one pool; only a shared fake needs it.
    const { default: pg } = await import('pg');
    if (!this.pool) {
      const pool = new pg.Pool({ connectionString: this.databaseUrl, max: POOL_SIZE });
      pool.on('error', (err) => this.logger.warn({ err }, 'shared fake cloud: idle database connection failed'));
      this.pool = pool;
      this.opened = this.setUp(pool, preload).catch(async (err: unknown) => {
        this.pool = undefined;
        await pool.end();
        throw fault(err);
      });
    }
    await this.opened;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  async get(id: string, now: number): Promise<Vm | null> {
    const rows = await this.query(`SELECT * FROM ${this.table} WHERE cloud = $1 AND id = $2`, [this.cloud, id]);
    return rows[0] ? settled(rows[0], now) : null;
  }

  async findByName(name: string, now: number): Promise<Vm | null> {
    const rows = await this.query(`SELECT * FROM ${this.table} WHERE cloud = $1 AND name = $2 ORDER BY serial`, [this.cloud, name]);
    return firstSettled(rows, now);
  }

  async findByRequestId(requestId: string, now: number): Promise<Vm | null> {
    const rows = await this.query(`SELECT * FROM ${this.table} WHERE cloud = $1 AND request_id = $2`, [this.cloud, requestId]);
    return firstSettled(rows, now);
  }

  /** Every VM of the cloud; the rows whose deletion is due are deleted by the same statement. */
  async list(now: number): Promise<Vm[]> {
    const rows = await this.query(
      `WITH swept AS (DELETE FROM ${this.table} WHERE cloud = $1 AND NOT ${live(2)})
       SELECT * FROM ${this.table} WHERE cloud = $1 ORDER BY serial`,
      [this.cloud, now],
    );
    return rows.map((r) => settled(r, now)).filter((vm): vm is Vm => vm !== null);
  }

  /** Inserts the VM unless one with its request id lives: answers the one the cloud holds. */
  async create(record: FakeVmRecord, now: number): Promise<Vm> {
    const { vm, transition } = record;
    for (;;) {
      // A deleted VM's row gives its request id back (as the in-memory fake forgets it).
      const inserted = await this.query(
        `INSERT INTO ${this.table} AS v (cloud, id, name, request_id, state, transition_to, transition_at, transition_fault, vm)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (cloud, request_id) DO UPDATE SET id = excluded.id, name = excluded.name, state = excluded.state,
           transition_to = excluded.transition_to, transition_at = excluded.transition_at, transition_fault = excluded.transition_fault,
           fault = NULL, booted = false, vm = excluded.vm, ports = '{}'
         WHERE v.transition_to = 'terminated' AND v.transition_at <= $10
         RETURNING *`,
        [this.cloud, vm.id, vm.name, record.requestId, vm.state, transition?.to ?? null, transition?.at ?? null, transition?.fault ?? null, vm, now],
      );
      const made = inserted[0] && settled(inserted[0], now);
      if (made) return made;
      const existing = await this.findByRequestId(record.requestId, now);
      if (existing) return existing;
      // The existing one's deletion fell due between the two statements: insert again.
    }
  }

  /** Schedules the VM's deletion at `at`; false when there is no such VM. */
  async destroy(id: string, at: number, now: number): Promise<boolean> {
    const rows = await this.query(
      `UPDATE ${this.table} SET state = 'stopping', transition_to = 'terminated', transition_at = $3, transition_fault = NULL, ${settleDue(4)}
       WHERE cloud = $1 AND id = $2 AND ${live(4)} RETURNING id`,
      [this.cloud, id, at, now],
    );
    return rows.length > 0;
  }

  /** Moves the VM from one of `from` through `via` to `to` at `at`; false when it is in none of `from` (or gone). */
  async changePower(id: string, from: VmState[], via: VmState, to: VmState, at: number, now: number): Promise<boolean> {
    const rows = await this.query(
      `UPDATE ${this.table} SET state = $3, transition_to = $4, transition_at = $5, transition_fault = NULL, ${settleDue(6)}
       WHERE cloud = $1 AND id = $2 AND ${live(6)} AND (CASE WHEN transition_at <= $6 THEN transition_to ELSE state END) = ANY($7::text[])
       RETURNING id`,
      [this.cloud, id, via, to, at, now, from],
    );
    return rows.length > 0;
  }

  /** Opens or closes a port (`protocol:port:cidr`); false when there is no such VM. */
  async setPort(id: string, port: string, open: boolean, now: number): Promise<boolean> {
    const ports = open ? 'CASE WHEN $3 = ANY(ports) THEN ports ELSE array_append(ports, $3) END' : 'array_remove(ports, $3)';
    const rows = await this.query(`UPDATE ${this.table} SET ports = ${ports} WHERE cloud = $1 AND id = $2 AND ${live(4)} RETURNING id`, [this.cloud, id, port, now]);
    return rows.length > 0;
  }

  private async setUp(pool: Pool, preload: () => FakeVmRecord[]): Promise<void> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // Processes starting together on a new table: one creates it and preloads, the others wait.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`fake-vm-table:${this.table}`]);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
        cloud text NOT NULL, id text NOT NULL, serial bigserial, name text NOT NULL, request_id text NOT NULL,
        state text NOT NULL, transition_to text, transition_at double precision, transition_fault text, fault text,
        booted boolean NOT NULL DEFAULT false, vm jsonb NOT NULL, ports text[] NOT NULL DEFAULT '{}',
        PRIMARY KEY (cloud, id), UNIQUE (cloud, request_id))`);
      await client.query(`CREATE INDEX IF NOT EXISTS ${this.table}_by_name ON ${this.table} (cloud, name)`);
      const { rows } = await client.query(`SELECT EXISTS (SELECT 1 FROM ${this.table} WHERE cloud = $1) AS any`, [this.cloud]);
      const records = rows[0]?.any ? [] : preload();
      if (records.length > 0) {
        await client.query(
          `INSERT INTO ${this.table} (cloud, id, name, request_id, state, booted, vm)
           SELECT $1, r->>'id', r->>'name', r->>'requestId', 'running', true, r->'vm' FROM jsonb_array_elements($2::jsonb) r`,
          [this.cloud, JSON.stringify(records.map((r) => ({ id: r.vm.id, name: r.vm.name, requestId: r.requestId, vm: r.vm })))],
        );
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  private async query(text: string, values: unknown[]): Promise<FakeVmRow[]> {
    if (!this.pool) throw new DispatcherError('unavailable', 'shared fake cloud: not connected', { code: 'NotConnected' });
    try {
      return (await this.pool.query<FakeVmRow>(text, values)).rows;
    } catch (err) {
      throw fault(err);
    }
  }
}

/** The VM as the cloud shows it at `now`; null once its deletion is due. */
function settled(row: FakeVmRow, now: number): Vm | null {
  const due = row.transition_at !== null && Number(row.transition_at) <= now;
  if (due && row.transition_to === 'terminated') return null;
  const booted = row.booted || (due && row.transition_to === 'running');
  const fault = due && row.transition_fault ? row.transition_fault : row.fault;
  // Addresses come from the row's serial: unique across the processes sharing the table.
  const n = Number(row.serial);
  const vm: Vm = {
    ...row.vm,
    id: row.id,
    name: row.name,
    state: due ? (row.transition_to as VmState) : row.state,
    publicIps: booted ? [`203.0.${(n >> 8) & 255}.${n & 255}`] : [],
    privateIps: [`10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`],
  };
  if (fault) vm.fault = fault;
  else delete vm.fault;
  return vm;
}

function firstSettled(rows: FakeVmRow[], now: number): Vm | null {
  for (const row of rows) {
    const vm = settled(row, now);
    if (vm) return vm;
  }
  return null;
}

/** The fake's database failing is the cloud failing: a provider fault (502), never a 500. */
function fault(err: unknown): DispatcherError {
  if (err instanceof DispatcherError) return err;
  return new DispatcherError('provider-fault', `shared fake cloud: ${(err as Error).message}`, { code: 'FakeStoreError', cause: err });
}
