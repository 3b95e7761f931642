/**
 * Single-producer single-consumer ring queues over a SharedArrayBuffer.
 *
 * ## Threading contract
 * One producer thread ({@link RingWriter}) and one consumer thread ({@link RingReader}) per ring;
 * they cannot change roles. Any thread may create a ring ({@link createRing}) and pass its
 * descriptor to both ends. Both ends may block (`Atomics.wait`) or wait asynchronously
 * (`Atomics.waitAsync`, for threads whose event loop must turn). The producer closes the ring for
 * end of stream; the consumer drains what is left and then reads `RecordKind.End`. The consumer may
 * abandon the ring (`reader.close()`): the producer's next push throws RingClosedError and a
 * producer blocked on a full ring wakes.
 *
 * ## Memory layout (one SharedArrayBuffer)
 * ```
 * byte 0     WRITE            i32  published write position (bytes, mod 2^32)   producer stores
 * byte 64    READ             i32  published read position                      consumer stores
 * byte 128   FLAGS            i32  bit 0 producer closed, bit 1 consumer closed
 * byte 192   PRODUCER_WAITING i32  1 while the producer sleeps for space
 * byte 256   SPACE_SEQ        i32  bumped by the consumer to wake that producer
 * byte 320   CLOSE_TS         f64  final bound given to close()
 * byte 384   own doorbell     SEQ i32 @384, SLEEPING i32 @448 (unused when a shared doorbell is given)
 * byte 512   data             capacityBytes (power of two), records 8-byte aligned
 * ```
 * Each hot word has its own 64-byte line: producer and consumer never store to one cache line.
 *
 * Record (at an 8-byte aligned offset; a record never straddles the end of the buffer: the tail is
 * marked PAD and the record starts again at offset 0):
 * ```
 * +0  i32  kind (bits 0-3: Packet 1, Bound 2, PAD 15) | payload type << 4 (None 0, Number 1, Frame 2, Value 3)
 * +4  i32  inline byte length (Value)
 * +8  f64  timestamp (a packet's timestamp, or a bound)
 * +16 f64  number or frame handle (Number, Frame)    |  msgpack bytes, padded to 8 (Value)
 * ```
 *
 * ## Why it is fast
 * The producer publishes WRITE once per batch (`publishEvery` records, or a quarter of the ring, or
 * flush/close/before waiting); the consumer hands space back once per batch or when it runs dry. Each
 * side caches the other's index and re-reads it only when the ring looks full (or empty). A sleeping
 * side is woken through a doorbell only when it said it sleeps, so a busy pipeline makes no
 * syscalls. Waits spin adaptively before parking, and not at all when busy threads outnumber cores.
 */
export { InputSet } from './input-set.js';
export {
  createRing,
  EMPTY,
  PayloadType,
  RecordKind,
  type RingDescriptor,
  type RingOptions,
} from './ring-layout.js';
export { RingReader } from './ring-reader.js';
export { RingWriter } from './ring-writer.js';
