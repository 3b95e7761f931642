/**
 * Encoding a value for a ring record, with the checks every writer of inline payloads needs: a
 * value the codec refuses is a CodecError naming the stream, one larger than the ring's inline limit
 * a PayloadTooLargeError. Shared by RingWriter and the Run's input boundary (which checks a value
 * when it queues it, so a bad payload fails that push rather than the pump later).
 *
 * Threading: any thread; uses the codec given (each thread has its own).
 */
import { CodecError, causeText, PayloadTooLargeError, type Phase } from '../core/errors.js';
import type { Codec } from './codec.js';

/** The value's msgpack bytes (a view of the codec's shared buffer, valid until its next encode). */
export function encodeInline(
  codec: Codec,
  value: unknown,
  maxInline: number,
  stream: string,
  phase: Phase,
): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = codec.encodeShared(value);
  } catch (err) {
    // Re-thrown with the stream named: the codec does not know which ring it encodes for.
    const why = causeText(err);
    throw new CodecError(`cannot push value: ${why}`, { stream, phase, cause: err });
  }
  if (bytes.length > maxInline) {
    throw new PayloadTooLargeError(
      `inline payload of ${bytes.length} bytes exceeds maxInlineBytes ${maxInline}; put large data in a frame`,
      { stream, phase },
    );
  }
  return bytes;
}
