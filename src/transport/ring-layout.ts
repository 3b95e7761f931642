/**
 * Memory layout of a weft ring queue and the constants both ends share. See `ring-queue.ts` for
 * the layout diagram and the threading contract.
 *
 * Threading: constants and a factory; `createRing` may run on any thread.
 */
import { InvalidArgumentError } from '../core/errors.js';
import { DOORBELL_WORDS, type DoorbellDescriptor, type LoadGaugeDescriptor } from './doorbell.js';

/** What a record means. `End` is produced by the reader once a closed ring is drained. Frozen; any thread. */
export const RecordKind = Object.freeze({ Packet: 1, Bound: 2, End: 3 } as const);
/** One of {@link RecordKind}'s values. */
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];
/** `pop` result when nothing is available (try, or the timeout expired). A constant; any thread. */
export const EMPTY = 0;

/** How a record's payload is stored. Frozen; any thread. */
export const PayloadType = Object.freeze({ None: 0, Number: 1, Frame: 2, Value: 3 } as const);
/** One of {@link PayloadType}'s values. */
export type PayloadType = (typeof PayloadType)[keyof typeof PayloadType];

/** Header word kind marking the unused tail of the buffer before a wrap. */
export const PAD = 15;

// Control region: Int32 indices, each hot word on its own 64-byte line (16 words) so the producer's
// and consumer's stores never share a cache line (false sharing costs ~2x).
/** Published write position (bytes, wraps modulo 2^32). Producer stores, consumer loads. */
export const WRITE = 0;
/**
 * Packets written and published (wraps modulo 2^32), beside WRITE on the producer's line: what an
 * observer compares with the consumer's count of packets taken (a graph input's throttle).
 */
export const PUBLISHED_PACKETS = 1;
/** Published read position. Consumer stores, producer loads. */
export const READ = 16;
/**
 * Packets the consumer took from the ring and still holds, queued or in its current call (only
 * where the producer counts packets: {@link PACKETS_COUNTED}). Consumer stores, producer loads; on
 * the READ line, which only the consumer writes.
 */
export const HELD = 17;
/** Bit flags: {@link PRODUCER_CLOSED}, {@link CONSUMER_CLOSED}, {@link PACKETS_COUNTED}. */
export const FLAGS = 32;
/** 1 while the producer sleeps waiting for space. */
export const PRODUCER_WAITING = 48;
/** Bumped by the consumer to wake a producer waiting for space (or for the consumer's close). */
export const SPACE_SEQ = 64;
/** Float64 index of the final timestamp bound given to `close()`. */
export const CLOSE_TS_F64 = 40;
/**
 * 1 while the consumer ignores this ring when it waits (its queue for the ring is at its limit, or
 * the ring ended): the producer then publishes without ringing the shared doorbell. The consumer
 * stores it only before it advertises sleep; it shares the close bound's line, which is written once.
 */
export const CONSUMER_MUTED = 88;
/** Int32 index of the ring's own doorbell (used when no shared doorbell is given). */
export const OWN_DOORBELL = 96;
/** Int32 words of control region. */
export const CONTROL_WORDS = OWN_DOORBELL + DOORBELL_WORDS;
/** Byte offset of the data region (a multiple of 64). */
export const DATA_OFFSET = CONTROL_WORDS * 4;

/** FLAGS bit set by the producer when it ends the stream (or abandons the ring); the consumer reads it. */
export const PRODUCER_CLOSED = 1;
/** FLAGS bit set by the consumer when it stops reading; the producer's pushes then throw RingClosedError. */
export const CONSUMER_CLOSED = 2;
/**
 * FLAGS bit set by a producer that caps the packets the ring holds (`RingWriter.limitRecords`),
 * before its consumer attaches: the consumer then reports in {@link HELD} the packets it took and
 * has not finished, so that the cap covers every packet the consumer has not finished with.
 */
export const PACKETS_COUNTED = 4;

/** Record header bytes: kind word, length word, float64 timestamp. */
export const HEADER_BYTES = 16;
/** Bytes of a record carrying a number or a frame handle. */
export const SCALAR_RECORD_BYTES = 24;

/**
 * Options for {@link createRing}. Plain data, structured-cloneable; read by {@link createRing} on
 * the calling thread.
 */
export interface RingOptions {
  /** Data capacity in bytes: a power of two, 1 KiB to 1 GiB. Default 64 KiB. */
  capacityBytes?: number;
  /** Largest inline (msgpack) payload accepted, in bytes. Default capacity / 4. */
  maxInlineBytes?: number;
  /** Records the producer writes before publishing them (and the consumer reads before freeing). Default 32. */
  publishEvery?: number;
  /** Stream name used in error messages, e.g. `"detector:out -> tracker:in"`. */
  name?: string;
  /** Shared doorbell of a consumer that waits on several rings; default: the ring's own. */
  doorbell?: DoorbellDescriptor;
  /** Load gauge shared by the threads of one graph; spinning stops when busy threads outnumber cores. */
  gauge?: LoadGaugeDescriptor;
  /** Upper bound of the adaptive spin before parking (polls). 0 disables spinning. Default 4096. */
  maxSpin?: number;
  /**
   * Wake the consumer at every publish instead of when the backlog is worth a wake-up (an eighth of
   * the ring, or 1 ms old): for consumers that want each record as soon as it exists (the outputs of
   * a latency-bound run), at the cost of a wake-up per record. Default false.
   */
  announceEagerly?: boolean;
}

/** Structured-cloneable description of a ring: send it to the producer and the consumer thread. */
export interface RingDescriptor {
  readonly sab: SharedArrayBuffer;
  readonly capacityBytes: number;
  readonly maxInlineBytes: number;
  readonly publishEvery: number;
  readonly name: string;
  readonly doorbell: DoorbellDescriptor;
  readonly gauge: LoadGaugeDescriptor | undefined;
  readonly maxSpin: number;
  readonly announceEagerly: boolean;
}

let unnamed = 0;

/**
 * Allocates a ring. Call on the thread that wires the graph, then hand the descriptor to exactly
 * one producer thread ({@link RingWriter}) and one consumer thread ({@link RingReader}).
 */
export function createRing(options: RingOptions = {}): RingDescriptor {
  const capacityBytes = options.capacityBytes ?? 64 * 1024;
  const name = options.name ?? `ring#${++unnamed}`;
  if (!Number.isInteger(capacityBytes) || capacityBytes < 1024 || capacityBytes > 2 ** 30) {
    throw new InvalidArgumentError(
      `capacityBytes must be an integer in [1 KiB, 1 GiB], got ${capacityBytes}`,
      {
        stream: name,
        phase: 'config',
      },
    );
  }
  if ((capacityBytes & (capacityBytes - 1)) !== 0) {
    throw new InvalidArgumentError(`capacityBytes must be a power of two, got ${capacityBytes}`, {
      stream: name,
      phase: 'config',
    });
  }
  const maxInlineBytes = options.maxInlineBytes ?? capacityBytes / 4;
  if (!Number.isInteger(maxInlineBytes) || maxInlineBytes < 0 || maxInlineBytes > capacityBytes / 2 - 32) {
    throw new InvalidArgumentError(
      `maxInlineBytes must be an integer in [0, capacity/2 - 32] (${capacityBytes / 2 - 32}), got ${maxInlineBytes}`,
      { stream: name, phase: 'config' },
    );
  }
  const publishEvery = options.publishEvery ?? 32;
  if (!Number.isInteger(publishEvery) || publishEvery < 1) {
    throw new InvalidArgumentError(`publishEvery must be a positive integer, got ${publishEvery}`, {
      stream: name,
      phase: 'config',
    });
  }
  const maxSpin = options.maxSpin ?? 4096;
  const sab = new SharedArrayBuffer(DATA_OFFSET + capacityBytes);
  return {
    sab,
    capacityBytes,
    maxInlineBytes,
    publishEvery,
    name,
    doorbell: options.doorbell ?? { sab, index: OWN_DOORBELL },
    gauge: options.gauge,
    maxSpin,
    announceEagerly: options.announceEagerly === true,
  };
}
