import { decode, Encoder } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { MsgpackFormatError, MsgpackReader } from '../src/transport/msgpack-reader.js';
import { below, prng } from './fixtures/prng.js';

const noExt = (type: number) => {
  throw new Error(`unexpected ext ${type}`);
};

// Random values covering every msgpack type the encoder emits, including each integer width.
function randomValue(rand: () => number, depth: number): unknown {
  const pick = below(rand, depth > 3 ? 8 : 10);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2: {
      const widths = [127, 255, 65535, 2 ** 32 - 1, 2 ** 53 - 1];
      const n = Math.floor(rand() * widths[below(rand, widths.length)]!);
      return rand() < 0.5 ? n : -n;
    }
    case 3:
      return (rand() - 0.5) * 10 ** below(rand, 30);
    case 4:
    case 5: {
      const pools = ['abc', 'é漢字', '😀🚀', 'x'];
      let s = '';
      for (let i = below(rand, rand() < 0.2 ? 300 : 20); i > 0; i--) {
        const pool = pools[below(rand, pools.length)]!;
        s += [...pool][below(rand, [...pool].length)];
      }
      return s;
    }
    case 6:
      return Uint8Array.from({ length: below(rand, 40) }, () => below(rand, 256));
    case 7:
      return Math.fround(rand());
    case 8:
      return Array.from({ length: below(rand, 6) }, () => randomValue(rand, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = below(rand, 6); i > 0; i--)
        o[`k${below(rand, 30)}${rand() < 0.1 ? 'ü' : ''}`] = randomValue(rand, depth + 1);
      return o;
    }
  }
}

describe('MsgpackReader', () => {
  it('decodes 5000 random values exactly as @msgpack/msgpack does, from shared memory', () => {
    const rand = prng(2024);
    const enc = new Encoder();
    const reader = new MsgpackReader(noExt);
    const sab = new Uint8Array(new SharedArrayBuffer(1 << 20));
    for (let i = 0; i < 5000; i++) {
      const bytes = enc.encode(randomValue(rand, 0));
      const at = 1 + below(rand, 64);
      sab.set(bytes, at);
      const view = sab.subarray(at, at + bytes.length);
      const ours = reader.read(view);
      expect(ours).toEqual(decode(bytes));
      sab.fill(0xff, at, at + bytes.length);
      expect(ours).toEqual(decode(bytes));
    }
  });

  it('keeps keys apart that share a length and a cache slot', () => {
    const enc = new Encoder();
    const reader = new MsgpackReader(noExt);
    const keys = Array.from({ length: 3000 }, (_, i) => `key${String(i).padStart(5, '0')}`);
    for (let round = 0; round < 2; round++) {
      for (const k of keys) expect(reader.read(enc.encode({ [k]: 1 }))).toEqual({ [k]: 1 });
    }
  });

  it.each([
    ['truncated value', [0xcb, 0, 0]],
    ['truncated string', [0xa5, 0x61]],
    ['invalid type byte', [0xc1]],
    ['trailing bytes', [0x01, 0x02]],
    ['invalid UTF-8', [0xa2, 0xff, 0xfe]],
    ['non-string map key', [0x81, 0xc0, 0x01]],
    ['__proto__ key', [0x81, 0xa9, ...new TextEncoder().encode('__proto__'), 0x01]],
  ])('rejects %s with MsgpackFormatError', (_what, bytes) => {
    expect(() => new MsgpackReader(noExt).read(Uint8Array.from(bytes))).toThrow(MsgpackFormatError);
  });
});
