/**
 * A msgpack decoder specialised for ring payloads: small values read straight out of
 * SharedArrayBuffer-backed ring memory.
 *
 * Why not `@msgpack/msgpack`'s Decoder: on a 57-byte object it spends most of its time in a generic
 * state machine and in a DataView it builds per call, and it runs at about a third of the speed of
 * this recursive reader, which indexes the bytes directly and converts floats through one reused
 * scratch word. Encoding stays with `@msgpack/msgpack`; this reads everything its Encoder writes.
 *
 * No result aliases the input: strings are new, `bin` is copied, and ext data is handed to the
 * extension callback, which must copy what it keeps.
 *
 * Threading: a reader holds scratch state; one per thread (the codec owns one).
 */

/** Malformed, truncated or unsupported msgpack input. */
export class MsgpackFormatError extends Error {
  override readonly name = 'MsgpackFormatError';
}

/** Decodes an extension value; `data` is a view of the input and must be copied if kept. */
export type ExtDecoder = (type: number, data: Uint8Array) => unknown;

const MAX_DEPTH = 100;
const EMPTY = new Uint8Array(0);
// Above this, strings are copied to plain memory and decoded natively (TextDecoder refuses views of
// shared memory); below it, decoding in JS is faster than the call.
const NATIVE_STRING_MIN = 64;
// Map keys up to this many bytes go through the key cache.
const KEY_MAX = 16;
const KEY_SLOTS = 1024;

/** Recursive msgpack reader. Threading: one per thread. */
export class MsgpackReader {
  private b: Uint8Array = EMPTY;
  private p = 0;
  private end = 0;
  private start = 0;
  private readonly f64 = new Float64Array(1);
  private readonly f64b = new Uint8Array(this.f64.buffer);
  private readonly f32 = new Float32Array(1);
  private readonly f32b = new Uint8Array(this.f32.buffer);
  private readonly text = new TextDecoder('utf-8', { fatal: true });
  private scratch = new Uint8Array(256);
  private readonly keyBytes: (Uint8Array | undefined)[] = new Array(KEY_SLOTS);
  private readonly keyStrings: (string | undefined)[] = new Array(KEY_SLOTS);

  constructor(private readonly ext: ExtDecoder) {}

  /**
   * Decodes exactly one value filling `bytes[start, end)` (a range, so that a ring's payload is read
   * in place, without a view made per packet). Allocates the decoded value.
   */
  read(bytes: Uint8Array, start = 0, end = bytes.length): unknown {
    this.b = bytes;
    this.p = this.start = start;
    this.end = end;
    try {
      const v = this.value(0);
      if (this.p !== this.end) throw new MsgpackFormatError(`${this.end - this.p} trailing bytes`);
      return v;
    } finally {
      this.b = EMPTY; // do not pin ring memory
    }
  }

  private need(n: number): void {
    if (this.p + n > this.end) {
      throw new MsgpackFormatError(
        `truncated: needed ${n} more bytes at offset ${this.p - this.start} of ${this.end - this.start}`,
      );
    }
  }

  private value(depth: number): unknown {
    this.need(1);
    const t = this.b[this.p++]!;
    if (t < 0x80) return t;
    if (t < 0x90) return this.map(t & 0x0f, depth);
    if (t < 0xa0) return this.array(t & 0x0f, depth);
    if (t < 0xc0) return this.str(t & 0x1f);
    if (t >= 0xe0) return t - 0x100;
    switch (t) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.bin(this.uint(1));
      case 0xc5:
        return this.bin(this.uint(2));
      case 0xc6:
        return this.bin(this.uint(4));
      case 0xc7:
        return this.extension(this.uint(1));
      case 0xc8:
        return this.extension(this.uint(2));
      case 0xc9:
        return this.extension(this.uint(4));
      case 0xca:
        return this.float(4);
      case 0xcb:
        return this.float(8);
      case 0xcc:
        return this.uint(1);
      case 0xcd:
        return this.uint(2);
      case 0xce:
        return this.uint(4);
      case 0xcf:
        // Beyond 2^53 the value is rounded, as with @msgpack/msgpack's default.
        return this.uint(4) * 4294967296 + this.uint(4);
      case 0xd0:
        return (this.uint(1) << 24) >> 24;
      case 0xd1:
        return (this.uint(2) << 16) >> 16;
      case 0xd2:
        return this.uint(4) | 0;
      case 0xd3:
        return (this.uint(4) | 0) * 4294967296 + this.uint(4);
      case 0xd4:
        return this.extension(1);
      case 0xd5:
        return this.extension(2);
      case 0xd6:
        return this.extension(4);
      case 0xd7:
        return this.extension(8);
      case 0xd8:
        return this.extension(16);
      case 0xd9:
        return this.str(this.uint(1));
      case 0xda:
        return this.str(this.uint(2));
      case 0xdb:
        return this.str(this.uint(4));
      case 0xdc:
        return this.array(this.uint(2), depth);
      case 0xdd:
        return this.array(this.uint(4), depth);
      case 0xde:
        return this.map(this.uint(2), depth);
      case 0xdf:
        return this.map(this.uint(4), depth);
      default:
        throw new MsgpackFormatError(
          `invalid type byte 0x${t.toString(16)} at offset ${this.p - 1 - this.start}`,
        );
    }
  }

  // Big-endian unsigned integer of 1, 2 or 4 bytes.
  private uint(n: number): number {
    this.need(n);
    const b = this.b;
    const p = this.p;
    this.p = p + n;
    if (n === 1) return b[p]!;
    if (n === 2) return (b[p]! << 8) | b[p + 1]!;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  private float(n: 4 | 8): number {
    this.need(n);
    const out = n === 8 ? this.f64b : this.f32b;
    // msgpack is big-endian; every platform Node runs on is little-endian.
    for (let i = 0; i < n; i++) out[n - 1 - i] = this.b[this.p + i]!;
    this.p += n;
    return n === 8 ? this.f64[0]! : this.f32[0]!;
  }

  private array(n: number, depth: number): unknown[] {
    if (depth >= MAX_DEPTH) throw new MsgpackFormatError(`nested deeper than ${MAX_DEPTH}`);
    // Allocates the array (the decoded value itself).
    const a = new Array<unknown>(n);
    for (let i = 0; i < n; i++) a[i] = this.value(depth + 1);
    return a;
  }

  private map(n: number, depth: number): Record<string, unknown> {
    if (depth >= MAX_DEPTH) throw new MsgpackFormatError(`nested deeper than ${MAX_DEPTH}`);
    // Allocates the object (the decoded value itself).
    const o: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const lead = this.p < this.end ? this.b[this.p]! : 0;
      const key = lead >= 0xa0 && lead < 0xa0 + KEY_MAX ? this.key(lead & 0x1f) : this.value(depth + 1);
      if (typeof key !== 'string' && typeof key !== 'number') {
        throw new MsgpackFormatError(
          `map key of type ${key === null ? 'null' : typeof key} is not supported`,
        );
      }
      if (key === '__proto__') throw new MsgpackFormatError('the map key "__proto__" is not allowed');
      o[key] = this.value(depth + 1);
    }
    return o;
  }

  // Map keys repeat in every payload of a stream. Returning the very same string for the same bytes
  // lets V8 find the property through its hidden-class transitions, instead of internalizing a
  // freshly built string on every store (which made decoding ~2x slower).
  private key(n: number): string {
    this.p++;
    this.need(n);
    const b = this.b;
    const start = this.p;
    let h = n;
    for (let i = start; i < start + n; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    const slot = (h >>> 0) & (KEY_SLOTS - 1);
    const cached = this.keyBytes[slot];
    if (cached !== undefined && cached.length === n) {
      let same = true;
      for (let i = 0; i < n; i++) {
        if (cached[i] !== b[start + i]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.p += n;
        return this.keyStrings[slot]!;
      }
    }
    const s = this.str(n);
    // Allocates only on a cache miss: an owned copy of the key bytes.
    this.keyBytes[slot] = b.slice(start, start + n);
    this.keyStrings[slot] = s;
    return s;
  }

  private str(n: number): string {
    this.need(n);
    const b = this.b;
    const start = this.p;
    this.p += n;
    if (n >= NATIVE_STRING_MIN) {
      if (this.scratch.length < n) this.scratch = new Uint8Array(Math.max(n, this.scratch.length * 2));
      this.scratch.set(b.subarray(start, start + n));
      try {
        return this.text.decode(this.scratch.subarray(0, n));
      } catch (err) {
        throw new MsgpackFormatError(`invalid UTF-8 in a ${n}-byte string`, { cause: err });
      }
    }
    let s = '';
    for (let i = start; i < start + n; ) {
      const c = b[i++]!;
      if (c < 0x80) {
        s += String.fromCharCode(c);
        continue;
      }
      // Multi-byte sequence: decode the code point by its lead byte.
      let cp: number;
      let extra: number;
      if ((c & 0xe0) === 0xc0) {
        cp = c & 0x1f;
        extra = 1;
      } else if ((c & 0xf0) === 0xe0) {
        cp = c & 0x0f;
        extra = 2;
      } else if ((c & 0xf8) === 0xf0) {
        cp = c & 0x07;
        extra = 3;
      } else {
        throw new MsgpackFormatError(`invalid UTF-8 lead byte 0x${c.toString(16)}`);
      }
      if (i + extra > start + n) throw new MsgpackFormatError('truncated UTF-8 sequence');
      for (let k = 0; k < extra; k++) {
        const cc = b[i++]!;
        if ((cc & 0xc0) !== 0x80) throw new MsgpackFormatError('invalid UTF-8 continuation byte');
        cp = (cp << 6) | (cc & 0x3f);
      }
      s += String.fromCodePoint(cp);
    }
    return s;
  }

  private bin(n: number): Uint8Array {
    this.need(n);
    // Allocates an owned copy: a view would alias ring memory.
    const out = this.b.slice(this.p, this.p + n);
    this.p += n;
    return out;
  }

  private extension(n: number): unknown {
    this.need(n + 1);
    const type = (this.b[this.p++]! << 24) >> 24;
    const data = this.b.subarray(this.p, this.p + n);
    this.p += n;
    return this.ext(type, data);
  }
}
