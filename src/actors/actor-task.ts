/**
 * The worker task of a node with a thread of its own: loads its calculator, answers the
 * supervisor's control calls (open, start) and runs the actor's loop until the node is done.
 *
 * Threading: the node's worker thread, from worker-entry.ts.
 */
import type { CalculatorDefinition } from '../core/calculator.js';
import { importModule } from '../core/module-loader.js';
import { Actor } from './actor-host.js';
import type { ActorArgs, ActorResult } from './actor-protocol.js';
import { exposeControl } from './control-channel.js';
import { onStrayError } from './stray-errors.js';

/** The worker task: host one node until it is done. */
export async function hostActor(args: ActorArgs): Promise<ActorResult> {
  const mod = await importModule(args.calculator.module);
  const definition = mod[args.calculator.exportName] as CalculatorDefinition;
  const actor = new Actor(args, definition);
  onStrayError((err, stage) => actor.stray(err, stage));
  exposeControl(
    {
      open: (sidePackets: unknown[]) => actor.open(sidePackets),
      // Start after this call's reply is posted: the loop may block the thread in Atomics.wait.
      start: () => {
        setImmediate(() => actor.loop());
      },
    },
    args.control,
  );
  try {
    return await actor.finished;
  } finally {
    args.control.close();
  }
}
