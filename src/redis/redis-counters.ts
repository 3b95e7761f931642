/**
 * Counters of the Redis calculators in shared memory, one block per lane: what a source read,
 * claimed and dead-lettered, what a sink wrote and acknowledged, and how often each reconnected.
 * The process that runs the graph reads them for its progress line and summary without a message.
 *
 * Threading: each word has one writer (the lane's source or sink actor); any thread reads.
 */

/** Structured-cloneable handle of a counters block (pass it in calculator options). */
export interface RedisCountersDescriptor {
  readonly sab: SharedArrayBuffer;
  readonly lanes: number;
}

/** Words of a lane's block. */
export const RedisCounter = {
  Read: 0,
  Claimed: 1,
  DeadLettered: 2,
  SourceReconnects: 3,
  Written: 4,
  Acked: 5,
  SinkReconnects: 6,
} as const;
/** One of {@link RedisCounter}'s words. */
export type RedisCounter = (typeof RedisCounter)[keyof typeof RedisCounter];
const WORDS = 8;

/** A lane-summed reading of the counters. Plain data; any thread. */
export interface RedisFigures {
  readonly read: number;
  readonly claimed: number;
  readonly deadLettered: number;
  readonly written: number;
  readonly acked: number;
  readonly reconnects: number;
}

/** A zeroed block for `lanes` lanes. Any thread, before the run. */
export function createRedisCounters(lanes: number): RedisCountersDescriptor {
  return { sab: new SharedArrayBuffer(Math.max(1, lanes) * WORDS * 8), lanes };
}

/** Views over a counters block; one per thread. */
export class RedisCounters {
  private readonly f64: Float64Array;

  constructor(readonly desc: RedisCountersDescriptor) {
    this.f64 = new Float64Array(desc.sab);
  }

  /** Adds `n` to a lane's counter (only its one writer calls this). */
  add(lane: number, counter: RedisCounter, n = 1): void {
    this.f64[lane * WORDS + counter]! += n;
  }

  /** The counters summed over every lane. Allocates the result. */
  read(): RedisFigures {
    const sum = (c: RedisCounter) => {
      let n = 0;
      for (let l = 0; l < this.desc.lanes; l++) n += this.f64[l * WORDS + c]!;
      return n;
    };
    return {
      read: sum(RedisCounter.Read),
      claimed: sum(RedisCounter.Claimed),
      deadLettered: sum(RedisCounter.DeadLettered),
      written: sum(RedisCounter.Written),
      acked: sum(RedisCounter.Acked),
      reconnects: sum(RedisCounter.SourceReconnects) + sum(RedisCounter.SinkReconnects),
    };
  }
}
