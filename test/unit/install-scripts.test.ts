// No dependency runs an install script we did not review: every package the lockfile marks
// hasInstallScript must be named in package.json's allowScripts (true: reviewed and needed,
// false: refused, like @scarf/scarf's install-time analytics).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { allowScripts: Record<string, boolean> };
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };

function withInstallScripts(): string[] {
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path !== '' && entry.hasInstallScript)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
}

describe('install scripts', () => {
  it('are all reviewed in allowScripts', () => {
    const unreviewed = withInstallScripts().filter((name) => !(name in pkg.allowScripts));
    assert.deepEqual(unreviewed, [], `add each to allowScripts (true after review, false to refuse): ${unreviewed.join(', ')}`);
  });

  it('refuse the install-time telemetry of @scarf/scarf', () => {
    assert.equal(pkg.allowScripts['@scarf/scarf'], false);
    assert.ok(withInstallScripts().includes('@scarf/scarf'), 'the check sees the package it is about (swagger-ui-dist still pulls it)');
  });
});
