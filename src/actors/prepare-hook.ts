/**
 * A calculator definition's `prepare` hook, run on each thread that will run the calculator right
 * after its module is imported (actor-task.ts for a node's own thread, executor-host.ts for each node
 * of a shared one), before any instance exists.
 *
 * Threading: the node's thread.
 */
import type { CalculatorDefinition } from '../core/calculator.js';
import type { ActorArgs } from './actor-protocol.js';
import { F_CALL_STARTED_AT, NodeCounters, NodeState } from './node-counters.js';

// Definitions prepared on this thread: nodes of one calculator sharing a thread prepare it once.
const prepared = new WeakSet<CalculatorDefinition>();

/**
 * Runs a definition's `prepare` hook on the thread that will run node `args`, right after its
 * module was imported; once per definition and thread. Its failure is the hook's own business: `open` reports what it needed and did
 * not get. A hook that never returns is a stuck open: the node shows as opening with its call clock
 * running, so the watchdog names it — except on the thread of a node under the `restart` policy,
 * which may be a standby whose node's counters belong to a predecessor still at work (there the
 * open call's own timeout ends the wait).
 * Threading: the node's thread, before any instance exists.
 */
export function prepareCalculator(definition: CalculatorDefinition | undefined, args: ActorArgs): void {
  if (typeof definition?.prepare !== 'function' || prepared.has(definition)) return;
  prepared.add(definition);
  const c = args.restart === undefined ? new NodeCounters(args.counters) : null;
  const n = args.node.id;
  const clock = c?.field(n, F_CALL_STARTED_AT) ?? 0;
  if (c !== null) {
    c.setState(n, NodeState.Opening);
    c.f64[clock] = Date.now();
  }
  try {
    const r = definition.prepare();
    if (r instanceof Promise) r.catch(() => {});
  } catch {
    // See above: open reports it.
  } finally {
    if (c !== null) {
      c.f64[clock] = 0;
      c.setState(n, NodeState.Created);
    }
  }
}
