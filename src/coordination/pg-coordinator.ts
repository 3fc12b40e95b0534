// One dedicated PostgreSQL connection per process, outside the pool, for the two things that
// live on a session: the advisory locks that choose which instance runs each singleton worker
// (released by PostgreSQL the moment the session ends, so a kill -9 frees them without waiting
// for any lease), and LISTEN for the settings trigger of migration 0008. The connection is
// re-opened after an error; the locks it held are then lost and re-tried at the next round.
import type { Client, ClientConfig } from 'pg';
import type { Logger } from '../log/logger.js';

export interface Coordinator {
  /** Whether this process holds (or now took) the worker's lock. */
  hold(worker: string): Promise<boolean>;
  /** Called when another instance (or this one) changed the operator's settings. */
  onSettingsChanged(listener: () => void): void;
  /** Called when a user or token changed on any instance (UserStore NOTIFYs \`dispatcher_auth\`). */
  onAuthChanged(listener: () => void): void;
  /** Whether changes made by other instances are heard now (false while the LISTEN connection is down). */
  listening(): boolean;
  close(): Promise<void>;
}

/** One process alone (SQLite): it holds every worker and hears no one else. */
export const LOCAL_COORDINATOR: Coordinator = {
  hold: async () => true,
  onSettingsChanged: () => {},
  onAuthChanged: () => {},
  listening: () => true,
  close: async () => {},
};

export class PgCoordinator implements Coordinator {
  private client?: Client;
  private connecting?: Promise<Client>;
  private readonly held = new Set<string>();
  private readonly listeners: (() => void)[] = [];
  private readonly authListeners: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly clientConfig: ClientConfig,
    private readonly logger: Logger,
    /** Takes note of a lock taken (status shows the holder of each worker). */
    private readonly onTaken: (worker: string) => Promise<void>,
  ) {}

  async start(): Promise<void> {
    await this.connection();
  }

  async hold(worker: string): Promise<boolean> {
    if (this.closed) return false;
    const client = await this.connection();
    if (this.held.has(worker)) return true;
    // The key includes the schema: instances of other dispatchers (or test runs) over the same
    // database, each in its own schema, never compete for one lock.
    const { rows } = await client.query<{ ok: boolean }>(`select pg_try_advisory_lock(hashtext(current_schema() || ':' || $1)) as ok`, [worker]);
    if (!rows[0]?.ok) return false;
    this.held.add(worker);
    this.logger.info({ worker }, 'this instance now runs the worker (advisory lock taken)');
    await this.onTaken(worker);
    return true;
  }

  onSettingsChanged(listener: () => void): void {
    this.listeners.push(listener);
  }

  onAuthChanged(listener: () => void): void {
    this.authListeners.push(listener);
  }

  listening(): boolean {
    return this.client !== undefined && !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    this.held.clear();
    await client?.end().catch(() => undefined); // ending the session releases its locks
  }

  private connection(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<Client> {
    // Loaded on first use: a process on SQLite never opens this connection.
    const { default: pg } = await import('pg');
    const client = new pg.Client(this.clientConfig);
    client.on('error', (err) => {
      this.logger.warn({ err }, 'coordination connection lost: worker locks released, settings heard at the next periodic re-read');
      if (this.client === client) this.client = undefined;
      this.held.clear();
      void client.end().catch(() => undefined);
    });
    await client.connect();
    const { rows } = await client.query<{ schema: string }>('select current_schema() as schema');
    const schema = rows[0]?.schema;
    client.on('notification', (message) => {
      if (message.payload !== schema) return;
      if (message.channel === 'dispatcher_settings') for (const listener of this.listeners) listener();
      if (message.channel === 'dispatcher_auth') for (const listener of this.authListeners) listener();
    });
    await client.query('listen dispatcher_settings');
    await client.query('listen dispatcher_auth');
    if (this.closed) {
      await client.end();
      throw new Error('coordinator closed');
    }
    this.client = client;
    // Whatever was missed while disconnected.
    if (this.listeners.length > 0) for (const listener of this.listeners) listener();
    for (const listener of this.authListeners) listener();
    return client;
  }
}
