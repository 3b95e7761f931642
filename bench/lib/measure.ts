/**
 * Measuring throughput between two worker threads: a producer and a consumer, started by the main
 * thread, which then only releases repetitions and waits.
 *
 * One pair of threads runs every repetition of a case, so thread start-up and module loading stay
 * outside the measured interval, and later repetitions run JIT-warm code. A repetition's rate is
 * `count / (consumer end − producer start)`; the case reports the best repetition, because on a
 * shared machine interference only ever slows a run down.
 *
 * Threading: main thread.
 */
import type { ThreadTask } from '../../src/actors/thread-task.js';
import { TimeoutError } from '../../src/core/errors.js';
import { createStartSignal, releaseStart, waitReady } from './start-signal.js';

/** How one value is chosen from the repetitions, in words for the JSON env and the README. */
export function statistic(reps: number): string {
  return `best of ${reps} repetitions (highest rate)`;
}

/** What a producer task returns: the clock reading at the start of each repetition. */
export interface ProducerReport {
  starts: bigint[];
}

/** What a consumer task returns: its clock reading after the last packet, and what it received. */
export interface ConsumerReport {
  ends: bigint[];
  received: number[];
  /** Sum of what the consumer read, returned so that the reads cannot be optimized away. */
  checksum: number;
}

/** Arguments every pair task gets besides its own. */
export interface PairTaskArgs {
  /** The start signal (see `start-signal.ts`). */
  signal: SharedArrayBuffer;
  /** Packets per repetition. */
  count: number;
  /** Number of repetitions. */
  reps: number;
}

/** A producer and a consumer thread, as started by {@link PairSpec.spawn}. */
export interface PairTasks {
  producer: ThreadTask<ProducerReport>;
  consumer: ThreadTask<ConsumerReport>;
}

/** One case to measure. */
export interface PairSpec {
  count: number;
  reps: number;
  /** Whole-case limit; the threads are terminated when it passes. */
  timeoutMs: number;
  /** Starts both threads, passing `base` into each task's arguments. */
  spawn(base: PairTaskArgs): PairTasks;
  /** Called as each repetition is released, for progress lines. */
  onRep?(rep: number): void;
}

/** Packets per second of each repetition, and the best of them. */
export interface PairResult {
  rates: number[];
  best: number;
}

/** Runs a case: starts its pair, releases each repetition, and computes the rates. */
export async function measurePair(spec: PairSpec): Promise<PairResult> {
  const signal = createStartSignal();
  const tasks = spec.spawn({ signal, count: spec.count, reps: spec.reps });
  const both = [tasks.producer, tasks.consumer];
  let timer: NodeJS.Timeout | undefined;
  // Rejects as soon as either thread fails, so a crash is not mistaken for a slow repetition.
  const abort = new Promise<never>((_, reject) => {
    for (const t of both) t.result.catch(reject);
    timer = setTimeout(() => reject(new TimeoutError(`case ran past ${spec.timeoutMs} ms`)), spec.timeoutMs);
  });
  abort.catch(() => {});
  try {
    for (let rep = 1; rep <= spec.reps; rep++) {
      await Promise.race([waitReady(signal, 2 * rep), abort]);
      spec.onRep?.(rep);
      releaseStart(signal, rep);
    }
    const [p, c] = await Promise.race([Promise.all([tasks.producer.result, tasks.consumer.result]), abort]);
    return rates(spec.count, p, c);
  } catch (err) {
    await Promise.all(both.map((t) => t.terminate()));
    await Promise.allSettled(both.map((t) => t.result));
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function rates(count: number, p: ProducerReport, c: ConsumerReport): PairResult {
  const out: number[] = [];
  for (let i = 0; i < p.starts.length; i++) {
    const received = c.received[i];
    if (received !== count) throw new Error(`repetition ${i + 1}: consumer got ${received} of ${count}`);
    const ns = Number(c.ends[i]! - p.starts[i]!);
    out.push(count / (ns / 1e9));
  }
  return { rates: out, best: Math.max(...out) };
}
