/**
 * How an actor's node meets a fault, by its restart policy: under `restart` a failed process call
 * asks for a fresh instance on a fresh thread (actor-restart.ts); under `resume` the failing call's
 * set is dropped, its packets counted lost unless the call had sent output; under either, the policy
 * runner decides and each recovery is counted and reported to the supervisor. Under `stop` the
 * engine gets no fault hook: a fault fails the node.
 *
 * Threading: the node's thread. Lifecycle: set up once, as the actor is made and before `open`; the
 * engine calls the hook from then on, for as long as the actor lives.
 */
import type { NodeEngine } from '../core/node-engine.js';
import type { FramePool } from '../transport/frame-pool.js';
import type { ActorInputs } from './actor-inputs.js';
import type { ActorArgs } from './actor-protocol.js';
import { ActorRestart } from './actor-restart.js';
import { RECOVERED } from './control-channel.js';
import { F_LOST, F_RESTARTS, type NodeCounters } from './node-counters.js';
import { RestartPolicyRunner } from './restart-policy.js';
import type { RingSink } from './ring-sink.js';
import { SentMark } from './sent-mark.js';

/** What an actor's fault handling hooks into; all of it the actor's. */
export interface FaultParts {
  readonly args: ActorArgs;
  readonly counters: NodeCounters;
  readonly engine: NodeEngine;
  readonly pool: FramePool;
  readonly sink: RingSink;
  readonly inputs: ActorInputs;
}

/** The node's restart policy at work, and the node's part in `restart` (null under the others). */
export interface ActorFaults {
  readonly restarts: RestartPolicyRunner;
  readonly role: ActorRestart | null;
}

/**
 * Sets up the fault handling of the actor made of `p` (see the module comment): the engine's fault
 * hook, the inputs' read-ahead under `restart`, the sink's packet mark under `resume`. Call once,
 * from the actor's constructor, before the engine makes any call.
 */
export function actorFaults(p: FaultParts): ActorFaults {
  const { args, counters, engine, sink } = p;
  const n = args.node.id;
  const restarts = new RestartPolicyRunner(args.node.restart, args.node.name, (r) => {
    counters.f64[counters.field(n, F_RESTARTS)]! += 1;
    args.control.postMessage({ [RECOVERED]: r });
  });
  const role =
    args.restart === undefined
      ? null
      : new ActorRestart(args.restart, args.node.restart, engine, p.pool, sink);
  if (role?.readsOneAhead === true) {
    p.inputs.readAhead = 1;
    p.inputs.pending = role.pending;
  }
  if (role !== null) {
    // A failed process call asks for a fresh instance; a failed close ends the node (as `resume`).
    engine.setFaultHook((phase, err) =>
      phase === 'process' ? role.failed(err) : restarts.decide(phase, err),
    );
  } else if (restarts.active) {
    // `resume` drops a failing call's set: its packets are lost, unless the call had sent output.
    const sent = new SentMark(engine, new Float64Array([Number.NaN, 0]));
    sink.onPacket = sent.onPacket;
    engine.setFaultHook((phase, err) => {
      const lost = phase === 'process' ? sent.droppedByCall() : 0;
      counters.f64[counters.field(n, F_LOST)]! += lost;
      return restarts.decide(phase, err, 'resume', lost);
    });
  }
  return { restarts, role };
}
