// Waits for an observable state change made by another thread, turning the event loop between
// checks. Bounded by a number of turns, not by time: no test depends on how fast a machine is.
import { setImmediate as turn } from 'node:timers/promises';

export async function waitUntil(cond: () => boolean, what: string, maxTurns = 2_000_000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (cond()) return;
    await turn();
  }
  throw new Error(`gave up waiting until ${what}`);
}
