/**
 * weft's wire format for Redis stream entries: what a sample looks like between hosts.
 *
 * An entry has exactly two kinds of field:
 * - `h`: a msgpack map, the header: `v` (format version, 1), `kind` (`'frame'` or `'value'`), and
 *   optionally `ts` (capture time, integer µs since the Unix epoch), `camera` and `frame` (who
 *   captured it, the camera's frame number: what accounting dedupes by), `shape` (frame
 *   dimensions, e.g. `[h, w, 4]`), `bytes` (a frame's length), `value` (a structured value, for
 *   kind `value`), `by` (the writer, for per-writer order checks), `claimed` (true when the sample
 *   was taken over from a consumer that died: late by design, outside any order);
 * - `b`: the frame's raw bytes, for kind `frame` only. Raw, so a frame is copied once from the
 *   client's reply buffer into a frame-pool slot, and never encoded or decoded.
 *
 * Every entry read is checked against this format before anything of it enters a graph: a missing,
 * repeated or unknown field, a header that does not decode, a wrong version or kind, a `bytes` that
 * disagrees with `b` (a truncated frame), a shape that does not multiply to it, a frame or header
 * over its limit, a frame reference inside a value: each is a {@link StreamEntryError} saying which.
 *
 * Threading: pure functions over a caller's Codec (one per thread). Lifecycle: none.
 */
import { StreamEntryError } from '../core/errors.js';
import { isFrameRef } from '../core/frame-ref.js';
import type { Codec } from '../transport/codec.js';

/** The format version this build writes and reads. A constant; any thread. */
export const WIRE_VERSION = 1;

/** What an entry carries. Plain data; any thread. */
export type WireKind = 'frame' | 'value';

/** An entry's header (field `h`). Plain data, structured-cloneable; any thread. */
export interface WireHeader {
  readonly v: typeof WIRE_VERSION;
  readonly kind: WireKind;
  readonly ts?: number;
  readonly camera?: number;
  readonly frame?: number;
  readonly shape?: readonly number[];
  readonly bytes?: number;
  readonly value?: unknown;
  readonly by?: string;
  /** The sample was taken over from another consumer (XAUTOCLAIM): late by design. */
  readonly claimed?: boolean;
}

/**
 * A decoded, checked entry. `bytes` views the reply buffer: copy it before the next read. Plain
 * data; any thread (a clone sent to another thread copies `bytes`).
 */
export interface WireEntry {
  readonly header: WireHeader;
  readonly bytes: Uint8Array | undefined;
}

/** Limits an entry is checked against. Plain data, structured-cloneable; any thread. */
export interface WireLimits {
  /** Largest frame accepted, in bytes. */
  readonly maxFrameBytes: number;
  /** Largest header accepted, in bytes (values travel in the header). */
  readonly maxHeaderBytes: number;
  /** When > 0, frames must be exactly this long (a graph built for one frame size). */
  readonly frameBytes?: number;
}

/** Defaults: frames up to 16 MiB, headers up to 1 MiB. Plain data; any thread. */
export const DEFAULT_WIRE_LIMITS: WireLimits = { maxFrameBytes: 16 << 20, maxHeaderBytes: 1 << 20 };

const HEADER_KEYS = new Set([
  'v',
  'kind',
  'ts',
  'camera',
  'frame',
  'shape',
  'bytes',
  'value',
  'by',
  'claimed',
]);

/**
 * The fields of an entry for XADD: `['h', header, 'b', bytes]` (no `b` for values). A frame's
 * `bytes` field is set from `frame` here, so the reader can tell a truncated frame. Pure but for
 * `codec`, which is the calling thread's.
 * @throws StreamEntryError for a value holding a frame reference (a handle means nothing on
 * another host), CodecError for a value msgpack cannot carry.
 */
export function encodeEntry(
  codec: Codec,
  header: Omit<WireHeader, 'v' | 'bytes'>,
  frame?: Uint8Array,
): Buffer[] {
  if (header.kind === 'value' && containsFrameRef(header.value, 0)) {
    throw new StreamEntryError('a value written to a stream holds a frame reference: send the frame itself', {
      phase: 'transport',
    });
  }
  const full: WireHeader =
    header.kind === 'frame'
      ? { ...header, v: WIRE_VERSION, bytes: frame?.byteLength ?? 0 }
      : { ...header, v: WIRE_VERSION };
  const h = Buffer.from(codec.encodeShared(full));
  if (header.kind !== 'frame') return [Buffer.from('h'), h];
  if (frame === undefined)
    throw new StreamEntryError('a frame entry needs its bytes', { phase: 'transport' });
  return [
    Buffer.from('h'),
    h,
    Buffer.from('b'),
    Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength),
  ];
}

/**
 * Decodes and checks an entry's fields as a flat list (`[name, value, name, value, …]`, as
 * XREADGROUP returns them). Pure but for `codec`, which is the calling thread's.
 * @throws StreamEntryError naming what is wrong; `stream` set to `stream`.
 */
export function decodeEntry(
  codec: Codec,
  fields: readonly unknown[],
  limits: WireLimits,
  stream: string,
): WireEntry {
  const bad = (why: string, cause?: unknown) =>
    new StreamEntryError(`malformed entry: ${why}`, { stream, phase: 'transport', cause });
  if (fields.length % 2 !== 0) throw bad('an odd number of field names and values');
  let h: Buffer | undefined;
  let b: Buffer | undefined;
  for (let i = 0; i < fields.length; i += 2) {
    const name = String(fields[i]);
    const value = fields[i + 1];
    if (!Buffer.isBuffer(value)) throw bad(`field ${JSON.stringify(name.slice(0, 32))} is not a bulk string`);
    if (name === 'h' && h === undefined) h = value;
    else if (name === 'b' && b === undefined) b = value;
    else throw bad(`unexpected or repeated field ${JSON.stringify(name.slice(0, 32))}`);
  }
  if (h === undefined) throw bad('no header field h');
  if (h.byteLength > limits.maxHeaderBytes) {
    throw bad(`oversized header: ${h.byteLength} bytes, the limit is ${limits.maxHeaderBytes}`);
  }
  let decoded: unknown;
  try {
    decoded = codec.decode(h);
  } catch (err) {
    throw bad('the header is not complete msgpack (truncated or corrupt)', err);
  }
  const header = checkHeader(decoded, bad);
  if (header.kind === 'value') {
    if (b !== undefined) throw bad('a value entry with a frame field b');
    if (containsFrameRef(header.value, 0)) throw bad('a value holding a frame reference');
    return { header, bytes: undefined };
  }
  if (b === undefined) throw bad('a frame entry without its bytes (field b)');
  if (b.byteLength !== header.bytes) {
    throw bad(`truncated frame: ${b.byteLength} bytes where the header says ${header.bytes}`);
  }
  if (b.byteLength === 0 || b.byteLength > limits.maxFrameBytes) {
    throw bad(`oversized or empty frame: ${b.byteLength} bytes, the limit is ${limits.maxFrameBytes}`);
  }
  if (limits.frameBytes !== undefined && limits.frameBytes > 0 && b.byteLength !== limits.frameBytes) {
    throw bad(`a ${b.byteLength}-byte frame where this graph takes ${limits.frameBytes}-byte frames`);
  }
  if (header.shape !== undefined && header.shape.reduce((p, d) => p * d, 1) !== b.byteLength) {
    throw bad(`shape [${header.shape.join(', ')}] does not hold ${b.byteLength} bytes`);
  }
  return { header, bytes: b };
}

function checkHeader(h: unknown, bad: (why: string) => Error): WireHeader {
  if (typeof h !== 'object' || h === null || Array.isArray(h) || ArrayBuffer.isView(h)) {
    throw bad('the header is not a map');
  }
  const o = h as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!HEADER_KEYS.has(k)) throw bad(`unknown header key ${JSON.stringify(k.slice(0, 32))}`);
  if (o.v !== WIRE_VERSION) throw bad(`format version ${String(o.v)}, this build reads ${WIRE_VERSION}`);
  if (o.kind !== 'frame' && o.kind !== 'value') throw bad(`kind ${String(o.kind)}, not frame or value`);
  for (const k of ['ts', 'camera', 'frame', 'bytes'] as const) {
    if (o[k] !== undefined && (!Number.isSafeInteger(o[k]) || (o[k] as number) < 0)) {
      throw bad(`header ${k} is not a non-negative integer`);
    }
  }
  if (o.kind === 'frame' && o.bytes === undefined) throw bad('a frame header without bytes');
  if (o.claimed !== undefined && typeof o.claimed !== 'boolean') throw bad('header claimed is not a boolean');
  if (o.by !== undefined && (typeof o.by !== 'string' || o.by.length > 200))
    throw bad('header by is not a short string');
  if (o.shape !== undefined) {
    const s = o.shape;
    if (!Array.isArray(s) || s.length > 8 || !s.every((d) => Number.isSafeInteger(d) && d > 0)) {
      throw bad('header shape is not a list of up to 8 positive integers');
    }
  }
  return o as unknown as WireHeader;
}

// Depth-limited: the codec already bounds nesting, this only has to find a FrameRef.
function containsFrameRef(v: unknown, depth: number): boolean {
  if (isFrameRef(v)) return true;
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || depth > 100) return false;
  const items = Array.isArray(v) ? v : Object.values(v);
  return items.some((x) => containsFrameRef(x, depth + 1));
}

/** A stream entry id's successor: the smallest id after `id` (`ms-seq` → `ms-(seq+1)`). */
export function nextEntryId(id: string): string {
  const dash = id.indexOf('-');
  return `${id.slice(0, dash)}-${BigInt(id.slice(dash + 1)) + 1n}`;
}

/** Compares two stream entry ids (`ms-seq`) numerically. */
export function compareEntryIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const d = BigInt(am) - BigInt(bm);
  if (d !== 0n) return d < 0n ? -1 : 1;
  const e = BigInt(as) - BigInt(bs);
  return e === 0n ? 0 : e < 0n ? -1 : 1;
}
