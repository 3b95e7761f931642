#!/usr/bin/env node
// `npm pack` / `npm publish` hooks. `prepare` builds dist/ when the clone is installed, so that
// `npm start` runs compiled JavaScript at once; but npm counts `prepare` as an install script of a
// package installed from a tarball or git, and warns (or runs a build the consumer cannot do). So the
// packed manifest leaves it out: `strip` (prepack) saves package.json byte for byte and removes
// scripts.prepare, `restore` (postpack) puts the saved file back.
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const manifest = new URL('../package.json', import.meta.url);
const saved = new URL('../.package.json.orig', import.meta.url);
const mode = process.argv[2];

if (mode === 'strip') {
  copyFileSync(manifest, saved);
  const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
  delete pkg.scripts.prepare;
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (mode === 'restore') {
  if (existsSync(saved)) renameSync(saved, manifest);
} else {
  process.stderr.write('usage: pack-manifest.mjs strip|restore\n');
  process.exit(2);
}
