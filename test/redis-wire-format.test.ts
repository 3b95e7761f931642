// The wire format between hosts, without a server: what is written reads back the same, and every
// way an entry can be broken is a typed StreamEntryError saying which.
import { describe, expect, it } from 'vitest';
import { StreamEntryError } from '../src/core/errors.js';
import { FrameRef } from '../src/core/frame-ref.js';
import { redactRedisUrl, scrubSecret } from '../src/redis/redis-url.js';
import { compareEntryIds, decodeEntry, encodeEntry, nextEntryId } from '../src/redis/stream-wire-format.js';
import { Codec } from '../src/transport/codec.js';
import { BAD_ENTRIES, BAD_ENTRY_LIMITS } from './fixtures/redis/bad-entries.js';

const codec = new Codec();

describe('stream wire format', () => {
  it('reads back frames and values as written', () => {
    const bytes = new Uint8Array(48).map((_, i) => i * 5);
    const f = decodeEntry(
      codec,
      encodeEntry(codec, { kind: 'frame', camera: 2, frame: 9, shape: [4, 3, 4] }, bytes),
      BAD_ENTRY_LIMITS,
      's',
    );
    expect(f.header).toMatchObject({ v: 1, kind: 'frame', camera: 2, frame: 9, bytes: 48 });
    expect([...f.bytes!]).toEqual([...bytes]);
    const value = { a: [1, 'two'], f: new Float32Array([0.5, 1.5]), n: null };
    const v = decodeEntry(codec, encodeEntry(codec, { kind: 'value', value }), BAD_ENTRY_LIMITS, 's');
    expect(v.header.value).toEqual(value);
    expect(v.bytes).toBeUndefined();
  });

  it.each(BAD_ENTRIES.map(([name, fields, why]) => [name, fields, why] as const))(
    'refuses an entry with %s',
    (_name, fields, why) => {
      const err = (() => {
        try {
          decodeEntry(
            codec,
            fields.map((f) => Buffer.from(f)),
            BAD_ENTRY_LIMITS,
            'cams',
          );
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(StreamEntryError);
      expect((err as StreamEntryError).code).toBe('ERR_WEFT_STREAM_ENTRY');
      expect((err as StreamEntryError).message).toContain(why);
      expect((err as StreamEntryError).message).toContain('stream "cams"');
    },
  );

  it('refuses to send a frame reference inside a value', () => {
    expect(() => encodeEntry(codec, { kind: 'value', value: { f: new FrameRef(3) } })).toThrow(
      StreamEntryError,
    );
  });

  it('orders and steps entry ids numerically', () => {
    expect(compareEntryIds('10-0', '9-5')).toBe(1);
    expect(compareEntryIds('5-10', '5-9')).toBe(1);
    expect(compareEntryIds('5-1', '5-1')).toBe(0);
    expect(nextEntryId('1700000000000-41')).toBe('1700000000000-42');
  });

  it('redacts passwords from URLs and from text quoting them', () => {
    expect(redactRedisUrl('redis://alice:s3cret@db:6380/2')).toBe('redis://alice:***@db:6380/2');
    expect(redactRedisUrl('rediss://:s3cret@db')).toBe('rediss://:***@db');
    expect(redactRedisUrl('not a url :s3cret@db')).not.toContain('s3cret');
    expect(scrubSecret('failed for redis://u:s3cret@h:1 with s3cret', 'redis://u:s3cret@h:1')).not.toContain(
      's3cret',
    );
  });
});
