#!/usr/bin/env node
// Builds dist/ with `npm run build` when a source or config file is newer than the last build, so
// `npm start` always runs compiled JavaScript (threads start in milliseconds instead of loading
// TypeScript through a loader) without paying for a build it does not need.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const stamp = join(root, 'dist', 'index.js');

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = 0;
  for (const name of readdirSync(path)) t = Math.max(t, newest(join(path, name)));
  return t;
}

let built = -1;
try {
  built = statSync(stamp).mtimeMs;
} catch {
  // Never built.
}
const sources = Math.max(
  newest(join(root, 'src')),
  ...['package.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => newest(join(root, f))),
);
if (sources > built) {
  process.stderr.write('weft: building dist/ (sources changed since the last build)\n');
  const r = spawnSync('npm', ['run', '--silent', 'build'], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
