/**
 * What the calculator contract knows of frames: a reference to a frame in the shared pool, and the
 * opaque description of a pool that another thread attaches. The pool itself (slots, reference
 * counts, the descriptor's layout) is the transport's: core stays free of it, so the contract, the
 * engine and validation depend on nothing below them.
 *
 * Threading: plain immutable data, any thread; a FrameRef crosses threads through the codec.
 */

/**
 * A reference to a frame in the shared frame pool: wraps the numeric handle so the codec can tell it
 * from a number. Nothing here validates the handle; the frame pool does when it is resolved.
 *
 * Threading: immutable, any thread. Between threads it travels as its handle (weft's codec in a
 * ring, a pool function's reply); structured cloning makes it a plain object, no FrameRef.
 * Lifecycle: it counts no reference itself: the pool's reference belongs to whoever holds the
 * handle, and emitting a FrameRef (`ctx.output(…).add`, a pool function's result) hands it over.
 */
export class FrameRef {
  constructor(readonly handle: number) {}
}

/**
 * True for a {@link FrameRef}. Use this rather than `instanceof` on a value that may be a
 * primitive: V8 sends `instanceof` with a primitive on the left down a slow generic path (~80 ns a
 * test, measured), which the per-packet paths cannot afford. Any thread.
 */
export function isFrameRef(v: unknown): v is FrameRef {
  return typeof v === 'object' && v instanceof FrameRef;
}

/**
 * A frame pool's descriptor as the contract sees it: structured-cloneable plain data that
 * `FramePool.attach` turns into a pool on another thread (its SharedArrayBuffers are shared, not
 * copied). The transport's `FramePoolDescriptor` is the full shape; `attach` checks it at run time.
 * Any thread.
 */
export interface FramePoolDescriptorBase {
  readonly kind: 'weft.frame-pool';
  /** The pool's name, for messages. */
  readonly name: string;
}
