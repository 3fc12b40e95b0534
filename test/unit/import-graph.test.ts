// scripts/import-graph.mjs (`npm run graph`) run as a real process on small trees written here,
// then on src/ itself: no import cycle between folders, value or type, and no forbidden arrow.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'import-graph-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function graph(root: string): { status: number | null; out: string } {
  const run = spawnSync(process.execPath, ['scripts/import-graph.mjs', root], { encoding: 'utf8' });
  assert.equal(run.stderr, '');
  return { status: run.status, out: run.stdout };
}

describe('npm run graph', () => {
  it('counts the arrows between folders and passes a tree without a cycle', () => {
    const root = tree({
      'main.ts': "import { b } from './b/b-one.js';\nexport const main = b;\n",
      'b/b-one.ts': "import { c } from '../c/c-one.js';\nimport type { C } from '../c/c-two.js';\nexport const b: C = c;\n",
      'c/c-one.ts': 'export const c = 1;\n',
      'c/c-two.ts': 'export type C = number;\n',
    });
    const { status, out } = graph(root);
    assert.equal(status, 0, out);
    assert.match(out, /\(root\) 1, b 1, c 2/);
    assert.match(out, /^ {2}\(root\) → b +1$/m);
    assert.match(out, /^ {2}b → c +2 \(1 type-only\)$/m);
    assert.match(out, /^cycles: none$/m);
  });

  it('finds a cycle closed by a type-only import, and one of values', () => {
    const root = tree({
      'a/a-one.ts': "import { b } from '../b/b-one.js';\nexport const a = b;\nexport type A = string;\n",
      // Imported without `type`, used only as a type: the compiler erases it all the same.
      'b/b-one.ts': "import { A } from '../a/a-one.js';\nexport const b: A = 'b';\n",
      'c/c-one.ts': "import { d } from '../d/d-one.js';\nexport const c = 1;\nexport const e = d;\n",
      'd/d-one.ts': "import { c } from '../c/c-one.js';\nexport const d = () => c;\n",
    });
    const { status, out } = graph(root);
    assert.equal(status, 1, out);
    assert.match(out, /^ {2}a → b → a {2}\[type\]$/m);
    assert.match(out, /^ {2}c → d → c {2}\[value\]$/m);
    assert.match(out, /^ {4}b\/b-one\.ts → a\/a-one\.ts \(type\)$/m);
  });

  it('refuses services/ importing admin/ even without a cycle', () => {
    const root = tree({
      'services/vm-service.ts': "import type { Admission } from '../admin/admission-guard.js';\nexport type S = Admission;\n",
      'admin/admission-guard.ts': 'export interface Admission { admit(): void }\n',
    });
    const { status, out } = graph(root);
    assert.equal(status, 1, out);
    assert.match(out, /^cycles: none$/m);
    assert.match(out, /^forbidden arrows: 1$/m);
    assert.match(out, /services\/vm-service\.ts → admin\/admission-guard\.ts \(type\)/);
  });

  it('finds no cycle between the folders of src/, and services/ importing nothing of admin/', () => {
    const { status, out } = graph('src');
    assert.match(out, /^ {2}services → store /m, 'the walk saw the real arrows');
    assert.match(out, /^cycles: none$/m);
    assert.match(out, /^forbidden arrows: none$/m);
    assert.equal(status, 0, out);
  });
});
