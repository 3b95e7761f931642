/**
 * onnxruntime-node as weft uses it: the few parts of its API that inference calls, declared here,
 * and one lazy loader.
 *
 * onnxruntime-node is an optional peer dependency (~290 MB of native libraries that users who never
 * run inference should not download), so nothing in weft imports it at load time and no weft type
 * refers to its typings: a consumer without it type-checks weft with `skipLibCheck: false`, imports
 * everything, and gets a {@link MissingDependencyError} naming the package only when a model is
 * opened. The interfaces are structural subsets of onnxruntime-common's, checked against the real
 * package where weft's own tests compile.
 *
 * Threading: any thread; each thread that loads the module gets its own instance (one per isolate).
 */
import { createRequire } from 'node:module';
import { MissingDependencyError } from '../core/errors.js';

/** A tensor as inference reads and makes it. */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** What a session says of one of its inputs. */
export type OrtValueMetadata =
  | { readonly isTensor: true; readonly type: string; readonly shape: readonly (number | string)[] }
  | { readonly isTensor: false };

/** An inference session (the CPU execution provider). */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly OrtValueMetadata[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

/** The session options weft sets. */
export interface OrtSessionOptions {
  executionProviders: string[];
  intraOpNumThreads: number;
  interOpNumThreads: number;
  graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
}

/** The onnxruntime-node module, as far as weft uses it. */
export interface OrtModule {
  readonly InferenceSession: { create(path: string, options: OrtSessionOptions): Promise<OrtSession> };
  readonly Tensor: new (
    type: 'float32' | 'uint8',
    data: Float32Array | Uint8Array,
    dims: readonly number[],
  ) => OrtTensor;
}

/**
 * Loads onnxruntime-node in this thread (Node caches it after the first call).
 * @throws MissingDependencyError when the package is not installed.
 */
export async function loadOrt(): Promise<OrtModule> {
  let mod: OrtModule & { default?: OrtModule };
  try {
    // `require`, not `import`: the package is CommonJS, and an ESM import of it runs Node's CommonJS
    // export lexer over its sources in every thread that loads it, a burst that V8 then compiles
    // with its optimizing compiler: measured as a large share of what a restarted actor's fresh
    // thread costs the host. A future ECMAScript-module build is imported instead.
    mod = requireHere(ORT) as OrtModule & { default?: OrtModule };
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    if (code === 'ERR_REQUIRE_ESM') return loadOrtModule();
    // Only the package itself missing: a module it requires in turn failing is its own error.
    if (code !== 'MODULE_NOT_FOUND' || !String((cause as Error).message).includes(`'${ORT}'`)) throw cause;
    throw missingOrt(cause);
  }
  return mod.default ?? mod;
}

async function loadOrtModule(): Promise<OrtModule> {
  let mod: OrtModule & { default?: OrtModule };
  try {
    mod = (await import(ORT)) as OrtModule & { default?: OrtModule };
  } catch (cause) {
    if ((cause as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw cause;
    throw missingOrt(cause);
  }
  return mod.default ?? mod;
}

function missingOrt(cause: unknown): MissingDependencyError {
  return new MissingDependencyError(
    'inference needs onnxruntime-node, an optional peer dependency of weft: npm install onnxruntime-node',
    { cause },
  );
}

const requireHere = createRequire(import.meta.url);

// A variable, not a literal: TypeScript would otherwise look for the package's typings, which a
// consumer without onnxruntime-node does not have.
const ORT: string = 'onnxruntime-node';
