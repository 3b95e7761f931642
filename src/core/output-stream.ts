/**
 * One output stream of a node as the calculator writes it: monotonic checks, its timestamp bound,
 * and what the sink has been told.
 *
 * The bound is the lowest timestamp the next packet may carry. A packet at T raises it to
 * `nextAllowedInStream(T)` and travels to the sink at once, carrying that bound in-band. Raises
 * without a packet (`setNextTimestampBound`, the node's timestamp offset) stay pending until the
 * engine calls {@link OutputStream.flush} (after each `run()` and before awaiting an async call), so
 * a burst of raises reaches the sink as one bound; a raise overtaken by a later packet is never
 * sent. A bound of Done is sent as a close.
 *
 * Choices where MediaPipe leaves room:
 * - `setNextTimestampBound(b)` below the current bound is ignored (the offset may already have
 *   raised it further), except at or below a packet already sent, which is a TimestampOrderError:
 *   that call shows the calculator lost track of its own stream.
 * - As in MediaPipe, a bound set with `setNextTimestampBound` stays tentative until its call ends
 *   ({@link OutputStream.settle}; an async call's first await sends it, which also makes it final):
 *   a packet added later in the same call may lie below it (at or above the bound the sink knows,
 *   or the offset's) and drops it (`OutputStreamShard::AddPacketInternal`). A bound of Done is
 *   final at once.
 * - `setNextTimestampBound` on a closed stream is ignored; `add` on it is a StreamClosedError, also
 *   when the stream is done because the timestamp offset carried the inputs' Done bound to it.
 * - Writing outside `open` / `process` / `close` (e.g. from a timer after `process` returned) is an
 *   InvalidArgumentError: packets must be emitted inside the call, awaiting any promise.
 * - `addFrame` takes the reference even when it throws: it releases the frame before throwing.
 *
 * Threading: owned by one node engine on one thread; not thread-safe.
 */

import type { FrameAccess, OutputPort } from './calculator.js';
import type { EngineContext } from './calculator-context.js';
import {
  causeText,
  InvalidArgumentError,
  InvalidTimestampError,
  StreamClosedError,
  TimestampOrderError,
  WeftError,
  type WeftErrorClass,
} from './errors.js';
import { type FrameRef, isFrameRef } from './frame-ref.js';
import type { OutputSink } from './node-engine.js';
import { formatTimestamp, isAllowedInStream, isBound, nextAllowedInStream, Timestamp } from './timestamp.js';

/** A node's output stream. */
export class OutputStream implements OutputPort {
  private bound: number = Timestamp.PreStream;
  // The lowest timestamp a packet may carry now: `bound` without the tentative setNextTimestampBound
  // raises of the current call (see the module comment).
  private floor: number = Timestamp.PreStream;
  // The bound the sink knows: last packet + 1, or the last bound sent.
  private sent: number = Timestamp.PreStream;
  private lastPacket: number = Timestamp.Unset;
  private closed = false;

  constructor(
    private readonly index: number,
    private readonly stream: string,
    private readonly ctx: EngineContext,
    private readonly sink: OutputSink,
    private readonly frames: FrameAccess,
  ) {}

  get nextTimestampBound(): number {
    return this.closed ? Timestamp.Done : this.bound;
  }

  /** True once closed (explicitly, by the engine, or by a Done bound sent). */
  get isClosed(): boolean {
    return this.closed;
  }

  add(value: unknown, timestamp: number): void {
    if (isFrameRef(value)) {
      this.addFrame(value.handle, timestamp, value);
      return;
    }
    if (this.resent(timestamp)) return;
    this.check(timestamp);
    this.emit(timestamp, value, -1);
  }

  addFrame(handle: number, timestamp: number, ref?: FrameRef): void {
    try {
      // A handle that is not a live frame of this pool fails here, naming this node and stream,
      // not later in whichever thread reads it (one shared load while it is live; throws
      // FrameStaleError or FrameForeignError).
      this.checkLive(handle);
      if (this.resent(timestamp)) {
        this.releaseQuietly(handle);
        return;
      }
      this.check(timestamp);
    } catch (err) {
      this.releaseQuietly(handle);
      throw err;
    }
    // No FrameRef is made here: the ring sink sends the handle alone (a sink that shows the packet
    // as a value, the CalculatorRunner's recording, makes one itself).
    this.emit(timestamp, ref, handle);
  }

  setNextTimestampBound(bound: number): void {
    this.checkInCall();
    // As MediaPipe's OutputStreamShard: a stream's timestamps and OneOverPostStream; Done is close()'s.
    if (!isBound(bound) || bound > Timestamp.OneOverPostStream) {
      throw new InvalidTimestampError(
        `timestamp bound ${String(bound)} is not a safe integer in [PreStream, OneOverPostStream]` +
          (bound === Timestamp.Done ? ': close() the output to end it' : ''),
        this.where(),
      );
    }
    if (this.closed) return;
    if (bound <= this.lastPacket) {
      throw new TimestampOrderError(
        `cannot set the next timestamp bound to ${formatTimestamp(bound)}: a packet at ` +
          `${formatTimestamp(this.lastPacket)} was already sent (bounds never go down)`,
        this.where(),
      );
    }
    if (bound > this.bound) this.bound = bound;
    if (bound === Timestamp.Done) this.floor = bound;
  }

  close(): void {
    this.checkInCall();
    this.end();
  }

  /**
   * For a fresh calculator instance that takes over a restarted node: the stream goes on from
   * `bound`, the bound its predecessor left downstream (Done: it had ended the stream), so what the
   * new instance sends stays monotonic. Before the first call only.
   */
  resumeFrom(bound: number): void {
    if (bound >= Timestamp.Done) {
      this.closed = true;
      return;
    }
    if (bound <= this.bound) return;
    this.bound = this.sent = this.floor = bound;
    this.resumedAt = bound;
  }

  // The predecessor's bound (see resumeFrom): what is sent below it is dropped; Unset: none.
  private resumedAt: number = Timestamp.Unset;

  /** Raises the bound without a packet (timestamp offset). No effect on a closed stream. */
  raise(bound: number): void {
    if (bound > this.bound) this.bound = bound;
    if (bound > this.floor) this.floor = bound;
  }

  /**
   * The call that set a tentative bound ended: later calls may not add below it, whether or not it
   * was sent yet (a turn sends its bounds once, after all its calls).
   */
  settle(): void {
    if (this.bound > this.floor) this.floor = this.bound;
  }

  /** Tells the sink about a pending bound raise, if any (a Done bound as a close). */
  flush(): void {
    if (this.bound > this.floor) this.floor = this.bound;
    if (this.closed || this.bound <= this.sent) return;
    if (this.bound === Timestamp.Done) {
      this.end();
      return;
    }
    this.sent = this.bound;
    this.sink.bound(this.index, this.bound);
  }

  /** Closes the stream if it is not closed yet; the sink hears of it once. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink.close(this.index);
  }

  // A restarted node sending what its predecessor sent already (see resumeFrom): dropped. Its open
  // sends a header again; a set retried under at-least-once delivery sends again what its failed
  // call had sent before failing. Below the predecessor's bound nothing else can come: each output
  // is delivered once.
  private resent(t: number): boolean {
    return t < this.resumedAt;
  }

  private emit(timestamp: number, value: unknown, frame: number): void {
    this.lastPacket = timestamp;
    this.bound = this.sent = this.floor = nextAllowedInStream(timestamp);
    this.sink.packet(this.index, timestamp, value, frame);
  }

  private check(t: number): void {
    this.checkInCall();
    if (this.closed || this.floor === Timestamp.Done) {
      const why = this.closed
        ? ''
        : ": its bound is Done (timestampOffset carried the inputs' end to it;" +
          ' declare timestampOffset: null to emit in close)';
      throw new StreamClosedError(
        `packet at ${formatTimestamp(t)} sent to a closed stream${why}`,
        this.where(),
      );
    }
    if (!isAllowedInStream(t)) {
      throw new InvalidTimestampError(
        `packet timestamp ${String(t)} is not allowed in a stream ` +
          '(a safe integer in [PreStream, PostStream])',
        this.where(),
      );
    }
    if (t < this.floor) {
      const last =
        this.lastPacket === Timestamp.Unset ? '' : `; last packet at ${formatTimestamp(this.lastPacket)}`;
      const raised =
        this.floor > nextAllowedInStream(this.lastPacket) || this.lastPacket === Timestamp.Unset
          ? '; the bound was raised by setNextTimestampBound or by the timestamp offset'
          : '';
      throw new TimestampOrderError(
        `packet timestamp mismatch: minimum allowed timestamp is ${formatTimestamp(this.floor)} ` +
          `but received ${formatTimestamp(t)}${last}${raised}`,
        this.where(),
      );
    }
    if (t === Timestamp.PostStream && this.lastPacket !== Timestamp.Unset) {
      throw new TimestampOrderError(
        'a PostStream packet must be the only packet of its stream',
        this.where(),
      );
    }
  }

  private checkInCall(): void {
    if (this.ctx.phase !== null) return;
    throw new InvalidArgumentError(
      'output used outside open/process/close: emit inside the call (await any promise before returning)',
      this.where(),
    );
  }

  private where(): { node: string; stream: string; phase?: 'open' | 'process' | 'close' } {
    const phase = this.ctx.phase;
    return phase === null
      ? { node: this.ctx.node, stream: this.stream }
      : { node: this.ctx.node, stream: this.stream, phase };
  }

  private checkLive(handle: number): void {
    if (this.frames.isValid(handle)) return;
    try {
      // Not live: byteLength throws the error that says why (stale, foreign).
      this.frames.byteLength(handle);
    } catch (err) {
      if (!(err instanceof WeftError)) throw err;
      const Cls = err.constructor as WeftErrorClass;
      throw new Cls(`addFrame(${handle}): ${causeText(err)}`, { ...this.where(), cause: err });
    }
  }

  private releaseQuietly(handle: number): void {
    try {
      this.frames.release(handle);
    } catch {
      // A handle that cannot be released is the calculator's error; the one being thrown says more.
    }
  }
}
