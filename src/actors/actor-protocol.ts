/**
 * What the supervisor hands an actor's thread and what the thread hands back: types only, no logic,
 * so that the supervisor never loads the actor's code (the thread imports actor-host.ts itself).
 *
 * Threading: plain data, structured-cloned into the thread (the control port is transferred).
 */
import type { MessagePort } from 'node:worker_threads';
import type { SerializedError } from '../core/error-serialization.js';
import type { ResolvedNode } from '../core/graph-config.js';
import type { RestartCarry } from '../core/restart-handover.js';
import type { DoorbellDescriptor } from '../transport/doorbell.js';
import type { FramePoolDescriptor } from '../transport/frame-pool.js';
import type { RingDescriptor } from '../transport/ring-queue.js';
import type { CountersDescriptor } from './node-counters.js';
import type { RestartStateDescriptor } from './restart-state.js';

/** Everything an actor needs, structured-cloneable (the control port is transferred). */
export interface ActorArgs {
  node: ResolvedNode;
  /** File URL of the calculator module and the export holding its definition. */
  calculator: { module: string; exportName: string };
  /** One ring per node input, in `node.inputs` order; all created with `doorbell`. */
  inputs: RingDescriptor[];
  /** Global index of this node's first input in the counters. */
  inputBase: number;
  /** Per node output, one ring per consumer (nodes and graph outputs). */
  outputs: RingDescriptor[][];
  doorbell: DoorbellDescriptor;
  pool: FramePoolDescriptor;
  counters: CountersDescriptor;
  control: MessagePort;
  /** A node under the `restart` policy: its shared state, and what its predecessor handed over. */
  restart?: RestartArgs;
}

/**
 * What a thread of a node under the `restart` policy gets besides the usual (see restart-state.ts).
 * The predecessor's hand-over comes with the `open` call: the thread may be started ahead, as a
 * standby, before anyone knows it.
 */
export interface RestartArgs {
  readonly state: RestartStateDescriptor;
}

/** A node under the `restart` policy asks to be replaced: its call failed with `error`. */
export interface RestartRequest {
  readonly phase: 'open' | 'process';
  readonly error: SerializedError;
  /** What the fresh instance takes over (see restart-handover.ts). */
  readonly carry: RestartCarry | null;
}

/** What the actor task returns when the node is done. */
export interface ActorResult {
  /** Output side packets by position in `node.outputSidePackets`. */
  outputSidePackets: Record<number, unknown>;
  /** True when the loop left because the supervisor asked it to stop. */
  stopped: boolean;
  /** Set when the node's calculator failed and it asks for a fresh instance on a fresh thread. */
  restart?: RestartRequest;
}
