/**
 * The task of `startup.piscina4` (suite `latency`): returns its input. The work is nothing on
 * purpose, so that what that case times is the pool's start-up: threads spawned, this module
 * loaded, one task's round trip.
 *
 * Threading: runs on a piscina thread; pure.
 */

/** Returns `n` unchanged. */
export default function echo(n: number): number {
  return n;
}
