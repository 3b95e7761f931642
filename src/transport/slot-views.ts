/**
 * Views of a frame pool's slots, one thread's: the whole slot as a Uint8Array, made on first use
 * and cached, so reading a frame in place allocates at most once per slot on each thread.
 *
 * Threading: one FramePool object's (one thread's); not shared.
 */

/** Cached full-slot views per class and slot. */
export class SlotViews {
  // Each class's array is made dense on first use: a sparse one would fall into V8's slow
  // dictionary elements.
  private readonly views: ((Uint8Array | undefined)[] | undefined)[];

  constructor(
    private readonly data: readonly SharedArrayBuffer[],
    private readonly slotBytes: Int32Array,
    private readonly slotCount: Int32Array,
  ) {
    this.views = data.map(() => undefined);
  }

  /** The whole of slot `slot` of class `c` (`slotBytes` long); the same object on every call. */
  whole(c: number, slot: number): Uint8Array {
    const cache = (this.views[c] ??= new Array<Uint8Array | undefined>(this.slotCount[c]!).fill(undefined));
    let v = cache[slot];
    if (v === undefined) {
      const n = this.slotBytes[c]!;
      v = cache[slot] = new Uint8Array(this.data[c]!, slot * n, n);
    }
    return v;
  }

  /** The first `length` bytes of the slot, as a new view (allocates: off the hot paths). */
  exact(c: number, slot: number, length: number): Uint8Array {
    return new Uint8Array(this.data[c]!, slot * this.slotBytes[c]!, length);
  }
}
