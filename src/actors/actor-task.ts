/**
 * The worker task of a node with a thread of its own: loads its calculator, answers the
 * supervisor's control calls (open, start, closeOpened) and runs the actor's loop until the node is done.
 *
 * Threading: the node's worker thread, from worker-entry.ts.
 */
import type { CalculatorDefinition } from '../core/calculator.js';
import { importModule } from '../core/module-loader.js';
import type { RestartCarry } from '../core/restart-handover.js';
import { causeText } from '../core/weft-error.js';
import { Actor } from './actor-host.js';
import type { ActorArgs, ActorResult } from './actor-protocol.js';
import { exposeControl } from './control-channel.js';
import { prepareCalculator } from './prepare-hook.js';
import { onStrayError } from './stray-errors.js';

/**
 * The worker task: host one node until it is done. The actor is made at the `open` call, not
 * before: a thread started ahead as a standby (a node under the `restart` policy) attaches to its
 * rings only when it takes over, where the one it replaces left them.
 */
export async function hostActor(args: ActorArgs): Promise<ActorResult> {
  const mod = await importModule(args.calculator.module);
  const definition = mod[args.calculator.exportName] as CalculatorDefinition;
  prepareCalculator(definition, args);
  let actor: Actor | undefined;
  let made!: (a: Actor) => void;
  let unmade!: (err: unknown) => void;
  const ready = new Promise<Actor>((resolve, reject) => {
    made = resolve;
    unmade = reject;
  });
  const make = (): Actor => {
    if (actor === undefined) {
      try {
        actor = new Actor(args, definition);
      } catch (err) {
        // The thread's task fails with it (and ends), not only the call that asked.
        unmade(err);
        throw err;
      }
      made(actor);
    }
    return actor;
  };
  // Before the actor exists, no calculator code but its module's ran: such an error is reported late.
  onStrayError((err, stage) =>
    actor === undefined ? (err instanceof Error ? err : new Error(causeText(err))) : actor.stray(err, stage),
  );
  exposeControl(
    {
      open: (sidePackets: unknown[], carry: RestartCarry | null = null) => make().open(sidePackets, carry),
      // Start after this call's reply is posted: the loop may block the thread in Atomics.wait.
      start: () => {
        const a = make();
        setImmediate(() => a.loop());
      },
      // The run failed before this opened node started: its stop is requested, so one turn closes it.
      closeOpened: () => actor?.step(),
    },
    args.control,
  );
  try {
    return await (await ready).finished;
  } finally {
    args.control.close();
  }
}
