/**
 * Sleeping and waking threads without lost wake-ups, and without waking anyone who is not asleep.
 * Every park first publishes all ring writers of the parking thread ({@link publishAll}).
 *
 * A {@link Doorbell} is two Int32 words on separate cache lines of a SharedArrayBuffer:
 *
 * | word      | written by        | meaning                                                      |
 * |-----------|-------------------|--------------------------------------------------------------|
 * | `SEQ`     | ringers           | bumped by a ringer that saw `SLEEPING`; the sleeper waits on it |
 * | `SLEEPING`| the one sleeper   | 1 while the sleeper is about to wait or waiting              |
 *
 * Protocol (the Dekker pattern, sound because JS Atomics are sequentially consistent):
 * the sleeper reads `SEQ`, stores `SLEEPING = 1`, re-checks its condition, then
 * `Atomics.wait(SEQ, seenSeq)`. A ringer first publishes its change (a ring index, a flag), then
 * loads `SLEEPING` and, only if set, bumps `SEQ` and notifies. Either the sleeper's re-check sees the
 * change or the ringer sees `SLEEPING`; and because the ringer *changes* `SEQ`, a notify that lands
 * before the sleeper reaches `Atomics.wait` is not lost: the wait returns "not-equal" at once.
 * A ringer that finds nobody asleep pays one load and no syscall.
 *
 * A consumer with several input rings shares one doorbell among all of them, so it can sleep on
 * one address while any producer can wake it (`Atomics.wait` waits on a single word).
 *
 * The {@link LoadGauge} counts threads that are running rather than parked. Spinning before
 * parking only pays when the peer runs on another core at the same time: when busy threads
 * outnumber cores, a spinner steals the very core its peer needs, so waiters skip the spin.
 *
 * Threading: one sleeper thread per doorbell (sync and async waits of that thread must not
 * overlap); any number of ringer threads.
 */

/** Int32 index of the sequence word inside a doorbell region. */
export const SEQ = 0;
/** Int32 index of the sleeping flag: 16 words (64 bytes) after SEQ, on its own cache line. */
export const SLEEPING = 16;
/**
 * Int32 index of the SEQ value the sleeper parked on, stored before SLEEPING: a sleeper with
 * SLEEPING set and SEQ still equal to it has been told of nothing since (an exact idle test).
 */
export const PARKED_SEQ = 17;
/** Int32 words a doorbell occupies. */
export const DOORBELL_WORDS = 32;

/**
 * Structured-cloneable location of a doorbell: a SharedArrayBuffer and an Int32 index in it. Any
 * thread: pass it in `spawnTask` args (the SharedArrayBuffer is shared, not copied).
 */
export interface DoorbellDescriptor {
  readonly sab: SharedArrayBuffer;
  readonly index: number;
}

/** Creates a doorbell in a fresh SharedArrayBuffer. Any thread; pass the descriptor to peers. */
export function createDoorbell(): DoorbellDescriptor {
  return { sab: new SharedArrayBuffer(DOORBELL_WORDS * 4), index: 0 };
}

/** Wakes the sleeper of the doorbell at `words[base]` if, and only if, it advertised sleep. */
export function ring(words: Int32Array, base: number): void {
  if (Atomics.load(words, base + SLEEPING) !== 0) {
    Atomics.add(words, base + SEQ, 1);
    Atomics.notify(words, base + SEQ);
  }
}

/**
 * Structured-cloneable load gauge: `[busyThreads, cores]` as Int32 words. Any thread: pass it in
 * `spawnTask` args (the SharedArrayBuffer is shared, not copied).
 */
export interface LoadGaugeDescriptor {
  readonly sab: SharedArrayBuffer;
}

/**
 * Creates a gauge for `threads` participating threads on a host with `cores` cores. One gauge per
 * graph; every ring of the graph shares it. Any thread (the one that wires the graph); every thread
 * of the graph gets the descriptor.
 */
export function createLoadGauge(threads: number, cores: number): LoadGaugeDescriptor {
  const sab = new SharedArrayBuffer(8);
  const w = new Int32Array(sab);
  w[0] = threads;
  w[1] = cores;
  return { sab };
}

/** Something that holds written records back for batching (a ring writer). */
export interface Publisher {
  /** Publishes whatever is held back. Cheap when nothing is. */
  flush(): void;
}

// The writers of this thread. A thread about to sleep publishes everything it has written first:
// otherwise a consumer could wait for records held back here while this thread waits for the
// consumer (for ring space, for a frame the consumer would release, for its next input).
const publishers = new Set<Publisher>();

/** Registers a writer of this thread to be flushed before the thread parks. */
export function registerPublisher(p: Publisher): void {
  publishers.add(p);
}

/** Forgets a writer (after close). */
export function unregisterPublisher(p: Publisher): void {
  publishers.delete(p);
}

/** Publishes every registered writer of this thread. Called before any park; off the per-record path. */
export function publishAll(): void {
  for (const p of publishers) p.flush();
}

const MIN_SPIN = 16;
const MAX_SPIN = 4096;

/**
 * Per-thread waiting strategy: adaptive spin, then park. The spin budget doubles when spinning
 * found work (the peer is fast, parking would cost a ~35 µs futex round trip) and halves when it did
 * not (the peer is slow; spinning only burns a core).
 *
 * Threading: owned by one thread (one per ring end or input set); the gauge is shared.
 */
export class Waiter {
  private budget = 256;
  private readonly gauge: Int32Array | null;
  /**
   * Whether an async park keeps the thread's event loop alive (the default: a worker whose only
   * pending work is an `Atomics.waitAsync` would exit). The main thread's background waits (a run's
   * output pump, a Run's input feeder) turn it off, so that a forgotten run lets the process exit
   * once nobody awaits it; the run holds the loop itself while the application awaits something.
   */
  holdsEventLoop = true;

  constructor(gauge: LoadGaugeDescriptor | undefined, maxSpin = MAX_SPIN) {
    this.gauge = gauge === undefined ? null : new Int32Array(gauge.sab);
    this.maxSpin = maxSpin;
    if (this.budget > maxSpin) this.budget = maxSpin;
  }

  private readonly maxSpin: number;

  /** How many polls to spend before parking now: 0 when busy threads outnumber cores. */
  spinBudget(): number {
    const g = this.gauge;
    if (this.maxSpin === 0) return 0;
    if (g !== null && Atomics.load(g, 0) > Atomics.load(g, 1)) return 0;
    return this.budget;
  }

  /** Feeds back whether the last spin found work. */
  spun(found: boolean): void {
    if (found) {
      this.budget = Math.min(this.maxSpin, this.budget * 2);
    } else {
      this.budget = Math.max(MIN_SPIN, this.budget >> 1);
    }
  }

  /**
   * Parks on `words[index]` while it equals `expected`, for at most `timeoutMs`. Marks this thread
   * idle in the gauge meanwhile. Returns false when the wait timed out.
   */
  park(words: Int32Array, index: number, expected: number, timeoutMs: number): boolean {
    publishAll();
    const g = this.gauge;
    if (g !== null) Atomics.sub(g, 0, 1);
    const r = Atomics.wait(words, index, expected, timeoutMs);
    if (g !== null) Atomics.add(g, 0, 1);
    return r !== 'timed-out';
  }

  /** Async form of {@link park} for threads whose event loop must keep turning. */
  async parkAsync(words: Int32Array, index: number, expected: number, timeoutMs: number): Promise<boolean> {
    publishAll();
    // Allocates a promise per park: off the per-packet path while packets keep coming; a stream
    // sparse enough that the thread parks between packets (one at a time) pays it per packet.
    const w = Atomics.waitAsync(words, index, expected, timeoutMs);
    if (!w.async) return w.value !== 'timed-out';
    const g = this.gauge;
    if (g !== null) Atomics.sub(g, 0, 1);
    const held = this.holdsEventLoop;
    if (held) holdEventLoop();
    try {
      return (await w.value) !== 'timed-out';
    } finally {
      if (held) releaseEventLoop();
      if (g !== null) Atomics.add(g, 0, 1);
    }
  }
}

// A pending Atomics.waitAsync does not keep a thread's event loop alive: a worker whose only
// pending work is such a wait exits with code 13. One ref-counted idle timer holds the loop open.
let holders = 0;
let keepAlive: ReturnType<typeof setInterval> | undefined;

function holdEventLoop(): void {
  if (holders++ === 0) {
    keepAlive ??= setInterval(() => {}, 1 << 30);
    keepAlive.ref();
  }
}

function releaseEventLoop(): void {
  if (--holders === 0) keepAlive?.unref();
}

/** Milliseconds left until `deadline` (a `performance.now()` value); Infinity stays Infinity. */
export function remaining(deadline: number): number {
  if (deadline === Number.POSITIVE_INFINITY) return deadline;
  const left = deadline - performance.now();
  return Math.max(left, 0);
}

/** Deadline for a timeout in ms (negative or Infinity mean no deadline). */
export function deadlineOf(timeoutMs: number): number {
  return timeoutMs < 0 || timeoutMs === Number.POSITIVE_INFINITY
    ? Number.POSITIVE_INFINITY
    : performance.now() + timeoutMs;
}
