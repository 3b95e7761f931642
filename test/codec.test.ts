import { ExtData, encode as msgpackEncode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { CodecError, InvalidArgumentError } from '../src/core/errors.js';
import { Codec, EXT_FRAME, EXT_TYPED_ARRAY, FrameRef, threadCodec } from '../src/transport/codec.js';

type TypedArray =
  | Uint8Array
  | Int8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** Copies `bytes` into a SharedArrayBuffer at an odd offset, as ring memory would hold them. */
function inRing(bytes: Uint8Array, offset = 13): { sab: SharedArrayBuffer; view: Uint8Array } {
  const sab = new SharedArrayBuffer(offset + bytes.length + 7);
  const view = new Uint8Array(sab, offset, bytes.length);
  view.set(bytes);
  return { sab, view };
}

/** Overwrites the whole ring memory, as the next records would. */
function scribble(sab: SharedArrayBuffer): void {
  new Uint8Array(sab).fill(0xa5);
}

const typedArrays: [string, () => TypedArray][] = [
  ['Uint8Array', () => new Uint8Array([0, 1, 127, 128, 255])],
  ['Int8Array', () => new Int8Array([-128, -1, 0, 1, 127])],
  ['Uint8ClampedArray', () => new Uint8ClampedArray([0, 12, 255])],
  ['Int16Array', () => new Int16Array([-32768, -1, 0, 32767])],
  ['Uint16Array', () => new Uint16Array([0, 1, 65535])],
  ['Int32Array', () => new Int32Array([-2147483648, -1, 0, 2147483647])],
  ['Uint32Array', () => new Uint32Array([0, 1, 4294967295])],
  ['Float32Array', () => new Float32Array([1.5, -2.25, Number.NaN, Number.POSITIVE_INFINITY, -0])],
  ['Float64Array', () => new Float64Array([Math.PI, -1e308, Number.MIN_VALUE, Number.NaN])],
  ['BigInt64Array', () => new BigInt64Array([-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n])],
  ['BigUint64Array', () => new BigUint64Array([0n, 1n, 2n ** 64n - 1n])],
];

describe('Codec typed arrays', () => {
  it.each(typedArrays)('round-trips %s as an owned copy of the same class', (_name, make) => {
    const codec = new Codec();
    const input = make();
    const out = codec.decode(codec.encode(input)) as TypedArray;
    expect(out.constructor).toBe(input.constructor);
    expect(out).toEqual(input);
    expect(out.buffer).not.toBe(input.buffer);
    expect(out.buffer).toBeInstanceOf(ArrayBuffer);
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(input.byteLength);
  });

  it.each(typedArrays)(
    'decodes %s from an unaligned SharedArrayBuffer view without aliasing it',
    (_n, make) => {
      const codec = new Codec();
      const input = make();
      const { sab, view } = inRing(codec.encode({ data: input }), 3);
      const out = (codec.decode(view) as { data: TypedArray }).data;
      expect(out.buffer).not.toBe(sab);
      expect(out.buffer).toBeInstanceOf(ArrayBuffer);
      scribble(sab);
      expect(out).toEqual(input);
    },
  );

  it('encodes a view into the middle of a larger buffer, only its own bytes', () => {
    const codec = new Codec();
    const whole = new Float64Array([1, 2, 3, 4, 5]);
    const out = codec.decode(codec.encode(whole.subarray(1, 3))) as Float64Array;
    expect(out).toEqual(new Float64Array([2, 3]));
    expect(out.buffer.byteLength).toBe(16);
  });

  it('decodes a Node Buffer as a Uint8Array and a DataView as its bytes', () => {
    const codec = new Codec();
    const buf = Buffer.from('hello');
    const out = codec.decode(
      codec.encode({ buf, dv: new DataView(new Uint8Array([9, 8, 7]).buffer, 1) }),
    ) as {
      buf: Uint8Array;
      dv: Uint8Array;
    };
    expect(out.buf.constructor).toBe(Uint8Array);
    expect(Buffer.from(out.buf).toString()).toBe('hello');
    expect(out.dv).toEqual(new Uint8Array([8, 7]));
  });

  it('round-trips empty and large typed arrays, several in one value', () => {
    const codec = new Codec();
    const big = new Float32Array(100_000).map((_, i) => i / 7);
    const value = {
      empty: new Int16Array(0),
      big,
      small: new Uint16Array([1, 2, 3]),
      again: big.subarray(5, 9),
    };
    const out = codec.decode(codec.encode(value)) as typeof value;
    expect(out.empty).toEqual(new Int16Array(0));
    // Compared as bytes: a deep equality over 100k elements is slow.
    expect(out.big).toBeInstanceOf(Float32Array);
    expect(Buffer.compare(Buffer.from(out.big.buffer), Buffer.from(big.buffer))).toBe(0);
    expect(out.small).toEqual(new Uint16Array([1, 2, 3]));
    expect(out.again).toEqual(big.subarray(5, 9));
    // The codec stays correct after a payload larger than its kept scratch.
    expect(codec.decode(codec.encode(new Int32Array([7, 8])))).toEqual(new Int32Array([7, 8]));
  });

  it('uses EXT_TYPED_ARRAY with a kind tag and raw bytes, never msgpack bin', () => {
    const bytes = new Codec().encode(new Uint8Array([1, 2, 3]));
    // fixext 4 (d6), type 2, kind 1 (Uint8Array), then the three bytes.
    expect([...bytes]).toEqual([0xd6, EXT_TYPED_ARRAY, 1, 1, 2, 3]);
  });
});

describe('Codec values', () => {
  it('round-trips the detection example with a frame, boxes and metadata', () => {
    const codec = new Codec();
    const boxes = new Float32Array([1.5, 2, 3, 4]);
    const value = { frame: new FrameRef(123456789012), boxes, meta: { camera: 'c1' } };
    const out = codec.decode(codec.encode(value)) as typeof value;
    expect(out.frame).toBeInstanceOf(FrameRef);
    expect(out.frame.handle).toBe(123456789012);
    expect(out.boxes).toBeInstanceOf(Float32Array);
    expect(out.boxes).toEqual(boxes);
    expect(out.boxes.buffer).not.toBe(boxes.buffer);
    expect(out.meta).toEqual({ camera: 'c1' });
  });

  it('encodes a FrameRef as fixext 8 holding a big-endian float64, exact up to 2^53', () => {
    const codec = new Codec();
    const bytes = codec.encode(new FrameRef(1));
    expect([...bytes]).toEqual([0xd7, EXT_FRAME, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
    for (const handle of [0, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, 2 ** 53]) {
      expect((codec.decode(codec.encode([new FrameRef(handle)])) as FrameRef[])[0]?.handle).toBe(handle);
    }
  });

  it('maps ordinary values as msgpack does', () => {
    const codec = new Codec();
    const value = {
      n: 42,
      neg: -7,
      f: 0.1,
      big: 2 ** 40,
      s: 'héllo ✓',
      t: true,
      nil: null,
      arr: [1, 'two', [3], {}],
      date: new Date(1_700_000_000_123),
    };
    expect(codec.decode(codec.encode(value))).toEqual(value);
    expect(codec.decode(codec.encode({ u: undefined }))).toEqual({ u: null });
    expect(codec.decode(codec.encode(undefined))).toBeNull();
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    const p = codec.decode(codec.encode(new Point(1, 2)));
    expect(p).toEqual({ x: 1, y: 2 });
    expect(Object.getPrototypeOf(p)).toBe(Object.prototype);
  });

  it('decodes from a SharedArrayBuffer view at an offset; overwriting it leaves the value intact', () => {
    const codec = new Codec();
    const long = 'ünïcode and a string long enough for the TextDecoder path '.repeat(8);
    const value = {
      short: 'c12',
      long,
      nested: { deep: { list: [1, 2.5, 'x', { y: [true, null] }] } },
      frames: [new FrameRef(7), new FrameRef(2 ** 50)],
      pixels: new Uint8Array([1, 2, 3, 4]),
      scores: new Float64Array([0.25, 0.5]),
    };
    const { sab, view } = inRing(codec.encode(value), 29);
    const out = codec.decode(view) as typeof value;
    scribble(sab);
    expect(out.short).toBe('c12');
    expect(out.long).toBe(long);
    expect(out.nested).toEqual({ deep: { list: [1, 2.5, 'x', { y: [true, null] }] } });
    expect(out.frames.map((f) => f.handle)).toEqual([7, 2 ** 50]);
    expect(out.pixels).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(out.scores).toEqual(new Float64Array([0.25, 0.5]));
  });

  it('decodeRange reads one value in place within a larger buffer; its errors give offsets in the range', () => {
    const codec = new Codec();
    const bytes = codec.encode({ a: [1, 'two'], b: 3.5 });
    const sab = new SharedArrayBuffer(bytes.length + 40);
    const u8 = new Uint8Array(sab);
    u8.fill(0xc1); // never valid msgpack: a read outside the range would fail
    u8.set(bytes, 17);
    const out = codec.decodeRange(u8, 17, 17 + bytes.length);
    scribble(sab);
    expect(out).toEqual({ a: [1, 'two'], b: 3.5 });
    // Cut short by 2 bytes: truncated at an offset counted from the range's start.
    u8.set(bytes, 17);
    expect(() => codec.decodeRange(u8, 17, 17 + bytes.length - 2)).toThrow(CodecError);
    expect(() => codec.decodeRange(u8, 17, 17 + bytes.length - 2)).toThrow(
      new RegExp(`of ${bytes.length - 2}\\b`),
    );
  });

  it('copies foreign msgpack bin instead of returning a view of the input', () => {
    const codec = new Codec();
    const foreign = msgpackEncode({ a: new Uint8Array([1, 2, 3]), list: [new Uint8Array([4]), 5] });
    expect(foreign.includes(0xc4)).toBe(true);
    const { sab, view } = inRing(foreign, 5);
    const out = codec.decode(view) as { a: Uint8Array; list: [Uint8Array, number] };
    expect(out.a.buffer).not.toBe(sab);
    expect(out.list[0].buffer).not.toBe(sab);
    scribble(sab);
    expect(out).toEqual({ a: new Uint8Array([1, 2, 3]), list: [new Uint8Array([4]), 5] });
    const top = codec.decode(inRing(msgpackEncode(new Uint8Array([6, 7]))).view) as Uint8Array;
    expect(top.buffer).toBeInstanceOf(ArrayBuffer);
    expect(top).toEqual(new Uint8Array([6, 7]));
  });

  it('keeps an unknown ext type as ExtData owning its bytes', () => {
    const codec = new Codec();
    const bytes = codec.encode(new ExtData(42, new Uint8Array([1, 2, 3])));
    const { sab, view } = inRing(bytes);
    const out = codec.decode(view) as ExtData;
    scribble(sab);
    expect(out).toBeInstanceOf(ExtData);
    expect(out.type).toBe(42);
    expect(out.data).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('decodes from a Node Buffer without aliasing it (Buffer.slice is a view)', () => {
    const codec = new Codec();
    const buf = Buffer.from(codec.encode({ bytes: new Uint8Array([1, 2]), f: new Float32Array([3]) }));
    const out = codec.decode(buf) as { bytes: Uint8Array; f: Float32Array };
    buf.fill(0);
    expect(out.bytes).toEqual(new Uint8Array([1, 2]));
    expect(out.f).toEqual(new Float32Array([3]));
  });
});

describe('Codec buffers and instances', () => {
  it('encodeShared returns a view the next encode overwrites; encode returns a stable copy', () => {
    const codec = new Codec();
    const shared = codec.encodeShared({ camera: 'c1' });
    const before = Uint8Array.from(shared);
    const owned = codec.encode({ camera: 'c1' });
    codec.encodeShared({ camera: 'c2' });
    expect(shared).not.toEqual(before);
    expect(codec.decode(shared)).toEqual({ camera: 'c2' });
    codec.encodeShared({ other: [1, 2, 3] });
    expect(codec.decode(owned)).toEqual({ camera: 'c1' });
  });

  it('threadCodec returns the same instance on repeated calls', () => {
    expect(threadCodec()).toBeInstanceOf(Codec);
    expect(threadCodec()).toBe(threadCodec());
  });

  it('rejects invalid options', () => {
    expect(() => new Codec({ maxDepth: 0 })).toThrow(InvalidArgumentError);
    expect(() => new Codec({ initialBufferSize: 1.5 })).toThrow(InvalidArgumentError);
  });

  it('grows past a tiny initial buffer', () => {
    const codec = new Codec({ initialBufferSize: 1 });
    const value = { s: 'x'.repeat(5000), a: new Float64Array(300).fill(1.25) };
    expect(codec.decode(codec.encode(value))).toEqual(value);
  });
});

describe('Codec errors', () => {
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = { back: circular };
  let deep: unknown = 'leaf';
  for (let i = 0; i < 5; i++) deep = [deep];

  const codec = new Codec({ maxDepth: 4 });
  const valid = new Codec().encode({ camera: 'c1', box: [1, 2, 3, 4] });

  const encodeCases: [string, unknown, string][] = [
    ['a function', { meta: { cb: () => 1 } }, 'function at $.meta.cb'],
    ['a symbol', [1, Symbol('s')], 'symbol at $[1]'],
    ['a bigint', { n: 1n }, 'bigint at $.n'],
    ['a circular object', circular, 'circular reference at $.self.back'],
    ['too deep nesting', deep, 'deeper than maxDepth 4'],
    ['a Map', { m: new Map([[1, 2]]) }, 'Map at $.m'],
    ['a Set', new Set([1]), 'Set at $'],
    ['a bare ArrayBuffer', { b: new ArrayBuffer(4) }, 'ArrayBuffer at $.b'],
  ];
  it.each(encodeCases)('encoding %s throws CodecError naming it', (_name, value, naming) => {
    for (const encode of [(v: unknown) => codec.encode(v), (v: unknown) => codec.encodeShared(v)]) {
      const err = catchError(() => encode(value));
      expect(err).toBeInstanceOf(CodecError);
      expect(err).toMatchObject({ code: 'ERR_WEFT_CODEC', phase: 'transport' });
      expect((err as Error).message).toContain(naming);
      expect((err as Error).cause).toBeInstanceOf(Error);
    }
    // The codec is still usable after a failed encode.
    expect(codec.decode(codec.encode({ ok: [1] }))).toEqual({ ok: [1] });
  });

  const decodeCases: [string, Uint8Array][] = [
    ['truncated bytes', valid.subarray(0, valid.length - 3)],
    ['empty input', new Uint8Array(0)],
    ['trailing bytes', Uint8Array.of(...valid, 0x01)],
    ['an invalid type byte', Uint8Array.of(0xc1)],
    ['a typed array ext with kind 0', Uint8Array.of(0xd5, EXT_TYPED_ARRAY, 0, 1)],
    ['a typed array ext with an unknown kind', Uint8Array.of(0xd5, EXT_TYPED_ARRAY, 99, 1)],
    ['a typed array ext with a partial element', Uint8Array.of(0xd6, EXT_TYPED_ARRAY, 8, 1, 2, 3)],
    ['a frame ext of the wrong size', Uint8Array.of(0xd6, EXT_FRAME, 0, 0, 0, 1)],
    ['an ext longer than the input', Uint8Array.of(0xc7, 200, EXT_TYPED_ARRAY, 1, 2)],
    ['a non-string map key', Uint8Array.of(0x81, 0x80, 0x01)],
  ];
  it.each(decodeCases)('decoding %s throws CodecError with a cause', (_name, bytes) => {
    const err = catchError(() => codec.decode(inRing(bytes).view));
    expect(err).toBeInstanceOf(CodecError);
    expect(err).toMatchObject({ code: 'ERR_WEFT_CODEC', phase: 'transport' });
    expect((err as Error).message).toContain('cannot decode');
    expect((err as Error).cause).toBeInstanceOf(Error);
    // The decoder is reset by the next call.
    expect(codec.decode(valid)).toEqual({ camera: 'c1', box: [1, 2, 3, 4] });
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
