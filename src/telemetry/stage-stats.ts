/**
 * Per-node stage statistics, read from the shared scheduling counters: no message to any actor, no
 * lock, so reading them never disturbs the run.
 *
 * Threading: the thread that owns the run.
 */

import {
  F_BLOCKED_MS,
  F_BUSY_MS,
  F_IDLE_MS,
  F_LOST,
  F_PACKETS_IN,
  F_PACKETS_OUT,
  F_PROCESS_CALLS,
  F_RESTARTS,
  type NodeCounters,
  NodeState,
} from '../actors/node-counters.js';
import type { ResolvedGraph } from '../core/graph-config.js';

const STATE_NAMES = Object.fromEntries(Object.entries(NodeState).map(([k, v]) => [v, k])) as Record<
  number,
  string
>;

/**
 * One node's figures since its run started. A snapshot, read from shared counters on the thread
 * that owns the run. Plain data; any thread.
 */
export interface StageStats {
  readonly node: string;
  readonly calculator: string;
  /** What the actor is doing now: Running, WaitingInput, BlockedOutput, WaitingFrame, Done, ... */
  readonly state: string;
  readonly processCalls: number;
  /** Packets taken from the node's input rings (bounds not counted). */
  readonly packetsIn: number;
  /** Packets the node emitted (counted once per packet, whatever the fan-out). */
  readonly packetsOut: number;
  /** Time in the loop doing work, blocked-on-output time included. */
  readonly busyMs: number;
  /** Time asleep waiting for input. */
  readonly idleMs: number;
  /** Time blocked on full output rings (back-pressured). */
  readonly blockedMs: number;
  /** Packets queued per input, in the node's input order. */
  readonly queueDepths: readonly number[];
  /** Queue limit per input (raised when a deadlock is resolved). */
  readonly queueLimits: readonly number[];
  /** Packets taken per input, in the node's input order. */
  readonly inputPackets: readonly number[];
  /** Failures the node's restart policy survived (`resume`, `restart`); 0 under `stop`. */
  readonly restarts: number;
  /**
   * Input packets the node's failures cost: the packets of each input set it dropped — a failing
   * call's set under `resume`, under `restart` with at-most-once delivery, or a retried set that
   * failed again — and what a `restart` node's thread that died had read and not processed (a node
   * that reads one ahead loses only the set of the dead call). A dropped set whose call had sent a
   * packet before it failed is not lost: that output is delivered (the rest of what the call would
   * have sent is not). So for a node that emits one packet per input set at its timestamp (one-in,
   * one-out), on a run that ended: `packets it delivered + lost = input sets it was sent`. 0 under
   * `stop`. See also the record of each restart (`RestartRecord.lost`).
   */
  readonly lost: number;
}

/** Reads every node's statistics. Allocates the snapshot. */
export function readStageStats(
  graph: ResolvedGraph,
  counters: NodeCounters,
  inputBase: readonly number[],
): StageStats[] {
  return graph.nodes.map((n) => {
    const f = (field: number) => counters.f64[counters.field(n.id, field)]!;
    const inputs = n.inputs.map((_, i) => inputBase[n.id]! + i);
    return {
      node: n.name,
      calculator: n.calculator,
      state: STATE_NAMES[counters.state(n.id)] ?? 'Unknown',
      processCalls: f(F_PROCESS_CALLS),
      packetsIn: f(F_PACKETS_IN),
      packetsOut: f(F_PACKETS_OUT),
      busyMs: f(F_BUSY_MS),
      idleMs: f(F_IDLE_MS),
      blockedMs: f(F_BLOCKED_MS),
      queueDepths: inputs.map((g) => counters.queueDepth(g)),
      queueLimits: inputs.map((g) => counters.queueLimit(g)),
      inputPackets: inputs.map((g) => counters.inputPackets[g]!),
      restarts: f(F_RESTARTS),
      lost: f(F_LOST),
    };
  });
}
