/**
 * Subgraph options, as MediaPipe's subgraph expansion applies them: a subgraph declares its options
 * and their defaults in `graph_options`; the node that uses the subgraph sets them in its own
 * `options`; an inner node's `option_value: "node_field:graph_field"` copies the resulting value of
 * `graph_field` into its own option `node_field`, and the entry is then gone.
 *
 * Paths: fields separated by `/`, snake_case as written in the text format (weft's option keys are
 * camelCase); a leading `options` / `node_options` segment and bracketed extension types
 * (`[mediapipe.FooOptions.ext]`) select the options message and are skipped, since weft keeps one
 * options object per node. A path naming no field (`options`, `OPTIONS`) means the whole message: it
 * is merged into the node's options. A graph field that is not set leaves the node's option as it is.
 *
 * Threading: pure functions, any thread.
 */
import { InvalidArgumentError } from './errors.js';
import type { NodeConfig } from './graph-config.js';
import { snakeToCamel } from './graph-text-options.js';

/**
 * Returns `nodes` with their `option_value` entries applied from `graphOptions` and cleared (the
 * same node objects where there is nothing to apply).
 * @throws InvalidArgumentError for an entry that is not `node_field:graph_field`, naming the node.
 */
export function applyOptionValues(
  nodes: readonly NodeConfig[],
  graphOptions: Readonly<Record<string, unknown>>,
): NodeConfig[] {
  return nodes.map((node) => {
    if (node.optionValues === undefined || node.optionValues.length === 0) return node;
    let options: Record<string, unknown> = { ...node.options };
    for (const entry of node.optionValues) {
      const colon = entry.indexOf(':');
      if (colon <= 0 || colon === entry.length - 1) {
        throw new InvalidArgumentError(`option_value "${entry}" is not node_field:graph_field`, {
          ...(node.name === undefined ? {} : { node: node.name }),
          phase: 'config',
        });
      }
      const value = lookup(graphOptions, fieldPath(entry.slice(colon + 1)));
      if (value === undefined) continue;
      const target = fieldPath(entry.slice(0, colon));
      options =
        target.length === 0 && isRecord(value) ? { ...options, ...value } : assign(options, target, value);
    }
    const { optionValues: _applied, ...rest } = node;
    return { ...rest, options };
  });
}

/** `options/[mediapipe.X.ext]/min_size` → `['minSize']`. */
function fieldPath(path: string): string[] {
  const segments = path.split('/').filter((s) => s !== '' && !/^\[.*\]$/.test(s));
  if (segments.length > 0 && /^(options|node_options|OPTIONS)$/.test(segments[0]!)) segments.shift();
  return segments.map(snakeToCamel);
}

function lookup(obj: unknown, path: readonly string[]): unknown {
  let at = obj;
  for (const key of path) {
    if (!isRecord(at)) return undefined;
    at = at[key];
  }
  return at;
}

// A copy of `obj` with `value` at `path`, copying the objects along the way (configs are shared).
function assign(
  obj: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): Record<string, unknown> {
  const [key, ...rest] = path;
  if (key === undefined) return obj;
  const inner = isRecord(obj[key]) ? (obj[key] as Record<string, unknown>) : {};
  return { ...obj, [key]: rest.length === 0 ? value : assign(inner, rest, value) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
