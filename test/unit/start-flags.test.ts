// The server's node flags (docs/performance.md, "memory") are given by every documented way to
// start it, the same as `npm start`: the Dockerfile, both systemd units, and bin/dispatcher.js
// (whose `serve` runs the server in its own process, so its shebang carries them). The bench
// reads them from package.json, so what it measures is what `npm start` runs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ROOT, startFlags } from '../../bench/bench-build.js';

const read = (path: string) => readFileSync(new URL(path, `file://${ROOT}`), 'utf8');

describe('the start paths', () => {
  const flags = startFlags(ROOT);

  it('npm start gives node a semi-space limit', () => {
    assert.ok(flags.some((f) => /^--max-semi-space-size=\d+$/.test(f)), `flags: ${flags.join(' ')}`);
  });

  it('the Dockerfile, the systemd units and the bin script give the same flags', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'))?.[1];
    assert.deepEqual(JSON.parse(cmd ?? '[]'), ['node', ...flags, 'dist/main.js']);
    for (const unit of ['deploy/systemd/cloud-dispatcher.service', 'deploy/scale-out/dispatcher@.service']) {
      const exec = /^ExecStart=\/usr\/bin\/node (.*) \S*dist\/main\.js$/m.exec(read(unit))?.[1];
      assert.deepEqual(exec?.split(' '), flags, unit);
    }
    assert.equal(read('bin/dispatcher.js').split('\n')[0], `#!/usr/bin/env -S node ${flags.join(' ')}`);
  });
});
