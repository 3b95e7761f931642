/**
 * MediaPipe text-format fields weft reads but does not use, and why: the warning a run gives when
 * a graph has any, so that no field is dropped silently (the README's differences table lists them).
 *
 * Threading: pure functions, any thread.
 */
import type { GraphConfig } from './graph-config.js';

// Field → why weft does without it.
const REASONS: Readonly<Record<string, string>> = {
  num_threads: "a graph's threads follow its nodes, executors and chaining in weft, not a thread count",
  max_in_flight: "a node's process calls never overlap in weft; use parallelism for replicas",
  profiler_config: 'use the profileIntervalMs option and the run snapshot',
  profile_config: 'use the profileIntervalMs option and the run snapshot',
  package: 'subgraph names are not namespaced',
  options: 'graph-level options are not supported yet',
  status_handler: 'status handlers are not supported',
  output_stream_handler: 'output stream handlers are not supported',
  source_layer: 'every source starts at once',
  buffer_size_hint: 'queues are sized by max_queue_size',
  external_input: 'not supported',
  packet_generator: 'packet generators are not supported: give the side packets they would make at start',
  packet_factory: 'packet factories are not supported: give the side packets they would make at start',
  graph_trace: 'use the profileIntervalMs option and the run snapshot',
};

/**
 * The warning for `config`'s unused fields (one line each, with the reason), or undefined. Of its
 * executors it lists a default executor declaration (`name: ""`), `num_threads` above 1 and the
 * options kept in `unused`; the rest of an executor is used.
 */
export function unusedFieldsWarning(config: GraphConfig): string | undefined {
  const lines: string[] = [];
  const describe = (where: string, text: string): void => {
    const field = /^\[?([A-Za-z_.]+)/.exec(text)?.[1] ?? text;
    lines.push(
      `  ${where}${text.length > 60 ? `${text.slice(0, 57)}...` : text}: ${REASONS[field] ?? 'not used'}`,
    );
  };
  for (const text of config.unused ?? []) describe('', text);
  // Executors are used (their nodes share one thread); what of them has no effect is listed.
  for (const e of config.executors ?? []) {
    if (e.name === '') {
      lines.push(
        '  executor { name: "" }: weft runs every node that names no executor on a thread of its own',
      );
      continue;
    }
    if (e.numThreads !== undefined && e.numThreads > 1) {
      lines.push(
        `  executor "${e.name}": num_threads: ${e.numThreads}: the nodes of an executor share one thread in weft`,
      );
    }
    for (const text of e.unused ?? []) describe(`executor "${e.name}": `, text);
  }
  config.nodes.forEach((n, i) => {
    for (const text of n.unused ?? []) describe(`node "${n.name ?? `${n.calculator} #${i}`}": `, text);
  });
  if (lines.length === 0) return undefined;
  return `weft does not use these MediaPipe fields of the graph, which have no effect:\n${lines.join('\n')}`;
}
