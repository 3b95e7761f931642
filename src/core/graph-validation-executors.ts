/**
 * Checks of MediaPipe's executors: the graph-level `executor` declarations and the nodes' `executor`
 * names, by the rules of MediaPipe's `ValidatedGraphConfig::ValidateExecutors`:
 *
 * - `default`, `gpu` and names starting `__` are reserved, declared or named by a node
 *   (BadNameError);
 * - a name is declared once; `''` (MediaPipe's default executor) too (BadOptionsError);
 * - a node's executor is declared (BadOptionsError); `''` is the default executor, always there;
 * - a named executor's `numThreads`, when given, is a positive integer (MediaPipe's
 *   ThreadPoolExecutor refuses others); the default executor's is any integer (≤ 0: one per core).
 *
 * - a node whose restart policy is `restart` names no executor (a restart ends its thread).
 *
 * A declared executor no node names is fine. MediaPipe also requires a `type` for a named executor
 * it does not get from the application; weft does not (every executor is one actor thread).
 *
 * Threading: pure functions, any thread.
 */
import { BadNameError, BadOptionsError, type WeftError } from './errors.js';
import type { GraphConfig } from './graph-config.js';

/** MediaPipe's `IsReservedExecutorName`: `default`, `gpu`, and names starting `__`. */
export function isReservedExecutorName(name: string): boolean {
  return name === 'default' || name === 'gpu' || name.startsWith('__');
}

/**
 * Appends a typed error to `problems` for each executor problem of `config` (see the file header).
 * `names` are the nodes' resolved names, in node order.
 */
export function checkExecutors(config: GraphConfig, names: readonly string[], problems: WeftError[]): void {
  const at = (node?: string) => ({ node, phase: 'config' as const });
  const reserved = (name: string) =>
    `executor name "${name}" is reserved ("default", "gpu" and names starting "__")`;
  const declared = new Set<string>();
  for (const e of config.executors ?? []) {
    const label = e.name === '' ? 'the default executor ("")' : `executor "${e.name}"`;
    if (isReservedExecutorName(e.name)) problems.push(new BadNameError(reserved(e.name), at()));
    if (declared.has(e.name)) {
      problems.push(new BadOptionsError(`${label} is declared more than once`, at()));
    }
    declared.add(e.name);
    const n = e.numThreads;
    if (n !== undefined && (!Number.isInteger(n) || (e.name !== '' && n < 1))) {
      const want = e.name === '' ? 'an integer' : 'a positive integer';
      problems.push(new BadOptionsError(`${label}: numThreads ${n} must be ${want}`, at()));
    }
  }
  config.nodes.forEach((node, id) => {
    const name = node.executor;
    if (name === undefined || name === '') return;
    if (isReservedExecutorName(name)) {
      problems.push(new BadNameError(`node names executor "${name}": ${reserved(name)}`, at(names[id])));
    } else if (!declared.has(name)) {
      problems.push(
        new BadOptionsError(
          `node names executor "${name}", which the graph does not declare (add executor { name: "${name}" })`,
          at(names[id]),
        ),
      );
    }
    // A restart replaces the node's thread: one it shares with others cannot be replaced alone.
    if ((node.restart ?? config.restart)?.policy === 'restart') {
      problems.push(
        new BadOptionsError(
          `node names executor "${name}", but its restart policy "restart" needs a thread of its own ` +
            '(a restart ends the thread; drop the executor, or use "resume")',
          at(names[id]),
        ),
      );
    }
  });
}
