// The fake cloud's state kept in a file, so that it outlives the dispatcher process (crash tests,
// demos across restarts): loaded once at construction, rewritten after every mutation by writing
// a temporary file and renaming it over the old one — a kill -9 mid-write leaves the last whole state.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Vm, VmState } from '../../domain/vm-model.js';

/** A VM as the fake driver holds it (the state file's unit). */
export interface FakeVmRecord {
  vm: Vm;
  requestId: string;
  /** A state change scheduled for a moment in the future (boot, stop, delete). */
  transition?: { to: VmState; at: number; fault?: string };
  ports: Set<string>;
}

interface StoredFakeVm extends Omit<FakeVmRecord, 'ports'> {
  ports: string[];
}

interface FakeSnapshot {
  version: 1;
  serial: number;
  vms: StoredFakeVm[];
}

export class FakeStateFile {
  private writes = 0;

  constructor(readonly path: string) {}

  /** The saved state, or undefined when there is no file yet. */
  load(): { serial: number; vms: FakeVmRecord[] } | undefined {
    if (!existsSync(this.path)) return undefined;
    const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as FakeSnapshot;
    if (parsed.version !== 1 || !Array.isArray(parsed.vms)) throw new Error(`fake state file ${this.path}: not a version 1 snapshot`);
    return { serial: parsed.serial, vms: parsed.vms.map((v) => ({ ...v, ports: new Set(v.ports) })) };
  }

  save(serial: number, records: Iterable<FakeVmRecord>): void {
    const snapshot: FakeSnapshot = { version: 1, serial, vms: [...records].map((r) => ({ ...r, ports: [...r.ports] })) };
    // A name per write: two drivers over one file (a reload) never rename each other's half-written file.
    const tmp = `${this.path}.${process.pid}.${++this.writes}.tmp`;
    writeFileSync(tmp, JSON.stringify(snapshot));
    renameSync(tmp, this.path);
  }
}
