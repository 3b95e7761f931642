/**
 * Importing user modules — calculators, task modules, pool functions, graph files — the same way
 * in every thread and every mode: from source, from `dist/`, and from a consumer's `node_modules`.
 *
 * JavaScript (`.js`, `.mjs`, `.cjs`) is imported as it is: a plain JavaScript user needs no
 * TypeScript tooling at run time. TypeScript (`.ts`, `.mts`, `.cts`) needs a loader in the thread
 * that imports it, and a thread only has one if it registered one itself (Node 20 applies neither
 * the parent's hooks nor `--import` loaders given in a worker's `execArgv`). So before a thread's
 * first TypeScript import, this module registers tsx's ESM and CommonJS hooks in that thread, once.
 * tsx is an optional peer dependency, looked up beside the module being imported, then in the
 * working directory, then beside weft; without it, a Node that strips types itself (22.18 and
 * later, or 22.6 with `--experimental-strip-types`) imports the file natively, and any other Node
 * gets a {@link MissingDependencyError} naming tsx. Registering twice (a main thread already
 * started by `tsx main.ts`) is harmless; registering after a failed plain import is not (Node
 * caches the failed import), which is why the decision is made up front from the extension. In a
 * thread that runs the compiled twins of weft's sources (weft from source, see compiled-sources.ts),
 * the same registration also sends that module's imports of weft's sources to the twins.
 *
 * Threading: any thread; the registration is per thread (kept on `globalThis`, one per isolate).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InvalidArgumentError, MissingDependencyError } from './errors.js';

/** The thread's registration: a promise, so that concurrent first imports register once. */
const REGISTERED = Symbol.for('weft.typescript-hooks');
type Registry = { [REGISTERED]?: Promise<void> };

/** True for a module URL or path whose file is TypeScript (`.ts`, `.mts`, `.cts`). */
export function isTypeScriptModule(url: string): boolean {
  return /\.[mc]?ts$/.test(url.replace(/[?#].*$/, ''));
}

/**
 * Imports a module by URL, registering a TypeScript loader in this thread first when the file is
 * TypeScript. A TypeScript module compiled as CommonJS (no `"type": "module"` above it) has its
 * `exports` returned, so `export default` reads as `default` either way.
 * @throws MissingDependencyError for a TypeScript module when no loader can be had.
 */
export async function importModule(url: string): Promise<Record<string, unknown>> {
  if (isTypeScriptModule(url)) await enableTypeScript(url);
  const mod = (await import(url)) as Record<string, unknown>;
  const inner = mod.default as Record<string, unknown> | undefined;
  return typeof inner === 'object' && inner !== null && inner.__esModule === true ? inner : mod;
}

const requireHere = createRequire(import.meta.url);

/**
 * Loads `name`, one of weft's own CommonJS dependencies, synchronously and on first use: the feature
 * that needs it (`feature`, for the message) calls this, so that importing weft does not load it.
 * Node caches the module; later calls cost a lookup. Any thread.
 * @throws MissingDependencyError naming the package when it is not installed (a broken install);
 * an error the package itself throws while loading goes on as it is.
 */
export function requireDependency<T>(name: string, feature: string): T {
  try {
    return requireHere(name) as T;
  } catch (cause) {
    // Only the package itself missing: a module it requires in turn failing is its own error.
    const missing =
      (cause as { code?: unknown }).code === 'MODULE_NOT_FOUND' &&
      String((cause as Error).message).includes(`'${name}'`);
    if (!missing) throw cause;
    throw new MissingDependencyError(
      `${feature} needs ${name}, a dependency of weft that cannot be loaded: reinstall weft's dependencies (npm install)`,
      { cause },
    );
  }
}

/** Registers tsx in this thread (once), or checks that Node strips types itself. */
function enableTypeScript(forModule?: string): Promise<void> {
  const g = globalThis as Registry;
  let done = g[REGISTERED];
  if (done === undefined) {
    done = registerTsx(forModule);
    g[REGISTERED] = done;
    // A failure is reported to this caller, not remembered: installing tsx and retrying works.
    done.catch(() => {
      if (g[REGISTERED] === done) g[REGISTERED] = undefined;
    });
  }
  return done;
}

async function registerTsx(forModule: string | undefined): Promise<void> {
  const api = tsxApiUrls(forModule);
  if (api === undefined) {
    if (nodeStripsTypes()) return;
    throw new MissingDependencyError(
      `cannot import the TypeScript module ${forModule ?? ''}: install tsx (npm install --save-dev tsx), ` +
        'compile it to JavaScript, or run on Node 22.18 or later, which strips types itself',
      { phase: 'config' },
    );
  }
  const esm = (await import(api.esm)) as { register(): unknown };
  const cjs = (await import(api.cjs)) as { register(): unknown };
  esm.register();
  cjs.register();
  redirectToTwins();
}

/**
 * In a thread started from the compiled twins of weft's sources (see `src/actors/compiled-sources.ts`),
 * a TypeScript module that imports weft's sources gets their twins instead, the
 * copies this thread already runs: one copy of weft's classes per thread (a FrameRef made by the
 * module must be the one the thread's `isFrameRef` knows). Registered after tsx, so it runs first
 * and asks tsx to resolve. Elsewhere (from source, compiled) it does nothing.
 */
function redirectToTwins(): void {
  let source: unknown;
  try {
    source = (
      JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
        weftSource?: unknown;
      }
    ).weftSource;
  } catch {
    return;
  }
  if (typeof source !== 'string') return;
  register(`data:text/javascript,${encodeURIComponent(REDIRECT_HOOKS)}`, {
    data: { source, root: new URL('../', import.meta.url).href },
  });
}

const REDIRECT_HOOKS = `
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
let source, root;
export function initialize(data) { source = data.source; root = data.root; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url.startsWith(source) && r.url.endsWith('.ts') && !/[?#]/.test(r.url)) {
    const twin = root + r.url.slice(source.length, -3) + '.js';
    if (existsSync(fileURLToPath(twin))) return { ...r, url: twin, format: 'module' };
  }
  return r;
}
`;

/** Node's own type stripping (`process.features.typescript`, Node 22.10+) is on. */
function nodeStripsTypes(): boolean {
  const features = process.features as { typescript?: unknown };
  return typeof features.typescript === 'string';
}

/**
 * `file:` URLs of tsx's ESM and CommonJS hook APIs (their ESM builds: the CommonJS build of the
 * API resolves its loader to a wrong relative path when registered inside a worker), found beside
 * `forModule`, in the working directory, or beside weft; undefined when tsx is not installed.
 */
export function tsxApiUrls(forModule?: string): { esm: string; cjs: string } | undefined {
  const bases: string[] = [];
  if (forModule?.startsWith('file:')) bases.push(forModule);
  bases.push(pathToFileURL(join(process.cwd(), 'noop.js')).href, import.meta.url);
  for (const base of bases) {
    let pkgPath: string;
    try {
      pkgPath = createRequire(base).resolve('tsx/package.json');
    } catch {
      continue;
    }
    const dir = dirname(pkgPath);
    const exports = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports?: Record<string, unknown> })
      .exports;
    const esm = join(dir, importTarget(exports?.['./esm/api']) ?? 'dist/esm/api/index.mjs');
    const cjs = join(dir, importTarget(exports?.['./cjs/api']) ?? 'dist/cjs/api/index.mjs');
    if (existsSync(esm) && existsSync(cjs))
      return { esm: pathToFileURL(esm).href, cjs: pathToFileURL(cjs).href };
  }
  return undefined;
}

function importTarget(entry: unknown): string | undefined {
  const imp = (entry as { import?: { default?: unknown } } | undefined)?.import?.default;
  return typeof imp === 'string' ? imp : undefined;
}

/**
 * A `data:` module that registers tsx in the thread importing it before anything else loads: for
 * threads whose entry file is itself TypeScript (weft running from source). Undefined without tsx.
 */
export function tsxBootstrapModule(): string | undefined {
  const api = tsxApiUrls();
  if (api === undefined) return undefined;
  const source =
    `import { register as esm } from ${JSON.stringify(api.esm)};` +
    `import { register as cjs } from ${JSON.stringify(api.cjs)};` +
    `esm(); cjs(); globalThis[Symbol.for('weft.typescript-hooks')] = Promise.resolve();`;
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

/**
 * The error for a module `what` (`calculator "X"`, `calculator module`) that could not be imported
 * from `module`: says why, and for a syntax error where (see {@link syntaxErrorLocation}); `cause`
 * is the import's error. Any thread.
 */
export function importError(what: string, module: string, cause: unknown): InvalidArgumentError {
  // By shape, not instanceof: an import's error may come from another realm (a test runner's).
  const e = cause as { name?: unknown; message?: unknown } | null;
  const why = typeof e?.message === 'string' ? `: ${String(e.name)}: ${e.message}` : '';
  const at = e?.name === 'SyntaxError' ? syntaxErrorLocation(module) : undefined;
  return new InvalidArgumentError(
    `${what}: cannot import ${module}${why}${at === undefined ? '' : ` (at ${at})`}`,
    { cause, phase: 'config' },
  );
}

/** {@link importModule}, failing with {@link importError} when the module cannot be imported. */
export async function importExplained(what: string, module: string): Promise<Record<string, unknown>> {
  try {
    return await importModule(module);
  } catch (cause) {
    throw importError(what, module, cause);
  }
}

/**
 * Where a JavaScript module's syntax error lies (`path:line`), which Node 20 leaves out of the
 * SyntaxError an import rejects with: asked of `node --check` in a child process. Undefined for a
 * TypeScript module, a module that is no file, or when the check finds nothing. For error paths
 * only (it starts a process, ~50 ms). Any thread.
 */
function syntaxErrorLocation(module: string): string | undefined {
  const path = module.startsWith('file:') ? fileURLToPath(module) : module;
  if (!/\.[cm]?js$/.test(path) || !existsSync(path)) return undefined;
  // Required here: child_process loads Node's net stack, which a thread importing weft should not.
  const { spawnSync } = createRequire(import.meta.url)(
    'node:child_process',
  ) as typeof import('node:child_process');
  const r = spawnSync(process.execPath, ['--check', path], { encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0) return undefined;
  const first = (r.stderr ?? '').split('\n', 1)[0]!.trim();
  return first.length > 0 ? first : undefined;
}
