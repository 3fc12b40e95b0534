// Profiles: the dispatcher URL and API token of each named login, in one JSON file under the
// XDG config dir, created 0600 in a 0700 directory (it holds bearer tokens).
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, EXIT } from './cli-errors.js';

export interface Profile {
  url: string;
  token?: string;
  username?: string;
  expiresAt?: string;
}

interface ProfileFile {
  profiles: Record<string, Profile>;
}

export const DEFAULT_PROFILE = 'default';

export class ProfileStore {
  readonly path: string;

  constructor(private readonly dir: string) {
    this.path = join(dir, 'profiles.json');
  }

  get(name: string): Profile | undefined {
    return this.read().profiles[name];
  }

  list(): Record<string, Profile> {
    return this.read().profiles;
  }

  save(name: string, profile: Profile): void {
    const file = this.read();
    file.profiles[name] = profile;
    this.write(file);
  }

  /** Forgets the token (the URL stays, so the next login needs no --url). */
  clearToken(name: string): boolean {
    const file = this.read();
    const profile = file.profiles[name];
    if (!profile?.token) return false;
    file.profiles[name] = { url: profile.url };
    this.write(file);
    return true;
  }

  private read(): ProfileFile {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
      throw new CliError(`cannot read ${this.path}: ${(err as Error).message}`, EXIT.error);
    }
    try {
      const parsed = JSON.parse(text) as ProfileFile;
      return { profiles: typeof parsed.profiles === 'object' && parsed.profiles ? parsed.profiles : {} };
    } catch {
      throw new CliError(`${this.path} is not valid JSON`, EXIT.error, 'fix or delete it, then run "dispatcher login" again');
    }
  }

  private write(file: ProfileFile): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const temp = `${this.path}.${process.pid}.tmp`;
    // Created 0600 (not chmod-ed after): the token is never readable by others, not even briefly.
    writeFileSync(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temp, 0o600); // an existing temp file keeps its mode; the umask may have narrowed it further
    renameSync(temp, this.path);
  }
}
