#!/usr/bin/env node
// weft as a dependency, the way a user meets it: pack the package, install the tarball into empty
// projects (nothing but the npm registry), and run a plain-JavaScript consumer and a TypeScript
// consumer, each with a calculator of its own. Run by `.ci/run` after `npm test`; locally:
// `npm run test:consumer`. Exits non-zero at the first failed step, saying which.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixtures = join(root, 'test', 'fixtures', 'consumer');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'weft-consumer-'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
process.stdout.write(`consumer test: working in ${work}\n`);

function step(title, fn) {
  process.stdout.write(`consumer test: ${title}\n`);
  try {
    return fn();
  } catch (err) {
    process.stderr.write(
      `consumer test FAILED at: ${title}\n${err.stdout ?? ''}${err.stderr ?? ''}${err.message}\n`,
    );
    process.exit(1);
  }
}

// Runs a command; returns stdout, or throws with both streams when it exits non-zero.
function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) {
    throw Object.assign(new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`), {
      stdout: r.stdout,
      stderr: r.stderr,
    });
  }
  return r.stdout;
}

// npm install; fails when it printed any warning (npm prints them on stderr).
function install(cwd, args) {
  const r = spawnSync(npm, ['install', '--no-fund', '--no-audit', ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.status !== 0) throw Object.assign(new Error(`npm install exited with ${r.status}`), r);
  if (/npm warn/i.test(r.stderr) || /npm warn/i.test(r.stdout)) {
    throw new Error(`npm install ${args.join(' ')} printed warnings:\n${r.stderr}${r.stdout}`);
  }
}

function expectIn(text, needle, what) {
  if (!text.includes(needle))
    throw new Error(`${what}: expected to find ${JSON.stringify(needle)} in:\n${text}`);
}

try {
  const tarball = step('npm pack', () => {
    const out = run(npm, ['pack', '--pack-destination', work, '--silent'], root);
    return join(work, out.trim().split('\n').pop());
  });
  step(
    "the tarball holds dist/, the README's example graphs, README.md, LICENSE and no TypeScript sources or maps pointing at them",
    () => {
      const list = run('tar', ['-tzf', tarball], work);
      for (const f of [
        'package/dist/index.js',
        'package/dist/index.d.ts',
        'package/examples/graphs/counter-chain.pbtxt',
        'package/examples/graphs/flow-limited.pbtxt',
        'package/README.md',
        'package/LICENSE',
      ]) {
        expectIn(list, f, 'tarball');
      }
      if (/package\/src\//.test(list)) throw new Error('the tarball ships src/');
    },
  );

  // --- plain JavaScript consumer: no TypeScript tooling installed at all ---
  const js = join(work, 'js-consumer');
  cpSync(join(fixtures, 'js'), js, { recursive: true });
  step('install the tarball into an empty JavaScript project: no warning, no install script', () => {
    install(js, [tarball]);
  });
  step('no TypeScript tooling and no onnxruntime came along', () => {
    const modules = readdirSync(join(js, 'node_modules'));
    for (const m of ['tsx', 'typescript', 'onnxruntime-node', 'esbuild']) {
      if (modules.includes(m)) throw new Error(`${m} was installed into a plain JavaScript consumer`);
    }
  });
  step('JavaScript consumer: a core graph, a custom .mjs calculator, a Session push/pull', () => {
    const out = run(process.execPath, ['main.mjs'], js);
    expectIn(out, 'graph: 0,30,60,90', 'main.mjs');
    expectIn(out, 'session: 0,30,60', 'main.mjs');
    expectIn(out, 'inference without onnxruntime-node: ERR_WEFT_MISSING_DEPENDENCY', 'main.mjs');
    // Node strips TypeScript types itself from 22.18 (process.features.typescript).
    const strips = typeof process.features.typescript === 'string';
    expectIn(
      out,
      strips
        ? 'typescript without tsx: loaded by Node itself'
        : 'typescript without tsx: ERR_WEFT_MISSING_DEPENDENCY names tsx',
      'main.mjs',
    );
  });
  step('JavaScript consumer: npx weft run with its own calculator', () => {
    const out = run(npx, ['weft', 'run', 'graph.pbtxt', '--calculators', 'triple.mjs'], js);
    expectIn(out, 'output "out": 4 packets  0: 0  1: 3  2: 6', 'weft run');
  });
  step("JavaScript consumer: npx weft run of the README's example graph, from the package", () => {
    const out = run(npx, ['weft', 'run', 'node_modules/weft/examples/graphs/counter-chain.pbtxt'], js);
    expectIn(out, 'output "out": 1000 packets  0: 0  1: 1  2: 2', 'weft run example');
  });
  step('install onnxruntime-node (the optional peer) for inference: no warning', () => {
    install(js, [`onnxruntime-node@${pkg.devDependencies['onnxruntime-node']}`]);
  });
  step('JavaScript consumer: npx weft demo --seconds 2', () => {
    const out = run(npx, ['weft', 'demo', '--seconds', '2'], js);
    expectIn(out, 'cameras not accounted for  0', 'weft demo');
  });

  // --- TypeScript consumer: strict, skipLibCheck false, no onnxruntime-node ---
  const ts = join(work, 'ts-consumer');
  cpSync(join(fixtures, 'ts'), ts, { recursive: true });
  step('install the tarball with typescript, tsx and @types/node: no warning', () => {
    install(ts, [
      tarball,
      `typescript@${pkg.devDependencies.typescript}`,
      `tsx@${pkg.devDependencies.tsx}`,
      `@types/node@${pkg.devDependencies['@types/node']}`,
    ]);
  });
  // Its tsconfig lists no types (TypeScript 7's default): weft's declarations bring Node's.
  step('TypeScript consumer: tsc --noEmit, strict, skipLibCheck false, no types listed', () => {
    run(npx, ['tsc', '--noEmit', '-p', '.'], ts);
  });
  step('TypeScript consumer: a core graph with a .ts calculator, a Session push/pull', () => {
    const out = run(npx, ['tsx', 'main.ts'], ts);
    expectIn(out, 'graph: 1,2,3,4', 'main.ts');
    expectIn(out, 'session: 10,11,12', 'main.ts');
  });
  step('TypeScript consumer: npx weft run of a graph.ts with its .ts calculator', () => {
    const out = run(npx, ['weft', 'run', 'graph.ts', '--calculators', 'plus-one.ts'], ts);
    expectIn(out, 'output "out": 3 packets  0: 1  1: 2  2: 3', 'weft run graph.ts');
  });
  process.stdout.write('consumer test: all steps passed\n');
} finally {
  rmSync(work, { recursive: true, force: true });
}
