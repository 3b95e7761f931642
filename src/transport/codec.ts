/**
 * The codec for inline ring payloads: structured values as msgpack, with weft's extension types.
 *
 * A ring record carries a number, a frame handle, or inline bytes; the inline bytes are what this
 * module produces and reads. Everything uses msgpack's ordinary mapping (objects, arrays, strings,
 * numbers, booleans, null; `undefined` becomes nil and decodes as `null`; Date uses msgpack's
 * timestamp extension, type -1) plus two application extension types:
 *
 * ```text
 * EXT_FRAME (1), a FrameRef: always fixext 8
 *   d7 01 <handle: float64, big-endian, 8 bytes>
 *   float64 rather than uint32 so that every handle up to 2^53 survives unchanged.
 *
 * EXT_TYPED_ARRAY (2), any typed array: the smallest ext header that fits 1 + byteLength
 *   (fixext 1/2/4/8/16, else ext 8/16/32), e.g. for a Float32Array of 4 values:
 *   c7 11 02 <kind: u8 = 8> <16 raw bytes>
 *   kind: 1 Uint8Array (also Node Buffer and DataView), 2 Int8Array, 3 Uint8ClampedArray,
 *         4 Int16Array, 5 Uint16Array, 6 Int32Array, 7 Uint32Array, 8 Float32Array,
 *         9 Float64Array, 10 BigInt64Array, 11 BigUint64Array; 0 and others are invalid.
 *   The raw bytes are the elements in host byte order (little-endian on every platform Node
 *   supports); the bytes never leave the process, so both ends share that order.
 * ```
 *
 * Typed arrays go through EXT_TYPED_ARRAY, never msgpack `bin`, because msgpack tries extensions
 * before its own typed-array handling and because `bin` would lose the element type. A Node Buffer
 * and a DataView decode as Uint8Array.
 *
 * Not supported, rejected with CodecError rather than silently emptied (msgpack would encode them
 * as `{}`): Map, Set, bare ArrayBuffer and SharedArrayBuffer. Functions, symbols, bigint outside a
 * typed array, circular and too deeply nested values are rejected too. Class instances encode as
 * plain objects of their own enumerable properties and decode as plain objects (prototype lost).
 * Integers beyond 2^53 decode as (lossy) numbers.
 *
 * Threading: a {@link Codec} owns a reused Encoder buffer and scratch state, so it belongs to one
 * thread; {@link threadCodec} gives each thread its own. Encoded bytes may be copied anywhere; the
 * consumer decodes straight from SharedArrayBuffer-backed ring memory, and the decoded value never
 * aliases those bytes (typed arrays, binary and unknown ext data are copied), so the ring slot can
 * be overwritten as soon as `decode` returns.
 */

import type { ExtensionCodecType } from '@msgpack/msgpack';
import { decodeTimestampExtension, Encoder, ExtData, encodeTimestampExtension } from '@msgpack/msgpack';
import { CodecError, causeText, InvalidArgumentError } from '../core/errors.js';
import { FrameRef, isFrameRef } from '../core/frame-ref.js';

export { FrameRef, isFrameRef };

import { MsgpackFormatError, MsgpackReader } from './msgpack-reader.js';

/** msgpack ext type of a {@link FrameRef}: 8-byte big-endian float64 handle. */
export const EXT_FRAME = 1;
/** msgpack ext type of a typed array: 1-byte kind tag, then the raw element bytes in host order. */
export const EXT_TYPED_ARRAY = 2;

/** msgpack's built-in timestamp extension type (Date). */
const EXT_TIMESTAMP = -1;

/** What a typed array kind needs: building a view over a fresh buffer, and the element size. */
interface TypedArrayClass {
  new (buffer: ArrayBuffer): ArrayBufferView;
  readonly BYTES_PER_ELEMENT: number;
}

// Index = kind tag. 0 is reserved so that zeroed memory never decodes as a valid kind.
const KIND_CLASSES: readonly (TypedArrayClass | undefined)[] = [
  undefined,
  Uint8Array,
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];
const KIND_UINT8 = 1;
const KIND_BY_CLASS = new Map<unknown, number>();
for (let kind = 1; kind < KIND_CLASSES.length; kind++) KIND_BY_CLASS.set(KIND_CLASSES[kind], kind);

/** Subclasses (Node Buffer) miss the constructor lookup; DataView carries no element type. */
function kindOfSlow(view: ArrayBufferView): number {
  for (let kind = 1; kind < KIND_CLASSES.length; kind++) {
    const cls = KIND_CLASSES[kind]!;
    if (view instanceof cls) return kind;
  }
  if (view instanceof DataView) return KIND_UINT8;
  throw new TypeError(`unsupported ArrayBufferView ${view.constructor.name}`);
}

// A typed array scratch larger than this is not kept after use, so that one big payload does not pin
// memory for the life of the thread.
const SCRATCH_KEEP_MAX = 64 * 1024;

/**
 * weft's extension table, used in place of msgpack's ExtensionCodec: msgpack calls `tryToEncode`
 * for every array and object it meets, so direct type checks beat its generic registry loop, and
 * implementing `decode` ourselves is the only way to copy unknown ext data instead of aliasing it.
 */
class WeftExtensions implements ExtensionCodecType<undefined> {
  // FrameRef encoding reuses one 8-byte buffer and one ExtData: the Encoder copies ext data out
  // synchronously, before any user code can run again.
  private readonly frameBytes = new Uint8Array(8);
  private readonly frameView = new DataView(this.frameBytes.buffer);
  private readonly frameExt = new ExtData(EXT_FRAME, this.frameBytes);
  private scratch = new Uint8Array(256);

  tryToEncode(object: unknown): ExtData | null {
    // Plain objects and arrays are nearly every call: let them through after one prototype load.
    const proto: unknown = Object.getPrototypeOf(object);
    if (proto === Object.prototype || proto === Array.prototype) return null;
    if (object instanceof FrameRef) {
      this.frameView.setFloat64(0, object.handle);
      return this.frameExt;
    }
    if (ArrayBuffer.isView(object)) return this.encodeTypedArray(object);
    if (object instanceof Date) {
      // Allocates (msgpack's timestamp encoder); Dates are rare in stream payloads.
      return new ExtData(EXT_TIMESTAMP, encodeTimestampExtension(object)!);
    }
    if (object instanceof Map || object instanceof Set) {
      throw new TypeError(`${object.constructor.name} is not supported: send an object or an array`);
    }
    if (object instanceof ArrayBuffer || object instanceof SharedArrayBuffer) {
      throw new TypeError(`${object.constructor.name} is not supported: wrap it in a Uint8Array`);
    }
    if (object instanceof ExtData) return object;
    return null;
  }

  private encodeTypedArray(view: ArrayBufferView): ExtData {
    const kind = KIND_BY_CLASS.get(view.constructor) ?? kindOfSlow(view);
    const size = 1 + view.byteLength;
    let out = this.scratch;
    if (out.length < size) {
      // Allocates: grows the scratch, or a one-off buffer above SCRATCH_KEEP_MAX.
      out = new Uint8Array(Math.max(size, out.length * 2));
      if (out.length <= SCRATCH_KEEP_MAX) this.scratch = out;
    }
    out[0] = kind;
    // A byte view, because set() from another element type would convert values, not copy bytes.
    out.set(
      view instanceof Uint8Array ? view : new Uint8Array(view.buffer, view.byteOffset, view.byteLength),
      1,
    );
    // Allocates a subarray view and an ExtData per typed array (small, fixed-size objects).
    return new ExtData(EXT_TYPED_ARRAY, out.subarray(0, size));
  }

  // `data` is a view of the input bytes (ring memory): every result below must be a copy.
  decode(data: Uint8Array, extType: number): unknown {
    switch (extType) {
      case EXT_FRAME:
        if (data.length !== 8) throw new MsgpackFormatError(`frame ext of ${data.length} bytes, expected 8`);
        this.frameBytes.set(data);
        // Allocates the FrameRef, the only object a frame costs on decode.
        return new FrameRef(this.frameView.getFloat64(0));
      case EXT_TYPED_ARRAY:
        return decodeTypedArray(data);
      case EXT_TIMESTAMP:
        return decodeTimestampExtension(data);
      default:
        // Foreign ext types survive as ExtData, as msgpack does, but owning their bytes.
        return new ExtData(extType, data.slice());
    }
  }
}

function decodeTypedArray(data: Uint8Array): ArrayBufferView {
  const kind = data.length === 0 ? 0 : data[0]!;
  const cls = KIND_CLASSES[kind];
  if (cls === undefined) throw new MsgpackFormatError(`typed array ext with unknown kind ${kind}`);
  if ((data.length - 1) % cls.BYTES_PER_ELEMENT !== 0) {
    throw new MsgpackFormatError(`typed array ext of ${data.length - 1} bytes for ${cls.name}`);
  }
  // Allocates the result: slice() gives a fresh, unshared ArrayBuffer at offset 0, so the view is
  // aligned and owned even when the input is an unaligned view of a SharedArrayBuffer.
  const copy = data.slice(1);
  return kind === KIND_UINT8 ? copy : new cls(copy.buffer);
}

/** Options of a {@link Codec}. */
export interface CodecOptions {
  /** Deepest nesting accepted on encode (the top-level value is depth 1). Default 100. */
  maxDepth?: number;
  /** Initial size of the reused encode buffer in bytes; it grows as needed. Default 2048. */
  initialBufferSize?: number;
}

const DEFAULT_MAX_DEPTH = 100;

/**
 * Encodes and decodes inline ring payloads.
 *
 * Threading: not thread-safe and never shared; use one per thread ({@link threadCodec}). Lifecycle:
 * holds a reused encode buffer (which keeps the largest size it ever grew to) and scratch memory for
 * its whole life; nothing to close.
 */
export class Codec {
  private readonly maxDepth: number;
  private readonly encoder: Encoder;
  private readonly reader: MsgpackReader;

  /** @throws InvalidArgumentError when an option is not a positive integer. */
  constructor(options: CodecOptions = {}) {
    const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    if (!Number.isSafeInteger(maxDepth) || maxDepth < 1) {
      throw new InvalidArgumentError(`codec maxDepth must be a positive integer, got ${maxDepth}`);
    }
    const initialBufferSize = options.initialBufferSize ?? 2048;
    if (!Number.isSafeInteger(initialBufferSize) || initialBufferSize < 1) {
      throw new InvalidArgumentError(
        `codec initialBufferSize must be a positive integer, got ${initialBufferSize}`,
      );
    }
    this.maxDepth = maxDepth;
    const extensionCodec = new WeftExtensions();
    // Defaults kept on purpose: sortKeys and ignoreUndefined cost time; useBigInt64 off makes a
    // stray bigint an error instead of silently changing its type.
    this.encoder = new Encoder({ extensionCodec, maxDepth, initialBufferSize });
    this.reader = new MsgpackReader((type, data) => extensionCodec.decode(data, type));
  }

  /**
   * Encodes into the codec's reused buffer and returns a view of it, without copying. The view is
   * valid only until the next encode on this Codec (either method): copy it (into ring memory)
   * before encoding again.
   * @throws CodecError naming the value that cannot be encoded, with msgpack's error as `cause`.
   */
  encodeShared(value: unknown): Uint8Array {
    try {
      return this.encoder.encodeSharedRef(value);
    } catch (err) {
      throw encodeError(value, err, this.maxDepth);
    }
  }

  /**
   * Encodes into a fresh, owned copy that stays valid forever. Allocates; the ring uses
   * {@link Codec.encodeShared}.
   * @throws CodecError as {@link Codec.encodeShared}.
   */
  encode(value: unknown): Uint8Array {
    // Allocates the copy.
    return this.encodeShared(value).slice();
  }

  /**
   * Decodes one complete value. `bytes` may be a view of a SharedArrayBuffer at any offset; the
   * result never aliases it (strings are new, typed arrays, `bin` and unknown ext data are copied
   * into fresh ArrayBuffers), so the memory behind `bytes` may be overwritten as soon as this returns.
   * @throws CodecError for truncated, trailing or malformed bytes, with the decoder's error as `cause`.
   */
  decode(bytes: Uint8Array): unknown {
    // A Node Buffer's slice() is a view, not a copy: decode from a plain Uint8Array so that every
    // copy made from the decoder's views is real.
    const input =
      bytes.constructor === Uint8Array
        ? bytes
        : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return this.decodeRange(input, 0, input.byteLength);
  }

  /**
   * {@link decode} of `u8[start, end)`, read in place: the ring reader's per-packet path, which
   * makes no view. `u8` must be a plain Uint8Array (not a Buffer).
   */
  decodeRange(u8: Uint8Array, start: number, end: number): unknown {
    try {
      // Allocates the decoded value.
      return this.reader.read(u8, start, end);
    } catch (err) {
      const reason = causeText(err);
      throw new CodecError(`cannot decode a ${end - start}-byte payload: ${reason}`, {
        phase: 'transport',
        cause: err,
      });
    }
  }
}

/** Builds the encode error, naming the offending part of the value (cold path only). */
function encodeError(value: unknown, cause: unknown, maxDepth: number): CodecError {
  const found = findUnencodable(value, '$', 1, maxDepth, []);
  const reason = found ?? causeText(cause);
  return new CodecError(`cannot encode ${reason}`, { phase: 'transport', cause });
}

/** Mirrors the Encoder's rules to find the first value it rejects, as "what at path". */
function findUnencodable(
  value: unknown,
  path: string,
  depth: number,
  maxDepth: number,
  parents: object[],
): string | undefined {
  if (depth > maxDepth) return `a value nested deeper than maxDepth ${maxDepth} at ${path}`;
  switch (typeof value) {
    case 'function':
      return `a function at ${path}`;
    case 'symbol':
      return `a symbol at ${path}`;
    case 'bigint':
      return `a bigint at ${path} (bigints travel only inside BigInt64Array/BigUint64Array)`;
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null || value instanceof FrameRef || value instanceof Date || value instanceof ExtData) {
    return undefined;
  }
  if (ArrayBuffer.isView(value)) {
    try {
      kindOfSlow(value);
      return undefined;
    } catch {
      return `an unsupported ${value.constructor.name} at ${path}`;
    }
  }
  if (
    value instanceof Map ||
    value instanceof Set ||
    value instanceof ArrayBuffer ||
    value instanceof SharedArrayBuffer
  ) {
    return `a ${value.constructor.name} at ${path} (not supported: use an object, an array or a Uint8Array)`;
  }
  if (parents.includes(value)) return `a circular reference at ${path}`;
  parents.push(value);
  try {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const found = findUnencodable(value[i], `${path}[${i}]`, depth + 1, maxDepth, parents);
        if (found !== undefined) return found;
      }
    } else {
      const map = value as Record<string, unknown>;
      for (const key of Object.keys(map)) {
        const found = findUnencodable(map[key], `${path}.${key}`, depth + 1, maxDepth, parents);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  } finally {
    parents.pop();
  }
}

let sharedCodec: Codec | undefined;

/**
 * This thread's Codec, created on first use with default options. Every worker has its own module
 * instance, so each thread gets its own; callers must not hold on to an `encodeShared` view across
 * calls that may encode again on the same thread.
 */
export function threadCodec(): Codec {
  sharedCodec ??= new Codec();
  return sharedCodec;
}
