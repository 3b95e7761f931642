/**
 * How a Redis stream source turns one checked entry into packets: the frame or value, and the
 * `META` packet beside it that carries the entry's identity to the ack point.
 *
 * Threading: called on the source's actor thread, inside its `process`. Lifecycle: none.
 */
import type { CalculatorContext } from '../core/calculator.js';
import type { RawEntry } from './redis-stream-reader.js';
import type { WireEntry } from './stream-wire-format.js';

/**
 * The `META` value of an entry. Its `camera`, `seq` and `capturedAt` make it a fleet `FrameMeta`;
 * `stream` and `id` are what an ack point acknowledges (a sink's `ACK` input takes it as it is).
 * Plain data, made on the source's actor thread and carried in packets; any thread.
 */
export interface SourceMeta {
  readonly stream: string;
  readonly group: string;
  readonly id: string;
  /** The header's camera, or -1. */
  readonly camera: number;
  /** The header's frame number, or -1. */
  readonly seq: number;
  /** The header's capture time in ms since the Unix epoch (`ts / 1000`), or 0. */
  readonly capturedAt: number;
  /** True when this consumer took the entry over from another (XAUTOCLAIM). */
  readonly claimed: boolean;
  /** A frame's shape, when the header gave one. */
  readonly shape: readonly number[] | null;
}

/**
 * Emits a checked entry at `ts`: the frame `handle` (one reference handed to `FRAME`) or the value
 * on `VALUE`, and its {@link SourceMeta} on `META` when wired. Allocates the meta object (it leaves
 * the thread as msgpack anyway).
 */
export function emitEntry(
  ctx: CalculatorContext<unknown>,
  raw: RawEntry,
  group: string,
  entry: WireEntry,
  handle: number,
  ts: number,
): void {
  const h = entry.header;
  if (handle >= 0) ctx.output('FRAME').addFrame(handle, ts);
  else ctx.output('VALUE').add(h.value ?? null, ts);
  if (ctx.outputCount('META') === 0) return;
  const meta: SourceMeta = {
    stream: raw.stream,
    group,
    id: raw.id,
    camera: h.camera ?? -1,
    seq: h.frame ?? -1,
    capturedAt: h.ts === undefined ? 0 : h.ts / 1000,
    claimed: raw.claimed,
    shape: h.shape ?? null,
  };
  ctx.output('META').add(meta, ts);
}
