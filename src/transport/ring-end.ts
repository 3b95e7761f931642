/**
 * What both ends of a ring hold: typed views over its SharedArrayBuffer, its doorbell, its sizes,
 * and the thread's waiting strategy and codec. See `ring-queue.ts` for the layout.
 *
 * Threading: each end lives on its own thread; the views are per end.
 */
import { type Codec, threadCodec } from './codec.js';
import { Waiter } from './doorbell.js';
import { DATA_OFFSET, type RingDescriptor } from './ring-layout.js';

/** Base of {@link RingWriter} and {@link RingReader}. */
export abstract class RingEnd {
  /** The ring's stream name, for messages. */
  readonly name: string;
  protected readonly ctl: Int32Array;
  protected readonly ctl64: Float64Array;
  protected readonly bell: Int32Array;
  protected readonly bellBase: number;
  protected readonly i32: Int32Array;
  protected readonly f64: Float64Array;
  protected readonly u8: Uint8Array;
  protected readonly cap: number;
  protected readonly mask: number;
  protected readonly publishEvery: number;
  protected readonly waiter: Waiter;
  protected readonly codec: Codec;

  protected constructor(desc: RingDescriptor) {
    this.name = desc.name;
    this.ctl = new Int32Array(desc.sab, 0, DATA_OFFSET / 4);
    this.ctl64 = new Float64Array(desc.sab, 0, DATA_OFFSET / 8);
    this.bell = new Int32Array(desc.doorbell.sab);
    this.bellBase = desc.doorbell.index;
    this.i32 = new Int32Array(desc.sab, DATA_OFFSET, desc.capacityBytes / 4);
    this.f64 = new Float64Array(desc.sab, DATA_OFFSET, desc.capacityBytes / 8);
    this.u8 = new Uint8Array(desc.sab, DATA_OFFSET, desc.capacityBytes);
    this.cap = desc.capacityBytes;
    this.mask = desc.capacityBytes - 1;
    this.publishEvery = desc.publishEvery;
    this.waiter = new Waiter(desc.gauge, desc.maxSpin);
    this.codec = threadCodec();
  }

  /**
   * Whether this end's async waits (`pushAsync`, `popAsync`) keep the thread's event loop alive.
   * True by default; a main thread's background feeder sets it false (see `Waiter.holdsEventLoop`).
   */
  get holdsEventLoop(): boolean {
    return this.waiter.holdsEventLoop;
  }

  set holdsEventLoop(hold: boolean) {
    this.waiter.holdsEventLoop = hold;
  }
}
