/**
 * The shape of a {@link GraphConfig} written by hand: a JavaScript object or a JSON file gets no
 * type check, and a field missing or of the wrong type would otherwise surface as a bare
 * TypeError from deep inside validation ("config.nodes.flatMap is not a function"). Checks only
 * what validation reads without checking (types of the fields, not their values: validation does
 * that, with the calculators' contracts at hand).
 *
 * Threading: pure; any thread.
 */
import { InvalidArgumentError, type WeftError } from './errors.js';
import type { GraphConfig } from './graph-config.js';
import { graphInvalid } from './graph-problems.js';

const GRAPH_LISTS = ['inputStreams', 'outputStreams', 'inputSidePackets', 'outputSidePackets'] as const;
const NODE_PORTS = ['inputStreams', 'outputStreams', 'inputSidePackets', 'outputSidePackets'] as const;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isPortRef = (v: unknown): boolean =>
  isObject(v) && typeof v.tag === 'string' && Number.isInteger(v.index) && typeof v.name === 'string';

const HINT = 'build configs with graph() or parseGraphText, or see GraphConfig in the README';

/**
 * Every field of `config` whose type is not what a GraphConfig has, one InvalidArgumentError each
 * (phase `config`, naming the node). Empty for a well-formed config.
 */
export function graphConfigProblems(config: unknown): WeftError[] {
  const problems: WeftError[] = [];
  const bad = (what: string, node?: string) =>
    problems.push(new InvalidArgumentError(`${what} (${HINT})`, { node, phase: 'config' }));
  if (!isObject(config)) {
    bad(`a graph config must be an object, not ${describe(config)}`);
    return problems;
  }
  for (const field of GRAPH_LISTS) {
    const v = config[field];
    if (!Array.isArray(v)) bad(`graph field ${field} must be an array of names, not ${describe(v)}`);
    else if (!v.every((s) => typeof s === 'string'))
      bad(`graph field ${field} holds a value that is not a name`);
  }
  if (typeof config.maxQueueSize !== 'number')
    bad(`graph field maxQueueSize must be a number, not ${describe(config.maxQueueSize)}`);
  // Absent reads as false, MediaPipe's default (configs written by hand often leave it out).
  if (config.reportDeadlock !== undefined && typeof config.reportDeadlock !== 'boolean')
    bad(`graph field reportDeadlock must be a boolean, not ${describe(config.reportDeadlock)}`);
  if (!Array.isArray(config.nodes)) {
    bad(`graph field nodes must be an array of node configs, not ${describe(config.nodes)}`);
    return problems;
  }
  for (const [i, n] of (config.nodes as unknown[]).entries()) {
    if (!isObject(n)) {
      bad(`node ${i} must be an object, not ${describe(n)}`);
      continue;
    }
    const name =
      typeof n.name === 'string'
        ? n.name
        : typeof n.calculator === 'string'
          ? `${i} (${n.calculator})`
          : String(i);
    if (typeof n.calculator !== 'string' || n.calculator === '')
      bad(`node ${name}: calculator must be a calculator's name, not ${describe(n.calculator)}`, name);
    if (n.name !== undefined && typeof n.name !== 'string')
      bad(`node ${i}: name must be a string, not ${describe(n.name)}`);
    for (const field of NODE_PORTS) {
      const v = n[field];
      if (!Array.isArray(v))
        bad(`node ${name}: ${field} must be an array of ports, not ${describe(v)}`, name);
      else if (!v.every(isPortRef))
        bad(`node ${name}: ${field} holds a port that is not { tag, index, name }`, name);
    }
    if (!Array.isArray(n.inputStreamInfo))
      bad(`node ${name}: inputStreamInfo must be an array, not ${describe(n.inputStreamInfo)}`, name);
    if (!isObject(n.options))
      bad(`node ${name}: options must be an object, not ${describe(n.options)}`, name);
  }
  return problems;
}

/**
 * Throws GraphInvalidError listing {@link graphConfigProblems} when there are any. Pure; any
 * thread; called where a config enters the runtime (CalculatorGraph's constructor, validateGraph).
 */
export function checkGraphConfigShape(config: unknown): asserts config is GraphConfig {
  const problems = graphConfigProblems(config);
  if (problems.length > 0) throw graphInvalid(problems);
}

// What a value is, for a message: short, and never the whole of a large value.
function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'function') return 'a function';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}
