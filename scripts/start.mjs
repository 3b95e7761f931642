#!/usr/bin/env node
// `npm start`: runs the weft command from dist/ with the given arguments, in this same process (one
// Node start, not two). Builds dist/ first with `npm run build` only when a source or config file is
// newer than the last build, so `npm start` always runs compiled JavaScript (threads start in
// milliseconds instead of loading TypeScript through a loader) without paying for a build it does not
// need: in a fresh clone, `npm install` has already built it.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
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

const main = join(root, 'dist', 'cli', 'main.js');
process.argv = [process.argv[0], main, ...process.argv.slice(2)];
await import(pathToFileURL(main).href);
