/**
 * The input boundary of one Push input of a Run: a small main-thread queue in front of the graph's
 * input ring(s), where the overflow policy applies, and a pump that moves queued samples into the
 * ring(s).
 *
 * Why a queue of its own: the ring is single-producer single-consumer and its read side belongs to
 * the consuming actor, so the producer cannot evict anything from it. The policy (wait, drop,
 * replace) is applied here, where this thread owns every pending sample.
 *
 * Fast path: while the queue is empty, nothing is in transfer and the run is not throttled by a full
 * output, a sample goes straight into the ring with a non-blocking write — no promise, no queue
 * entry — and the ring's records are published once per burst (a microtask), not per sample.
 *
 * The rings themselves are `InputRings` (input-rings.ts); how a queued sample is written into them,
 * or dropped and accounted for, is in pending-sample.ts.
 *
 * Threading: the thread that owns the Run; one producer per input (checked: a second push while one
 * waits is a UsageError).
 */
import { CancelledError, UsageError } from '../core/errors.js';
import { SampleQueue } from '../core/sample-queue.js';
import { checkInputTimestamp, Timestamp } from '../core/timestamp.js';
import type { PushLog } from '../telemetry/run-latency.js';
import { isFrameRef, threadCodec } from '../transport/codec.js';
import { encodeInline } from '../transport/inline-payload.js';
import type { RingDescriptor, RingWriter } from '../transport/ring-queue.js';
import { checkFrameRef } from './frame-ref-check.js';
import { heldPromise } from './held-promise.js';
import { InputRings } from './input-rings.js';
import { discard, type PendingSample, pendingOf, releaseUnwritten, tryWrite } from './pending-sample.js';
import { queueSplit } from './queue-split.js';
import type { InputOptions } from './run-options.js';
import type { InputHost, InputStats, PushSample } from './run-types.js';

interface Waiter {
  readonly pending: PendingSample;
  readonly previous: number;
  /** performance.now() at the push call when latency is recorded (the wait is part of it), else 0. */
  readonly pushedAt: number;
  readonly resolve: (ok: boolean) => void;
  readonly reject: (err: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const ACCEPTED = 0;
const REFUSED = 1;
const WAIT = 2;
// Shared settled promises: a push that completes at once allocates nothing.
const TRUE = Promise.resolve(true);
const FALSE = Promise.resolve(false);

/** One Push input. See the module comment. */
export class InputBoundary {
  readonly stats: InputStats = { pushed: 0, dropped: 0, evicted: 0, cancelled: 0 };
  private readonly rings: InputRings;
  // The fast path's ring, read once per push: `rings.single`, kept here to save a load.
  private readonly single: RingWriter | null;
  private readonly queue = new SampleQueue<PendingSample>();
  private readonly depth: number;
  private readonly policy: InputOptions['overflowPolicy'];
  private readonly timeoutMs: number;
  /** Push times for latency; null (one load and a branch per push) unless the run records it. */
  private readonly log: PushLog | null;
  private waiter: Waiter | undefined;
  private last: number = Timestamp.Unset;
  private seq = 0;
  private pumping = false;
  private closeRequested = false;

  constructor(
    readonly name: string,
    rings: readonly RingDescriptor[],
    options: Required<InputOptions>,
    private readonly host: InputHost,
  ) {
    this.policy = options.overflowPolicy;
    const split = queueSplit(options, rings.length);
    this.depth = split.boundary;
    this.rings = new InputRings(rings, split.ring);
    this.single = this.rings.single;
    this.timeoutMs = options.pushTimeoutMs;
    this.log = host.latency === null ? null : host.latency.addInput();
  }

  /** True once `closeInput` was called for this input. */
  get closing(): boolean {
    return this.closeRequested;
  }

  /**
   * Samples the input's first node has not taken: waiting here, and in the ring to that node (the
   * most any of its consumers holds). The node releases ring space lazily, so the one it is
   * processing may still count.
   */
  get queued(): number {
    return this.queue.length + this.rings.held;
  }

  /** See `Run.tryPush`. */
  tryPush(sample: PushSample): boolean {
    return this.offer(sample) === ACCEPTED;
  }

  /** See `Run.push`. */
  push(sample: PushSample): Promise<boolean> {
    let r: number;
    try {
      r = this.offer(sample);
    } catch (err) {
      return Promise.reject(err);
    }
    if (r !== WAIT) return r === ACCEPTED ? TRUE : FALSE;
    const previous = this.last;
    let pending: PendingSample;
    try {
      pending = pendingOf(sample, this.stamp(sample.timestamp), this.seq);
    } catch (err) {
      return Promise.reject(err);
    }
    // The sample is next in line: no other push can overtake it while it waits.
    this.last = pending.timestamp;
    const pushedAt = this.log === null ? 0 : performance.now();
    // The caller awaits this push: the run keeps the process alive until it settles.
    return heldPromise<boolean>(this.host.hold.bind(this.host), (resolve, reject) => {
      const w: Waiter = { pending, previous, pushedAt, resolve, reject, timer: undefined };
      if (this.timeoutMs >= 0) {
        w.timer = setTimeout(() => {
          if (this.waiter !== w) return;
          this.waiter = undefined;
          // Not taken: the caller still owns the sample and may push it again, same timestamp.
          this.last = w.previous;
          resolve(false);
        }, this.timeoutMs);
      }
      this.waiter = w;
    });
  }

  /** Ends this input once every queued sample is in the graph. Idempotent. */
  close(): void {
    this.closeRequested = true;
    if (!this.pumping && this.queue.length === 0 && this.waiter === undefined) this.rings.close();
    else this.kick();
  }

  /** (Re)starts the pump if there is work and the run may feed the graph. */
  kick(): void {
    if (!this.pumping && (this.queue.length > 0 || this.closeRequested)) void this.pump();
  }

  /** Publishes what the fast path wrote. */
  flush(): void {
    if (this.log !== null) this.log.endBurst();
    this.rings.flush();
  }

  /**
   * The run is over or stopping: a waiting push rejects with `err`, queued samples are dropped
   * (reason `cancelled`, frames released) and the rings are closed.
   */
  abandon(err: unknown): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (w !== undefined) {
      clearTimeout(w.timer);
      this.last = w.previous;
      // A stop's CancelledError is no failure to report; the run's error is, once, to this push.
      if (!(err instanceof CancelledError)) this.host.markReported();
      w.reject(err);
    }
    for (const p of this.queue.drain()) discard(this.host, this.name, this.stats, p, 'cancelled');
    this.rings.close();
  }

  private offer(sample: PushSample): number {
    if (this.waiter !== undefined) {
      throw new UsageError(
        `a push to input "${this.name}" is still waiting: one producer per input, await each push`,
        { stream: this.name, phase: 'run' },
      );
    }
    this.host.checkPush(this);
    const value = sample.value;
    if (isFrameRef(value)) checkFrameRef(this.host.frames, value.handle, this.name);
    const single = this.single;
    if (single !== null && this.queue.length === 0 && !this.pumping && !this.host.gated) {
      const ts = this.stamp(sample.timestamp);
      let written: boolean;
      try {
        written =
          typeof value === 'number'
            ? single.tryPushNumber(ts, value)
            : isFrameRef(value)
              ? single.tryPushFrame(ts, value.handle)
              : single.tryPushValue(ts, value);
      } catch (err) {
        throw this.host.translate(err);
      }
      if (written) {
        if (isFrameRef(value)) this.host.frames.handOff(value.handle);
        this.accepted(sample, ts);
        this.host.scheduleFlush();
        return ACCEPTED;
      }
    }
    if (typeof value !== 'number' && !isFrameRef(value)) this.checkPayload(value);
    if (this.queue.length < this.depth) {
      const ts = this.stamp(sample.timestamp);
      this.queue.push(pendingOf(sample, ts, this.seq));
      this.accepted(sample, ts);
      this.kick();
      return ACCEPTED;
    }
    if (this.policy === 'wait') return WAIT;
    const ts = this.stamp(sample.timestamp);
    if (this.policy === 'drop') {
      const dropped = pendingOf(sample, ts, this.seq);
      this.seq++;
      discard(this.host, this.name, this.stats, dropped, 'queue_full', false);
      return REFUSED;
    }
    // replace: the oldest pending sample makes room.
    const oldest = this.queue.shift()!;
    this.queue.push(pendingOf(sample, ts, this.seq));
    this.accepted(sample, ts);
    discard(this.host, this.name, this.stats, oldest, 'evicted');
    return ACCEPTED;
  }

  private accepted(sample: PushSample, ts: number): void {
    this.last = ts;
    this.seq++;
    this.stats.pushed++;
    const log = this.log;
    if (log !== null) log.push(ts);
    if (sample.streamId !== undefined || sample.frameId !== undefined) {
      this.host.noteIds(this.name, ts, sample.streamId, sample.frameId);
    }
  }

  // The run clock, kept strictly above the previous timestamp; or the sample's own, checked.
  private stamp(ts: number | undefined): number {
    if (ts === undefined) {
      const now = this.host.clock();
      return now > this.last ? now : this.last + 1;
    }
    checkInputTimestamp(ts, this.last, this.name);
    return ts;
  }

  // A value that will wait in the queue is encoded now, so that a payload the ring cannot carry
  // fails this push rather than the pump later. Queued samples only, and they pay it twice: the
  // bytes are not kept (keeping them would copy them out of the shared encode buffer instead).
  private checkPayload(value: unknown): void {
    encodeInline(threadCodec(), value, this.rings.maxInline, this.name, 'run');
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    let p: PendingSample | undefined;
    let done = 0;
    let failed = false;
    try {
      const rings = this.rings;
      while (!this.host.gated && !rings.closed && this.queue.length > 0) {
        // Wait for room before taking the sample: while it waits here, eviction can still reach it,
        // so what enters the ring is the freshest sample (replace), not one taken a stage ago.
        const full = rings.withoutRoom();
        if (full !== null) {
          await full.waitRecordRoomAsync();
          continue;
        }
        p = this.queue.shift()!;
        this.admitWaiter();
        const n = rings.writers.length;
        // A frame fanned out to several rings needs one reference per ring.
        if (isFrameRef(p.value) && n > 1) this.host.frames.retain(p.value.handle, n - 1);
        for (done = 0; done < n; done++) {
          const w = rings.writers[done]!;
          if (!tryWrite(w, p)) await w.pushAsync(p.timestamp, p.value);
          if (isFrameRef(p.value)) this.host.frames.handOff(p.value.handle);
        }
        p = undefined;
      }
      // The loop's writes are published lazily, in batches: publish the rest now.
      this.flush();
      if (this.closeRequested && this.queue.length === 0 && this.waiter === undefined) this.rings.close();
    } catch (err) {
      failed = true;
      if (p !== undefined) releaseUnwritten(this.host.frames, p, this.rings.writers.length - done);
      this.host.pumpFailed(err);
    } finally {
      this.pumping = false;
    }
    // Space may have come back, or the gate opened, while the last write was in flight. Not after a
    // failure: a ring its consumer abandoned fails every attempt at once, and a pump started again
    // from here would recurse until the stack overflowed (the run's failure drains the queue).
    if (!failed && !this.rings.closed && this.queue.length > 0 && !this.host.gated) this.kick();
  }

  // A queue slot became free: the waiting push (policy wait) takes it and resolves.
  private admitWaiter(): void {
    const w = this.waiter;
    if (w === undefined) return;
    this.waiter = undefined;
    clearTimeout(w.timer);
    this.queue.push(w.pending);
    this.seq++;
    this.stats.pushed++;
    const p = w.pending;
    if (this.log !== null) this.log.add(p.timestamp, w.pushedAt);
    if (p.hasIds) this.host.noteIds(this.name, p.timestamp, p.streamId, p.frameId);
    w.resolve(true);
  }
}
