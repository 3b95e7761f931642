/**
 * weft's own sources compiled to JavaScript for its threads, while weft itself runs from source.
 *
 * Threading: the thread that spawns threads (the supervisor's). Never imported by `src/core`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { threadId } from 'node:worker_threads';
import { tsxApiUrls } from '../core/module-loader.js';

const fromSource = import.meta.url.endsWith('.ts');

/**
 * weft's own sources compiled to JavaScript, for its threads, while weft runs from source.
 *
 * A thread that starts from `src/` registers a TypeScript loader, and on Node 20 that loader's hooks
 * run on a thread of their own, one per worker, asked once per module (measured: four actor threads
 * spent ~500 ms on it before their first packet, on 2 cores). Instead, the first run of a process
 * compiles every source file once (esbuild, as tsx does; tsx's own dependency) into
 * `node_modules/.cache/weft-threads/<key>/`, a tree with the same layout as `src/`, keyed by the
 * content of every file, the tsconfig and the Node and esbuild versions: an edit makes a new tree,
 * and a tree is only ever read once complete (built aside, then renamed into place). Later runs
 * and processes with the same sources reuse it. Trees unused for a day are removed.
 *
 * A thread started from the twins holds weft only as compiled there. A TypeScript module outside
 * `src/` (a user's calculator from source, a test fixture) is still loaded through tsx in that
 * thread, and its imports of weft's sources are redirected to the same twins (see
 * module-loader.ts), so that the thread never holds two copies of weft's classes.
 */
export interface CompiledSources {
  /** `file:` URL of the compiled tree (the twin of `src/`), ending in `/`. */
  readonly root: string;
  /** The compiled twin of a module of weft's sources (a `.ts` under `src/`); undefined for others. */
  twin(url: string | URL): string | undefined;
}

// Part of every tree's key: a change to how trees are made makes new ones.
const TREE_FORMAT = 1;
const SOURCE_ROOT = new URL('../', import.meta.url).href;
const DAY_MS = 24 * 3600 * 1000;

let compiling: Promise<CompiledSources | undefined> | undefined;
// The tree compiling resolved to.
let ready: CompiledSources | undefined;
// The roots of every tree this thread compiled or found, for spawnTask's choice of entry.
const twinRoots = new Set<string>();

/** The root of the compiled tree `moduleUrl` lies in (a twin's thread starts from its entry), if any. */
export function twinRootOf(moduleUrl: string): string | undefined {
  for (const root of twinRoots) if (moduleUrl.startsWith(root)) return root;
  return undefined;
}

/**
 * The compiled twins of weft's sources for this process (compiled on the first call when no tree
 * matches the sources yet); undefined when weft runs compiled, or when no tree can be had (no
 * esbuild, no `node_modules` to cache it in, a failed compile): threads then start from source.
 * Never rejects. Threading: the thread that spawns threads.
 */
export function compiledSources(): Promise<CompiledSources | undefined> {
  if (!fromSource) return Promise.resolve(undefined);
  // A tree removed under a long-lived process (by another's clean-up) is made again.
  if (ready !== undefined && !existsSync(new URL('package.json', ready.root))) {
    ready = undefined;
    compiling = undefined;
  }
  compiling ??= compileSources().then(
    (c) => {
      if (c !== undefined) twinRoots.add(c.root);
      ready = c;
      return c;
    },
    () => undefined,
  );
  return compiling;
}

interface Esbuild {
  readonly version: string;
  transform(source: string, options: Record<string, unknown>): Promise<{ code: string }>;
}

function loadEsbuild(): Esbuild | undefined {
  // Beside weft (a dependency of tsx, hoisted), else inside tsx's own install.
  const tsx = tsxApiUrls();
  for (const base of [import.meta.url, ...(tsx === undefined ? [] : [tsx.esm])]) {
    try {
      return createRequire(base)('esbuild') as Esbuild;
    } catch {}
  }
  return undefined;
}

async function compileSources(): Promise<CompiledSources | undefined> {
  const srcDir = fileURLToPath(SOURCE_ROOT);
  const modulesDir = join(dirname(srcDir), 'node_modules');
  const esbuild = existsSync(modulesDir) ? loadEsbuild() : undefined;
  if (esbuild === undefined) return undefined;
  const [{ createHash }, fs] = await Promise.all([import('node:crypto'), import('node:fs/promises')]);
  const files = (await fs.readdir(srcDir, { recursive: true }))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort();
  const sources = await Promise.all(files.map((f) => fs.readFile(join(srcDir, f), 'utf8')));
  const tsconfig = await fs.readFile(join(dirname(srcDir), 'tsconfig.json'), 'utf8').catch(() => undefined);
  const hash = createHash('sha256').update(
    JSON.stringify([TREE_FORMAT, process.versions.node, esbuild.version, SOURCE_ROOT, tsconfig ?? null]),
  );
  for (let k = 0; k < files.length; k++) hash.update(`\0${files[k]}\0${sources[k]}`);
  const key = hash.digest('hex').slice(0, 24);
  const cacheDir = join(modulesDir, '.cache', 'weft-threads');
  const dir = join(cacheDir, key);
  if (existsSync(join(dir, 'package.json'))) {
    const now = new Date();
    await fs.utimes(dir, now, now).catch(() => {});
  } else {
    // Built aside, then renamed into place: a tree in place is complete. Another process may win
    // the race; its tree is the same.
    const tmp = `${dir}.tmp-${process.pid}-${threadId}-${Date.now()}`;
    try {
      await Promise.all(
        files.map(async (f, k) => {
          const out = await esbuild.transform(sources[k]!, {
            loader: 'ts',
            format: 'esm',
            target: `node${process.versions.node}`,
            sourcemap: 'inline',
            sourcesContent: false,
            sourcefile: pathToFileURL(join(srcDir, f)).href,
            keepNames: true,
            ...(tsconfig === undefined ? {} : { tsconfigRaw: tsconfig }),
          });
          const path = join(tmp, f.replace(/\.ts$/, '.js'));
          await fs.mkdir(dirname(path), { recursive: true });
          await fs.writeFile(path, out.code);
        }),
      );
      // `weftSource` tells the twins' module loader which imports to redirect (module-loader.ts).
      await fs.writeFile(
        join(tmp, 'package.json'),
        JSON.stringify({ type: 'module', weftSource: SOURCE_ROOT }),
      );
      await fs.rename(tmp, dir);
    } catch (err) {
      await fs.rm(tmp, { recursive: true, force: true });
      if (!existsSync(join(dir, 'package.json'))) throw err;
    }
  }
  void pruneTrees(cacheDir, key).catch(() => {});
  const compiled = new Set(files);
  return {
    root: `${pathToFileURL(dir).href}/`,
    twin(url) {
      const href = typeof url === 'string' ? url : url.href;
      if (!href.startsWith(SOURCE_ROOT) || /[?#]/.test(href)) return undefined;
      const rel = fileURLToPath(href).slice(srcDir.length);
      return compiled.has(rel) ? pathToFileURL(join(dir, `${rel.slice(0, -3)}.js`)).href : undefined;
    },
  };
}

// Removes the trees (and abandoned partial builds) of other source states not used for a day.
async function pruneTrees(cacheDir: string, keep: string): Promise<void> {
  const fs = await import('node:fs/promises');
  const now = Date.now();
  for (const name of await fs.readdir(cacheDir)) {
    if (name === keep) continue;
    const path = join(cacheDir, name);
    const { mtimeMs } = await fs.stat(path);
    if (now - mtimeMs > DAY_MS) await fs.rm(path, { recursive: true, force: true });
  }
}
