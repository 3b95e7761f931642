/**
 * Turning what went wrong in a run into the error its user reads: the node, the stage and the
 * reason, where the raw failure names none of them (a thread that died, a side packet that cannot
 * be copied or cannot exist yet, a fault while stopping).
 *
 * Threading: pure functions, any thread (the supervisor's, and an actor's for isStopEffect).
 */
import {
  bareMessage,
  CancelledError,
  CodecError,
  causeText,
  ObserverError,
  OutOfMemoryError,
  type RestartRecord,
  RingClosedError,
  SidePacketMissingError,
  WeftError,
  WorkerExitError,
} from '../core/errors.js';
import type { ResolvedGraph } from '../core/graph-config.js';
import type { NodeCounters } from './node-counters.js';

/**
 * A node's thread failed without saying where (it exited, crashed, ran out of heap): the error gets
 * the node and the lifecycle stage the actor last recorded, keeping the original as cause.
 */
export function attributeExit(
  graph: ResolvedGraph,
  counters: NodeCounters,
  id: number,
  err: unknown,
): unknown {
  const exited = err instanceof WorkerExitError || err instanceof OutOfMemoryError;
  if (!exited || err.node !== undefined) return err;
  const node = graph.nodes[id]!;
  const cls = err instanceof OutOfMemoryError ? OutOfMemoryError : WorkerExitError;
  // The thread's own error says only that it exited (its phase is the run's): its words, not its
  // context, go into the node's error, and its cause (the crash, if one was reported) is kept.
  return new cls(`${node.calculator}: ${bareMessage(err)}`, {
    node: node.name,
    phase: counters.stage(id) ?? 'open',
    cause: err.cause,
  });
}

/**
 * No node of `pending` can open: each waits for a side packet that a node sets only later (in
 * process or close), or that another waiting node sets. Named, since nothing else would say why.
 */
export function unopenable(
  graph: ResolvedGraph,
  pending: ReadonlySet<number>,
  have: ReadonlyMap<string, unknown>,
  producedBy: ReadonlyMap<string, number>,
): Error {
  const node = graph.nodes[[...pending][0]!]!;
  const p = node.inputSidePackets.find((x) => !have.has(x.name))!;
  const maker = graph.nodes[producedBy.get(p.name)!]!;
  return new SidePacketMissingError(
    `node "${node.name}" cannot open: it reads side packet "${p.name}", which node "${maker.name}" has not ` +
      'set in its open (weft opens every node before any runs, so a side packet set in process or ' +
      'close cannot feed another node)',
    { node: node.name, stream: p.name, phase: 'open' },
  );
}

/**
 * A side packet that cannot be structured-cloned to the node's thread (a function, a class with
 * private state...) fails the open call's postMessage with a DataCloneError: name the side packet.
 * Any other error is returned as it is.
 */
export function uncloneable(
  graph: ResolvedGraph,
  id: number,
  have: ReadonlyMap<string, unknown>,
  err: unknown,
): unknown {
  if (!(err instanceof Error) || err.name !== 'DataCloneError') return err;
  const node = graph.nodes[id]!;
  const bad = node.inputSidePackets.find((p) => {
    try {
      structuredClone(have.get(p.name));
      return false;
    } catch {
      return true;
    }
  });
  return new CodecError(
    `side packet "${bad?.name ?? '?'}" of node "${node.name}" cannot be copied to its thread: ${causeText(err)}`,
    { node: node.name, stream: bad?.name, phase: 'open', cause: err },
  );
}

/**
 * The failure a run ends with: a stop that met a real fault while stopping (a calculator whose close
 * threw) carries it as cause, so it is reported rather than lost; anything else as it is.
 */
export function stopOutcome(failure: unknown, late: unknown): unknown {
  if (!(failure instanceof CancelledError) || late === undefined || failure.cause !== undefined)
    return failure;
  const where = late instanceof WeftError && late.node !== undefined ? `node "${late.node}"` : 'a node';
  return new CancelledError(`the run was stopped, and ${where} failed while stopping: ${causeText(late)}`, {
    phase: 'shutdown',
    cause: late,
  });
}

/** True when `err` (or an error it was caused by) is what a stop does to a running node. */
export function isStopEffect(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof RingClosedError || e instanceof CancelledError) return true;
  }
  return false;
}

/**
 * Hands each record of a node's restart policy to the application's `onNodeRestart`; a callback
 * that throws fails the run (through `fail`) with ObserverError naming the node.
 */
export function restartReporter(
  callback: (record: RestartRecord) => void,
  fail: (err: Error) => void,
): (record: RestartRecord) => void {
  return (record) => {
    try {
      callback(record);
    } catch (cause) {
      const why = causeText(cause);
      fail(
        new ObserverError(`the application's onNodeRestart callback threw: ${why}`, {
          node: record.node,
          phase: 'run',
          cause,
        }),
      );
    }
  };
}
