/**
 * The compiled package (dist/, built by `npm install` or `npm run build`), for suites that measure
 * weft as users run it: its threads load no TypeScript loader and no source maps, whose code and
 * start-up would otherwise count in every thread (a heap limit's room, a restart's cost).
 *
 * Threading: main thread.
 */
import { existsSync } from 'node:fs';

/** The package's main entry, as `import('weft')` gives it. */
export type Weft = typeof import('../../src/index.js');
/** The package's `weft/models` entry. */
export type WeftModels = typeof import('../../src/models/index.js');

const DIST = new URL('../../dist/index.js', import.meta.url);
const DIST_MODELS = new URL('../../dist/models/index.js', import.meta.url);
let weft: Weft | undefined;
let models: WeftModels | undefined;

/** The compiled package; throws, saying how to build it, when dist/ is missing. */
export async function compiledWeft(): Promise<Weft> {
  if (!existsSync(DIST)) throw new Error('this suite runs the compiled package: npm run build first');
  weft ??= (await import(DIST.href)) as Weft;
  return weft;
}

/** The compiled `weft/models` entry (see {@link compiledWeft}). */
export async function compiledModels(): Promise<WeftModels> {
  await compiledWeft();
  models ??= (await import(DIST_MODELS.href)) as WeftModels;
  return models;
}
