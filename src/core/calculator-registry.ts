/**
 * Calculator registry: calculator name → the module that defines it.
 *
 * Calculators run in worker threads and functions cannot cross threads, so the registry holds
 * module URLs, not definitions: each worker imports its calculator's module itself, from the
 * {@link CalculatorEntry} it is sent. The main thread imports the same modules with
 * {@link CalculatorRegistry.load} to read their contracts for validation (which is why calculator
 * modules must not start work at top level).
 *
 * A registry may have a parent: lookups fall back to it, and a name registered in the child shadows
 * the parent's (a graph can swap one calculator for a test double without touching the shared
 * registry).
 *
 * Threading: main thread (a registry is not shared between threads; its entries are plain data).
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CalculatorDefinition } from './calculator.js';
import { InvalidArgumentError, UnknownCalculatorError } from './errors.js';
import type { GraphConfig } from './graph-config.js';
import { parseGraphText } from './graph-text.js';
import { importExplained } from './module-loader.js';

/** Where a calculator lives: plain data, sent to the worker that runs it; any thread. */
export interface CalculatorEntry {
  /** Registry name, e.g. `PassThroughCalculator`. */
  readonly name: string;
  /** Absolute module URL (`file:` or `data:`). */
  readonly module: string;
  /** The export holding the definition; `'default'` unless registered otherwise. */
  readonly exportName: string;
}

const CALCULATOR_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/**
 * Maps calculator names to modules and loads their definitions (cached per registry).
 *
 * Threading: the thread that builds graphs with it (normally the main thread); a registry never
 * crosses threads: each worker is sent only its node's plain {@link CalculatorEntry}, and
 * {@link load} imports the module on the calling thread. Lifecycle: nothing to close. Register
 * before a graph or session prepares its graph with the registry (`validate`, the first run): it
 * reads the entries then and keeps them, so a later registration reaches only graphs prepared
 * later.
 */
export class CalculatorRegistry {
  private readonly own = new Map<string, CalculatorEntry>();
  private readonly subgraphs = new Map<string, GraphConfig>();
  private readonly loaded = new Map<string, Promise<CalculatorDefinition>>();

  /** @param parent consulted for names this registry does not hold itself. */
  constructor(private readonly parent?: CalculatorRegistry) {}

  /**
   * Registers a calculator module. `module` is a URL, a `file:`/`data:` URL string or an absolute
   * path; relative paths are refused because the main thread and the workers resolve from different
   * places.
   * @throws InvalidArgumentError for a bad name, module or export name, or a name already in this
   *   registry (a parent's name may be shadowed).
   */
  register(name: string, module: string | URL, exportName = 'default'): this {
    if (typeof name !== 'string' || !CALCULATOR_NAME.test(name)) {
      throw new InvalidArgumentError(`calculator name "${String(name)}" must match ${CALCULATOR_NAME}`);
    }
    if (this.own.has(name) || this.subgraphs.has(name)) {
      throw new InvalidArgumentError(`calculator "${name}" is already registered`);
    }
    if (typeof exportName !== 'string' || exportName === '') {
      throw new InvalidArgumentError(`export name of calculator "${name}" must be a non-empty string`);
    }
    this.own.set(name, { name, module: moduleUrl(name, module), exportName });
    return this;
  }

  /**
   * Registers a subgraph: a graph config with `type: "Name"` (text or parsed), usable as a node's
   * calculator in graphs prepared with this registry; such nodes expand into the subgraph's nodes
   * before validation, as in MediaPipe. Any thread.
   * @throws InvalidArgumentError when the config has no `type`, or the name is already registered
   *   here (as a calculator or a subgraph). GraphParseError for bad text.
   */
  registerSubgraph(config: GraphConfig | string): this {
    const c = typeof config === 'string' ? parseGraphText(config) : config;
    const name = c.subgraph?.type;
    if (name === undefined || !CALCULATOR_NAME.test(name)) {
      throw new InvalidArgumentError(
        `a subgraph needs a type (\`type: "Name"\`) matching ${CALCULATOR_NAME}, not ${String(name)}`,
      );
    }
    if (this.own.has(name) || this.subgraphs.has(name)) {
      throw new InvalidArgumentError(`"${name}" is already registered`);
    }
    this.subgraphs.set(name, c);
    return this;
  }

  /** The subgraph registered under `name`, here or in a parent. */
  subgraph(name: string): GraphConfig | undefined {
    return this.subgraphs.get(name) ?? this.parent?.subgraph(name);
  }

  /** True when this registry or a parent knows the name. */
  has(name: string): boolean {
    return this.entry(name) !== undefined;
  }

  /** The entry for a name, from this registry or a parent. */
  entry(name: string): CalculatorEntry | undefined {
    return this.own.get(name) ?? this.parent?.entry(name);
  }

  /** Every known name (this registry and its parents), sorted. */
  names(): string[] {
    return [...new Set([...this.own.keys(), ...(this.parent?.names() ?? [])])].sort();
  }

  /**
   * Imports the calculator's module (once; later calls share the result) and returns its definition.
   * @throws UnknownCalculatorError when no registry in the chain knows the name.
   * @throws InvalidArgumentError when the module fails to import or its export is not a definition
   *   named `name`. A failed load is not cached: a later call tries again.
   */
  load(name: string): Promise<CalculatorDefinition> {
    const entry = this.own.get(name);
    if (entry === undefined) {
      if (this.parent !== undefined) return this.parent.load(name);
      return Promise.reject(new UnknownCalculatorError(`unknown calculator "${name}"`, { phase: 'config' }));
    }
    let promise = this.loaded.get(name);
    if (promise === undefined) {
      promise = importDefinition(entry);
      this.loaded.set(name, promise);
      promise.catch(() => this.loaded.delete(name));
    }
    return promise;
  }

  /** Loads every known name among `names`; unknown names are skipped (validation reports them). */
  async loadAll(names: Iterable<string>): Promise<Map<string, CalculatorDefinition>> {
    const known = [...new Set(names)].filter((n) => this.has(n));
    const definitions = await Promise.all(known.map((n) => this.load(n)));
    return new Map(known.map((n, i) => [n, definitions[i]!]));
  }

  /**
   * The entries for `names` (deduplicated, in first-seen order), for shipping to workers.
   * @throws UnknownCalculatorError for a name no registry in the chain knows.
   */
  entries(names: Iterable<string>): CalculatorEntry[] {
    return [...new Set(names)].map((n) => {
      const e = this.entry(n);
      if (e === undefined) throw new UnknownCalculatorError(`unknown calculator "${n}"`, { phase: 'config' });
      return e;
    });
  }
}

function moduleUrl(name: string, module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (typeof module === 'string') {
    if (isAbsolute(module)) return pathToFileURL(module).href;
    if (/^(?:file|data):/.test(module)) return new URL(module).href;
  }
  throw new InvalidArgumentError(
    `module of calculator "${name}" must be a URL or an absolute path, not ${JSON.stringify(module)}`,
  );
}

async function importDefinition(entry: CalculatorEntry): Promise<CalculatorDefinition> {
  const mod = await importExplained(`calculator "${entry.name}"`, entry.module);
  const def = mod[entry.exportName];
  if (!isDefinition(def)) {
    throw new InvalidArgumentError(
      `calculator "${entry.name}": ${entry.module} export "${entry.exportName}" is no calculator definition`,
      { phase: 'config' },
    );
  }
  if (def.name !== entry.name) {
    throw new InvalidArgumentError(
      `calculator "${entry.name}": ${entry.module} defines "${def.name}" instead`,
      { phase: 'config' },
    );
  }
  return def;
}

/** Duck-typed: definitions come from other modules (and other copies of weft). */
export function isDefinition(value: unknown): value is CalculatorDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Partial<CalculatorDefinition>;
  return (
    typeof d.name === 'string' &&
    typeof d.contract === 'object' &&
    d.contract !== null &&
    typeof d.create === 'function'
  );
}
