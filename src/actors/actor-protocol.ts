/**
 * What the supervisor hands an actor's thread and what the thread hands back: types only, no logic,
 * so that the supervisor never loads the actor's code (the thread imports actor-host.ts itself).
 *
 * Threading: plain data, structured-cloned into the thread (the control port is transferred).
 */
import type { MessagePort } from 'node:worker_threads';
import type { ResolvedNode } from '../core/graph-config.js';
import type { DoorbellDescriptor } from '../transport/doorbell.js';
import type { FramePoolDescriptor } from '../transport/frame-pool.js';
import type { RingDescriptor } from '../transport/ring-queue.js';
import type { CountersDescriptor } from './node-counters.js';

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
}

/** What the actor task returns when the node is done. */
export interface ActorResult {
  /** Output side packets by position in `node.outputSidePackets`. */
  outputSidePackets: Record<number, unknown>;
  /** True when the loop left because the supervisor asked it to stop. */
  stopped: boolean;
}
