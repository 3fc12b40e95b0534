// The servers under test run as plain `node` on JavaScript, as `npm start` does: under tsx the
// loader thread and its caches add over 100 MB of RSS and skew startup, which would make the
// memory figure (and to a lesser degree the others) describe tsx rather than the product.
// src/ and bench/ are transpiled (no type check: tsc is the gate for that) into a directory
// named after a hash of their content, so a build is reused until a source changes, and two
// benchmark runs at once never write into the same tree.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUILDS = join(ROOT, 'bench', 'results', '.build');
const STALE_AFTER_MS = 60 * 60 * 1000;

function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) out.push(path);
    }
  };
  walk(join(ROOT, 'src'));
  for (const entry of readdirSync(join(ROOT, 'bench'))) {
    if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) out.push(join(ROOT, 'bench', entry));
  }
  return out.sort();
}

/** The directory holding the transpiled tree (`<dir>/src/…`, `<dir>/bench/…`), built if missing. */
export async function ensureBuild(): Promise<string> {
  const files = sources();
  const hash = createHash('sha256');
  for (const file of files) hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  hash.update(readFileSync(join(ROOT, 'package.json')));
  const target = join(BUILDS, hash.digest('hex').slice(0, 16));
  if (existsSync(join(target, 'package.json'))) return target;

  const ts = (await import('typescript')).default;
  const scratch = `${target}.${process.pid}.tmp`;
  rmSync(scratch, { recursive: true, force: true });
  for (const file of files) {
    const out = join(scratch, relative(ROOT, file)).replace(/\.ts$/, '.js');
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      // ESM output whatever the file's package says: transpileModule cannot see package.json.
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  // version.ts reads ../package.json, and "type": "module" makes the .js files ESM.
  cpSync(join(ROOT, 'package.json'), join(scratch, 'package.json'));
  try {
    renameSync(scratch, target);
  } catch {
    rmSync(scratch, { recursive: true, force: true }); // another run built the same tree first
  }
  pruneStale(target);
  return target;
}

/**
 * The node flags `npm start` gives the server (package.json's start script: `node <flags>
 * dist/main.js`), read from the build's own copy: each build runs as its own product starts.
 */
export function startFlags(dir: string): string[] {
  const { scripts } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  const words = (scripts?.start ?? '').trim().split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/main.js') throw new Error(`package.json start is not "node [flags] dist/main.js": ${scripts?.start}`);
  return words.slice(1, -1);
}

function pruneStale(keep: string): void {
  for (const entry of readdirSync(BUILDS)) {
    const path = join(BUILDS, entry);
    if (path !== keep && Date.now() - statSync(path).mtimeMs > STALE_AFTER_MS) rmSync(path, { recursive: true, force: true });
  }
}
