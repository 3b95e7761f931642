/**
 * What `weft run`, `viz` and `inspect` share: a registry with the user's calculator modules
 * (`--calculators`) over weft's core calculators, and a graph file loaded as MediaPipe text or as a
 * JavaScript/TypeScript module.
 *
 * Threading: main thread of the CLI process.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CalculatorGraph } from '../api/calculator-graph.js';
import { defaultRegistry } from '../api/graph-preparation.js';
import { CalculatorRegistry, isDefinition } from '../core/calculator-registry.js';
import { GraphParseError, UsageError } from '../core/errors.js';
import type { GraphConfig } from '../core/graph-config.js';
import { parseGraphText } from '../core/graph-text.js';
import { importExplained } from '../core/module-loader.js';
import { bareMessage } from '../core/weft-error.js';

const MODULE = /\.[mc]?[jt]s$/;
// Names MediaPipe's text-format graphs go by (or none).
const TEXT = /(\.pbtxt|\.txt|\.textproto|\.prototxt|(^|\/)[^./]+)$/;

/** A file path or `file:` URL as an absolute URL; a missing file is a usage error naming it. */
export function fileUrl(path: string, what: string): string {
  const url = path.startsWith('file:') ? path : pathToFileURL(resolve(path)).href;
  if (!existsSync(new URL(url))) throw new UsageError(`${what} ${path} does not exist`);
  return url;
}

/**
 * weft's core calculators plus every calculator definition the given modules export (default and
 * named exports alike), registered under the definitions' own names.
 * @throws UsageError for a missing module or one that exports no calculator definition.
 */
export async function calculatorRegistry(modules: readonly string[]): Promise<CalculatorRegistry> {
  const registry = new CalculatorRegistry(defaultRegistry());
  for (const path of modules) {
    const url = fileUrl(path, 'calculator module');
    const mod = await importExplained(`calculator module ${path}`, url);
    const seen = new Set<unknown>();
    for (const [exportName, value] of Object.entries(mod)) {
      if (!isDefinition(value) || seen.has(value)) continue;
      seen.add(value);
      registry.register(value.name, url, exportName);
    }
    if (seen.size === 0) {
      throw new UsageError(
        `${path} exports no calculator definition (export one made with defineCalculator, as default or by name)`,
      );
    }
  }
  return registry;
}

/**
 * Loads a graph: a module (`.js`, `.mjs`, `.cjs`, `.ts`, `.mts`, `.cts`) whose default export is a
 * GraphConfig or a `graph()` builder, a GraphConfig as JSON (`.json`), or else MediaPipe text.
 */
export async function loadGraph(file: string, registry: CalculatorRegistry): Promise<CalculatorGraph> {
  const url = fileUrl(file, 'graph file');
  if (file.endsWith('.json')) return new CalculatorGraph(await jsonConfig(file, url), { registry });
  if (!MODULE.test(file)) return new CalculatorGraph(await textConfig(file, url), { registry });
  const exported = (await importExplained(`graph module ${file}`, url)).default as
    | { build?: () => GraphConfig }
    | undefined;
  if (typeof exported !== 'object' || exported === null) {
    const what = exported === undefined ? 'has no default export' : `exports ${typeof exported} by default`;
    throw new UsageError(`${file} ${what}: it must export a GraphConfig or a graph() builder`);
  }
  const config = typeof exported.build === 'function' ? exported.build() : (exported as GraphConfig);
  return new CalculatorGraph(config, { registry });
}

async function jsonConfig(file: string, url: string): Promise<GraphConfig> {
  let config: unknown;
  try {
    config = JSON.parse(await readFile(new URL(url), 'utf8'));
  } catch (err) {
    throw new UsageError(`${file} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new UsageError(`${file} must hold a GraphConfig object ({ "nodes": [...], ... })`);
  return config as GraphConfig;
}

// Any other file is MediaPipe text: its parse error names the file, and says so when the file's
// name does not look like text format (a Markdown or YAML file given by mistake).
async function textConfig(file: string, url: string): Promise<GraphConfig> {
  const text = await readFile(new URL(url), 'utf8');
  try {
    return parseGraphText(text);
  } catch (err) {
    if (!(err instanceof GraphParseError)) throw err;
    const hint = TEXT.test(file)
      ? ''
      : ' (a graph file not named .json, .js, .mjs, .cjs, .ts, .mts or .cts is read as MediaPipe text format, such as .pbtxt)';
    throw new GraphParseError(`${file}: ${bareMessage(err)}${hint}`, { phase: 'config', cause: err });
  }
}
