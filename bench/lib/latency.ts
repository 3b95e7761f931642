/**
 * Helpers of the `latency` suite: a paced one-sample-at-a-time loop, percentiles, and the
 * postMessage relay chain it compares weft's chains with.
 *
 * Threading: main thread (the relay's stages are its worker threads).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { spawnTask, type ThreadTask } from '../../src/actors/thread-task.js';
import { TimeoutError } from '../../src/core/errors.js';

/** Pacing of the idle cases: one sample per tick. */
export const TICK_MS = 10;

/** Longest one sample may take before the case fails (rather than the bench hanging). */
export const SAMPLE_TIMEOUT_MS = 5000;

// The stage of the `graph` suite's postMessage chains: forwards `{ ts, value }`, null ends it.
const POST_CHAIN = new URL('../tasks/post-chain-task.ts', import.meta.url);

/**
 * Runs `once` `warm` times back to back (untimed), then `total` times on a `TICK_MS` grid: after
 * each timed sample it waits for the next tick, so the chain goes idle (its threads park) between
 * samples, which is what is measured. A sample slower than a tick skips ticks rather than shortening
 * the next gap. Returns each timed sample's µs, from just before `once` to its settling.
 *
 * Why the warm-up: a live stream runs for minutes or hours, so its per-sample code is JIT-compiled.
 * Paced at one sample per 10 ms, a few hundred samples leave most of that code in V8's interpreter
 * (measured here: weft's one-hop round trip 110–200 µs then, ~20 µs once compiled), and the
 * percentiles would describe the first seconds of a run rather than the stream. Both sides of every
 * comparison get the same warm-up.
 */
export async function pacedLatencies(
  total: number,
  warm: number,
  once: (i: number) => Promise<void>,
): Promise<number[]> {
  for (let i = 0; i < warm; i++) await once(i);
  const out: number[] = [];
  const t0 = performance.now();
  let tick = 0;
  for (let i = 0; i < total; i++) {
    const start = performance.now();
    await once(warm + i);
    const end = performance.now();
    out.push((end - start) * 1000);
    tick = Math.max(tick + 1, Math.floor((end - t0) / TICK_MS) + 1);
    await sleep(t0 + tick * TICK_MS - end);
  }
  return out;
}

/** Nearest-rank percentile (`q` in 0..1) of `values`; sorts a copy. NaN when empty. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * `hops` worker threads relaying by MessagePort (this thread → w1 → … → wN → this thread), each
 * forwarding a message the moment it arrives: what a Node engineer would write for a chain of
 * stages without shared memory. One message in flight at a time ({@link roundTrip}).
 */
export class PostRelay {
  private waiter: ((m: unknown) => void) | undefined;
  // Rejects once any stage fails or ends early, so a round trip never waits on a dead chain.
  private readonly abort: Promise<never>;

  private constructor(
    private readonly send: MessagePort,
    private readonly recv: MessagePort,
    private readonly tasks: readonly ThreadTask<void>[],
  ) {
    recv.on('message', (m: unknown) => {
      const w = this.waiter;
      this.waiter = undefined;
      w?.(m);
    });
    this.abort = new Promise<never>((_, reject) => {
      for (const t of tasks) t.result.then(() => reject(new Error('a relay stage ended early')), reject);
    });
    this.abort.catch(() => {});
  }

  /** Starts the stages and waits for one round trip (every thread loaded and listening). */
  static async start(hops: number): Promise<PostRelay> {
    const links = Array.from({ length: hops + 1 }, () => new MessageChannel());
    const tasks: ThreadTask<void>[] = [];
    for (let i = 0; i < hops; i++) {
      const args = { in: links[i]!.port2, out: links[i + 1]!.port1, micros: 0 };
      tasks.push(spawnTask<void>(POST_CHAIN, 'stage', args, { transferList: [args.in, args.out] }));
    }
    const relay = new PostRelay(links[0]!.port1, links[hops]!.port2, tasks);
    try {
      await relay.roundTrip(-1);
    } catch (err) {
      await relay.close();
      throw err;
    }
    return relay;
  }

  /** Sends one packet down the chain and resolves when it comes back out of the last stage. */
  async roundTrip(i: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const back = new Promise<unknown>((resolve, reject) => {
      this.waiter = resolve;
      timer = setTimeout(
        () => reject(new TimeoutError(`no reply in ${SAMPLE_TIMEOUT_MS} ms`)),
        SAMPLE_TIMEOUT_MS,
      );
    });
    try {
      this.send.postMessage({ ts: i, value: i });
      const m = (await Promise.race([back, this.abort])) as { value: number } | null;
      if (m?.value !== i) throw new Error(`relay: sent ${i}, got ${JSON.stringify(m)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the chain (null flows through every stage); stages still running after 5 s are terminated. */
  async close(): Promise<void> {
    this.send.postMessage(null);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 5000)));
    const ended = Promise.allSettled(this.tasks.map((t) => t.result));
    try {
      if ((await Promise.race([ended, late])) === 'late') {
        await Promise.all(this.tasks.map((t) => t.terminate()));
        await ended;
      }
    } finally {
      clearTimeout(timer);
      this.send.close();
      this.recv.close();
    }
  }
}
