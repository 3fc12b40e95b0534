// The SQLite file's safety rails: a path that can hold a database (else a clear error, exit 2,
// never a spin or a silent temporary database), a marker beside it so a lost file is noticed at
// the next start instead of silently starting empty, and a guard that notices the file deleted
// or replaced under a running process (writes would go to an unlinked inode and vanish).
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { DispatcherError } from '../domain/errors.js';

/** The store cannot be opened as configured: main prints it and exits 2 (a configuration problem). */
export class StoreOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreOpenError';
  }
}

const PSEUDO_FILESYSTEMS = ['/proc', '/sys', '/dev'];

/** Checks the path and creates missing directories one level at a time. */
export function prepareSqlitePath(path: string): string {
  const file = resolve(path);
  if (PSEUDO_FILESYSTEMS.some((root) => file === root || file.startsWith(root + sep))) {
    throw new StoreOpenError(`database.url sqlite:${path}: ${file} is on a kernel pseudo-filesystem, not a place for a database`);
  }
  if (existsSync(file) && !statSync(file).isFile()) throw new StoreOpenError(`database.url sqlite:${path}: ${file} exists and is not a file`);
  const missing: string[] = [];
  let dir = dirname(file);
  while (!existsSync(dir)) {
    missing.unshift(dir);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  try {
    if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a directory`);
    accessSync(dir, constants.W_OK | constants.X_OK);
    // Level by level: a recursive mkdir under some mounts loops instead of failing.
    for (const level of missing) mkdirSync(level);
  } catch (err) {
    throw new StoreOpenError(`database.url sqlite:${path}: cannot create the database in ${dirname(file)}: ${(err as Error).message}`);
  }
  return file;
}

export function markerPath(file: string): string {
  return `${file}.marker`;
}

/**
 * A marker beside the database says one was created here. A missing database with its marker
 * present means the file was lost: refuse to start empty (new admin, every token dead) unless
 * the operator asks for a fresh store.
 */
export function checkMarker(file: string, initialise: boolean): void {
  const marker = markerPath(file);
  if (existsSync(file) || !existsSync(marker) || initialise) return;
  let since = '';
  try {
    since = ` (created ${(JSON.parse(readFileSync(marker, 'utf8')) as { createdAt?: string }).createdAt ?? 'at an unknown time'})`;
  } catch {
    // an unreadable marker still says a database existed
  }
  throw new StoreOpenError(
    `the database ${file} is missing but ${marker} says one existed here${since}. Restore the file, ` +
      'or start once with database.initialise: true (DISPATCHER_INITIALISE_DATABASE=true) to create an empty one.',
  );
}

export function writeMarker(file: string, initialise: boolean): void {
  const marker = markerPath(file);
  if (existsSync(marker) && !initialise) return;
  writeFileSync(marker, `${JSON.stringify({ createdAt: new Date().toISOString(), database: file })}\n`, { mode: 0o600 });
}

/** Throws StoreUnavailable once the file opened is no longer at its path; stat at most once a second. */
export function fileGuard(file: string): { check(): void; gone(): string | undefined } {
  const opened = statSync(file);
  let checkedAt = 0;
  let problem: string | undefined;
  const gone = (): string | undefined => {
    try {
      const now = statSync(file);
      problem = now.ino === opened.ino && now.dev === opened.dev ? undefined : `the database file ${file} was replaced while open`;
    } catch {
      problem = `the database file ${file} was deleted while open`;
    }
    checkedAt = Date.now();
    return problem;
  };
  return {
    gone,
    check() {
      if (Date.now() - checkedAt >= 1000) gone();
      if (problem) throw new DispatcherError('unavailable', `${problem}; restore it and restart`, { code: 'StoreUnavailable' });
    },
  };
}
