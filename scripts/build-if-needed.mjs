// `npm start` builds only when a source is newer than the build (tsc takes ~10 s even when
// nothing changed).
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const stat = statSync(path);
    latest = Math.max(latest, stat.isDirectory() ? newest(path) : stat.mtimeMs);
  }
  return latest;
}

// tsc rewrites its build info on every build, but only the outputs whose source changed.
const stamp = 'dist/.tsbuildinfo';
const built = existsSync(stamp) && existsSync('dist/main.js') ? statSync(stamp).mtimeMs : 0;
const inputs = Math.max(newest('src'), statSync('package.json').mtimeMs, statSync('tsconfig.json').mtimeMs);
if (inputs > built) {
  const run = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (run.status !== 0) {
    rmSync(stamp, { force: true }); // tsc stamps even a failed build; the next start must try again
    process.exit(run.status ?? 1);
  }
}
