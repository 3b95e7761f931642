/**
 * The postMessage baseline of the `run` suite: a worker that posts every number it receives straight
 * back to the main thread, which pushes and pulls through it as `pushpull.small` does through a
 * weft Run. A negative number ends the task.
 *
 * Threading: runs in one bench worker thread (see `suites/run.ts`).
 */
import type { MessagePort } from 'node:worker_threads';

/** Arguments of {@link echo}. */
export interface EchoArgs {
  /** This side's end of the channel (transferred). */
  port: MessagePort;
}

/** Echoes numbers until a negative one arrives. */
export function echo(args: EchoArgs): Promise<void> {
  return new Promise((resolve) => {
    args.port.on('message', (n: number) => {
      if (n < 0) {
        args.port.close();
        resolve();
        return;
      }
      args.port.postMessage(n);
    });
  });
}
