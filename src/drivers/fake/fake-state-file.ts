// The fake cloud's state kept in a file, so that it outlives the dispatcher process (crash tests,
// demos across restarts) and several dispatcher processes share one cloud (scale-out tests,
// benchmarks, demos): each call takes the file's lock (`<path>.lock`, created exclusively) for
// the rest of its synchronous part, re-reads the file if another process rewrote it, and every
// mutation rewrites it by writing a temporary file and renaming it over the old one — a kill -9
// mid-write leaves the last whole state, and a lock left by a killed process is broken.
import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import type { Vm, VmState } from '../../domain/vm-model.js';

/** A VM as the fake driver holds it (the state file's unit). */
export interface FakeVmRecord {
  vm: Vm;
  requestId: string;
  /** A state change scheduled for a moment in the future (boot, stop, delete). */
  transition?: { to: VmState; at: number; fault?: string };
  /** Made by the first port opened: most VMs never open one, and an empty Set costs ~150 bytes. */
  ports?: Set<string>;
}

interface StoredFakeVm extends Omit<FakeVmRecord, 'ports'> {
  ports: string[];
}

interface FakeSnapshot {
  version: 1;
  serial: number;
  vms: StoredFakeVm[];
}

/** A lock older than this is taken to be left by a process that died holding it. */
const STALE_LOCK_MS = 5_000;
const pause = new Int32Array(new SharedArrayBuffer(4));
/** Lock files this process holds: two drivers of one process over one file share the hold. */
const heldHere = new Set<string>();

export class FakeStateFile {
  private writes = 0;
  /** The file as this process last read or wrote it: another identity means another process wrote. */
  private seen = '';

  constructor(readonly path: string) {}

  /**
   * Takes the lock until the current synchronous run ends (re-entrant within this process) and
   * answers the saved state when another process changed it since this one last read or wrote.
   */
  enter(): { serial: number; vms: FakeVmRecord[] } | undefined {
    const lockPath = this.lockPath;
    if (!heldHere.has(lockPath)) {
      this.acquire();
      heldHere.add(lockPath);
      // Every call's work after its latency is synchronous: it ends before this runs.
      setImmediate(() => {
        heldHere.delete(lockPath);
        rmQuietly(lockPath);
      });
    }
    return this.identity() === this.seen ? undefined : this.load();
  }

  /** The saved state, or undefined when there is no file yet. */
  load(): { serial: number; vms: FakeVmRecord[] } | undefined {
    if (!existsSync(this.path)) return undefined;
    this.seen = this.identity();
    const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as FakeSnapshot;
    if (parsed.version !== 1 || !Array.isArray(parsed.vms)) throw new Error(`fake state file ${this.path}: not a version 1 snapshot`);
    return { serial: parsed.serial, vms: parsed.vms.map((v) => ({ ...v, ports: v.ports.length > 0 ? new Set(v.ports) : undefined })) };
  }

  save(serial: number, records: Iterable<FakeVmRecord>): void {
    const snapshot: FakeSnapshot = { version: 1, serial, vms: [...records].map((r) => ({ ...r, ports: [...(r.ports ?? [])] })) };
    // A name per write: two drivers over one file (a reload) never rename each other's half-written file.
    const tmp = `${this.path}.${process.pid}.${++this.writes}.tmp`;
    writeFileSync(tmp, JSON.stringify(snapshot));
    renameSync(tmp, this.path);
    this.seen = this.identity();
  }

  private get lockPath(): string {
    return `${this.path}.lock`;
  }

  private identity(): string {
    try {
      const st = statSync(this.path);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return '';
    }
  }

  private acquire(): void {
    for (;;) {
      try {
        const fd = openSync(this.lockPath, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      if (this.staleLock()) rmQuietly(this.lockPath);
      else Atomics.wait(pause, 0, 0, 1); // held for one synchronous run of another process: wait a millisecond
    }
  }

  private staleLock(): boolean {
    try {
      const pid = Number(readFileSync(this.lockPath, 'utf8'));
      if (pid > 0 && !alive(pid)) return true;
      return Date.now() - statSync(this.lockPath).mtimeMs > STALE_LOCK_MS;
    } catch {
      return false; // gone already, or being written: try again
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function rmQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already removed
  }
}
