// The CLI's start stays small because its import graph holds no server code: walks the static
// imports from src/cli/cli-main.ts and refuses drivers, store, pool, services and heavy packages.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';

const FORBIDDEN_DIRS = ['src/drivers', 'src/store', 'src/pool', 'src/services', 'src/api', 'src/admin', 'src/cistern'];
const ALLOWED_PACKAGES = new Set(['node:util', 'node:fs', 'node:os', 'node:path', 'node:readline/promises']);

function graph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    // Static imports only (`import type` is erased); dynamic import() is on purpose lazy.
    for (const match of text.matchAll(/^import (?!type )[^;]*? from '([^']+)';/gms)) {
      const spec = match[1];
      if (spec.startsWith('.')) visit(join(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('the CLI import graph', () => {
  it('holds no server code and only small node built-ins', () => {
    const { files, packages } = graph('src/cli/cli-main.ts');
    const server = [...files].map((f) => relative('.', f)).filter((f) => FORBIDDEN_DIRS.some((d) => f.startsWith(d)));
    assert.deepEqual(server, []);
    assert.deepEqual([...packages].filter((p) => !ALLOWED_PACKAGES.has(p)), []);
    assert.ok(files.size > 5, 'the walk found the command modules');
  });
});
