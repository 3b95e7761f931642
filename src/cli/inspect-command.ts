/**
 * `weft inspect [calculator]`: what `gst-inspect-1.0` is to GStreamer elements. Without a name, one
 * line per calculator (its ports and what it does); with one, its whole contract: streams and side
 * packets by tag with their cardinality, options with their defaults, the input stream handler,
 * timestamp offset and replication, and the module it loads from. `--json` prints the same as data.
 *
 * Threading: main thread of the CLI process.
 */
import type { CalculatorDefinition, Cardinality, PortDecls } from '../core/calculator.js';
import type { CalculatorRegistry } from '../core/calculator-registry.js';
import { UsageError } from '../core/errors.js';
import { calculatorRegistry } from './graph-file.js';

/** One calculator, as `inspect` reports it. */
export interface CalculatorInfo {
  readonly name: string;
  readonly description: string;
  readonly module: string;
  readonly inputs: Record<string, string>;
  readonly outputs: Record<string, string>;
  readonly inputSidePackets: Record<string, string>;
  readonly outputSidePackets: Record<string, string>;
  readonly options: Record<string, unknown>;
  readonly inputStreamHandler: string;
  /** `0`, another offset, or `none` (the calculator sets its bounds itself). */
  readonly timestampOffset: string;
  /** Replicas by default when stateless, or `not replicable`. */
  readonly parallelism: string;
  /** The initial heap its thread starts with, MiB (`initialHeapMb`), or `V8's default`. */
  readonly initialHeap: string;
}

/** Prints the list, or one calculator. */
export async function inspectCommand(
  name: string | undefined,
  o: { readonly calculators: readonly string[]; readonly json?: boolean },
): Promise<void> {
  const registry = await calculatorRegistry(o.calculators);
  if (name === undefined) {
    const all = await Promise.all(registry.names().map((n) => describe(registry, n)));
    process.stdout.write(o.json === true ? `${JSON.stringify(all, null, 2)}\n` : formatList(all));
    return;
  }
  if (!registry.has(name)) {
    const near = registry
      .names()
      .filter((n) => n.toLowerCase().includes(name.toLowerCase().replace(/calculator$/, '')));
    throw new UsageError(
      `no calculator "${name}"${near.length > 0 ? ` (did you mean ${near.join(', ')}?)` : ''}; ` +
        '`weft inspect` lists them all, --calculators adds your own modules',
    );
  }
  const info = await describe(registry, name);
  process.stdout.write(o.json === true ? `${JSON.stringify(info, null, 2)}\n` : formatOne(info));
}

/** A calculator's contract as plain data. */
export async function describe(registry: CalculatorRegistry, name: string): Promise<CalculatorInfo> {
  const def: CalculatorDefinition = await registry.load(name);
  const c = def.contract;
  const offset = c.timestampOffset === undefined ? 0 : c.timestampOffset;
  return {
    name,
    description: def.description ?? '',
    module: registry.entry(name)!.module,
    inputs: ports(c.inputs),
    outputs: ports(c.outputs),
    inputSidePackets: ports(c.inputSidePackets),
    outputSidePackets: ports(c.outputSidePackets),
    options: { ...(c.options ?? {}) },
    inputStreamHandler: c.inputStreamHandler?.name ?? 'DefaultInputStreamHandler',
    timestampOffset: offset === null ? 'none' : String(offset),
    parallelism: c.parallelism === undefined ? 'not replicable' : `stateless, ${c.parallelism} by default`,
    initialHeap: c.initialHeapMb === undefined ? "V8's default" : `${c.initialHeapMb} MiB`,
  };
}

function ports(decls: PortDecls | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(decls ?? {}).map(([tag, card]) => [tag, cardinality(card)]));
}

function cardinality(c: Cardinality): string {
  if (typeof c === 'string') return c;
  return c.max === Number.POSITIVE_INFINITY ? `at least ${c.min}` : `${c.min} to ${c.max}`;
}

function portList(p: Record<string, string>): string {
  const tags = Object.keys(p);
  return tags.length === 0 ? '-' : tags.map(tagLabel).join(' ');
}

function formatList(all: readonly CalculatorInfo[]): string {
  const w = Math.max(...all.map((i) => i.name.length));
  const lines = all.map(
    (i) =>
      `${i.name.padEnd(w)}  ${portList(i.inputs)} -> ${portList(i.outputs)}\n${''.padEnd(w)}  ${i.description}`,
  );
  return `${lines.join('\n')}\n\n${all.length} calculators; weft inspect <name> shows one in full\n`;
}

function formatOne(i: CalculatorInfo): string {
  const section = (title: string, p: Record<string, string>) => {
    const rows = Object.entries(p);
    if (rows.length === 0) return `${title}: none\n`;
    const w = Math.max(...rows.map(([t]) => (t === '' ? 10 : t.length)));
    return `${title}:\n${rows.map(([t, c]) => `  ${tagLabel(t).padEnd(w)}  ${c}\n`).join('')}`;
  };
  const options = Object.entries(i.options);
  const ow = Math.max(0, ...options.map(([k]) => k.length));
  return (
    `${i.name}\n  ${i.description}\n\n` +
    `module: ${i.module}\n` +
    section('input streams', i.inputs) +
    section('output streams', i.outputs) +
    section('input side packets', i.inputSidePackets) +
    section('output side packets', i.outputSidePackets) +
    (options.length === 0
      ? 'options: none\n'
      : `options (default):\n${options.map(([k, v]) => `  ${k.padEnd(ow)}  ${JSON.stringify(v) ?? String(v)}\n`).join('')}`) +
    `input stream handler: ${i.inputStreamHandler}\n` +
    `timestamp offset: ${i.timestampOffset}\n` +
    `replicas: ${i.parallelism}\n` +
    `thread's initial heap: ${i.initialHeap}\n`
  );
}

/** A contract tag as people read it: `''` untagged, `'*'` any tag. */
function tagLabel(tag: string): string {
  return tag === '' ? '(untagged)' : tag === '*' ? '(any tag)' : tag;
}
