/**
 * Shared-memory layout, free-list primitives, option checks and error messages of the frame pool.
 *
 * Kept apart from `frame-pool.ts` so that the class there reads as the algorithm only. Every
 * offset here is an index into the metadata `Int32Array`; both the creating thread and every
 * attaching thread derive the same offsets from the descriptor's class list, so the layout itself
 * never travels.
 *
 * Handle (a JS safe integer, < 2^48):
 * | bits  | field      | why                                                                   |
 * |-------|------------|-----------------------------------------------------------------------|
 * | 0-15  | slot       | index in its class                                                    |
 * | 16-19 | class      | size class, 0..15                                                     |
 * | 20-31 | pool id    | 12 bits, random start: another pool's handle is FrameForeignError     |
 * | 32-47 | generation | slot generation at alloc: any use after the free is FrameStaleError   |
 *
 * Metadata buffer (Int32 words; every block starts on its own 64-byte line):
 * | block           | words          | contents                                                  |
 * |-----------------|----------------|-----------------------------------------------------------|
 * | header          | 16             | magic, layout version, pool id, class count               |
 * | class c control | 32 (2 lines)   | line 0: free-list head `tag << 16 \| index`, releaseSeq,  |
 * |                 |                | waiters; line 1: inUse, highWater, allocations,           |
 * |                 |                | exhaustedWaits, failures                                  |
 * | class c state   | slots (padded) | `generation << 16 \| refcount` per slot                   |
 * | class c next    | slots (padded) | Treiber-stack links (0xffff = end of list)                |
 * | class c length  | slots (padded) | byteLength asked for at alloc                             |
 * Data: one SharedArrayBuffer per class, `slotBytes * slots` bytes, slot s at `s * slotBytes`.
 *
 * Algorithms: a slot's generation check and refcount change are a single compareExchange on its
 * state word, and the last release bumps the generation in that same step, so no thread can
 * retain a slot that was freed and reused in between. Each class keeps its free slots on a
 * lock-free Treiber stack whose head carries a 16-bit tag bumped on every push and pop against
 * ABA. No lock exists, so none is ever held across a wait. An alloc that finds its class empty
 * registers in `waiters`, re-checks, and sleeps on `releaseSeq`; release bumps `releaseSeq` and
 * notifies only when someone waits (an actor batches those notifies: `release-wakes.ts`), so the
 * uncontended path makes no syscall. Memory never grows.
 *
 * Threading: pure functions and constants, any thread.
 *
 * Limits: 16-bit generations and tags wrap. A stale handle kept across exactly a multiple of 65536
 * reuses of its slot, or a pop stalled across a multiple of 65536 operations on its class that
 * leaves the same head index, is not detected; both need a thread stalled for a very long time
 * relative to the pool's traffic. Pool ids are 12 bits: pools made by one thread differ (a counter
 * from a random start) until 4096 of them exist; pools made by different threads collide with
 * probability 1/4096, and a handle passed to the wrong one of two colliding pools is then checked
 * only by class, slot and generation. Slots have no owner: references held by a thread that dies
 * (or is terminated) stay counted until the thread that made the pool with an owner ledger calls
 * `reclaimOthers()` once the other threads are gone (`frame-ledger.ts`). A thread terminated inside alloc() leaves `waiters` raised, which only costs
 * every later release of that class a notify call.
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { FramePoolDescriptorBase } from '../core/frame-ref.js';

/** One size class: `slots` slots of `slotBytes` bytes each. Plain data, structured-cloneable; any thread. */
export interface SizeClassConfig {
  /** Bytes per slot; rounded up to a multiple of 64, at most 2^30. */
  slotBytes: number;
  /** Number of slots, 1..65535 (index 0xffff marks the empty free list). */
  slots: number;
}

/** Options of {@link FramePool.create}. Plain data, structured-cloneable; any thread. */
export interface FramePoolOptions {
  /** 1..16 size classes, any order (sorted by slotBytes internally); slotBytes must differ. */
  classes: SizeClassConfig[];
  /** Shown in error messages and diagnostics. */
  name?: string;
}

/**
 * Everything another thread needs to attach to a pool: plain data plus SharedArrayBuffers, so it
 * survives `structuredClone`/`postMessage` and shares (not copies) the memory. Treat as opaque.
 */
export interface FramePoolDescriptor extends FramePoolDescriptorBase {
  readonly kind: 'weft.frame-pool';
  readonly version: number;
  readonly name: string;
  /** 12-bit id stamped into every handle of this pool. */
  readonly poolId: number;
  /** Normalized classes, sorted by slotBytes ascending. */
  readonly classes: readonly Readonly<SizeClassConfig>[];
  /** State words, free lists, wake words and stats. */
  readonly meta: SharedArrayBuffer;
  /** One buffer per class, `slotBytes * slots` bytes. */
  readonly data: readonly SharedArrayBuffer[];
}

/**
 * Per-class counters, read by {@link FramePool.stats}. A snapshot of the shared counters. Plain
 * data; any thread.
 */
export interface SizeClassStats {
  slotBytes: number;
  slots: number;
  /** Live frames now. */
  inUse: number;
  /** `slots - inUse`. */
  free: number;
  /** Most frames ever live at once. */
  highWater: number;
  /** Successful allocations since create. */
  allocations: number;
  /** `alloc`/`allocAsync` calls that found the class empty and had to wait. */
  exhaustedWaits: number;
  /** `tryAlloc` calls that returned NO_FRAME plus waits that timed out. */
  failures: number;
}

/** Bumped whenever the metadata layout changes; attach() refuses a descriptor of another version. */
export const LAYOUT_VERSION = 1;
/** The class index has 4 bits in a handle. */
export const MAX_CLASSES = 16;
/** The free-list index 0xffff means "empty", so a class has at most 65535 slots. */
export const MAX_SLOTS = 0xffff;
/** Free-list index of "no slot": the end of a list, or an empty head. */
export const EMPTY = 0xffff;
/** Slots start on cache-line boundaries, so two frames never share a line. */
export const SLOT_ALIGN = 64;
/** Per-slot byte lengths are stored in Int32 words. */
export const MAX_SLOT_BYTES = 2 ** 30;
/** 2^32: the generation sits above the low 32 bits of a handle. */
export const GEN_UNIT = 4294967296;

/** 16 Int32 words = one 64-byte cache line. */
const LINE = 16;
const MAGIC = 0x57465450; // 'WFTP'

/** Header words (line 0), checked by attach() against the descriptor. */
export const H_MAGIC = 0;
/** See {@link H_MAGIC}. */
export const H_VERSION = 1;
/** See {@link H_MAGIC}. */
export const H_POOL_ID = 2;
/** See {@link H_MAGIC}. */
export const H_CLASSES = 3;
const HEADER_WORDS = LINE;

// Per-class control block, two lines. Line 0 is what alloc/release contend on (free-list head and
// the wake words), line 1 the counters; no two classes share a line, so threads working different
// classes never bounce each other's cache lines.
/** Free-list head, `tag << 16 | index`; offsets below are relative to a class's control block. */
export const C_HEAD = 0;
/** Bumped on every free; allocators that found the class empty sleep on it. */
export const C_RELEASE_SEQ = 1;
/** Allocators currently waiting: release calls notify only when this is non-zero. */
export const C_WAITERS = 2;
/** Live frames (stats line). */
export const C_IN_USE = LINE;
/** Most frames live at once. */
export const C_HIGH_WATER = LINE + 1;
/** Successful allocations. */
export const C_ALLOCATIONS = LINE + 2;
/** Allocations that had to wait. */
export const C_EXHAUSTED_WAITS = LINE + 3;
/** NO_FRAME results and timed-out waits. */
export const C_FAILURES = LINE + 4;
const CTRL_WORDS = 2 * LINE;

/** Where one class's words live in the metadata buffer (Int32 indices). */
export interface ClassLayout {
  slotBytes: number;
  slots: number;
  ctrl: number;
  state: number;
  next: number;
  length: number;
}

function lineUp(words: number): number {
  return Math.ceil(words / LINE) * LINE;
}

/** Offsets of every class's words; identical on every thread for the same class list. */
export function computeLayout(classes: readonly Readonly<SizeClassConfig>[]): {
  classes: ClassLayout[];
  metaWords: number;
} {
  let at = HEADER_WORDS + classes.length * CTRL_WORDS;
  const out = classes.map((c, i) => {
    const state = at;
    const next = lineUp(state + c.slots);
    const length = lineUp(next + c.slots);
    at = lineUp(length + c.slots);
    return {
      slotBytes: c.slotBytes,
      slots: c.slots,
      ctrl: HEADER_WORDS + i * CTRL_WORDS,
      state,
      next,
      length,
    };
  });
  return { classes: out, metaWords: at };
}

/** Writes the header and threads every slot of every class onto its free list (slot 0 on top). */
export function initMeta(meta: Int32Array, poolId: number, layout: ClassLayout[]): void {
  meta[H_MAGIC] = MAGIC;
  meta[H_VERSION] = LAYOUT_VERSION;
  meta[H_POOL_ID] = poolId;
  meta[H_CLASSES] = layout.length;
  for (const c of layout) {
    for (let s = 0; s < c.slots; s++) meta[c.next + s] = s + 1 < c.slots ? s + 1 : EMPTY;
    meta[c.ctrl + C_HEAD] = 0; // tag 0, index 0
  }
}

function invalid(message: string): Error {
  return new InvalidArgumentError(message, { phase: 'config' });
}

/** Checks options, rounds slotBytes up to 64 and sorts classes ascending. */
export function normalizeOptions(options: FramePoolOptions): {
  name: string | undefined;
  classes: SizeClassConfig[];
} {
  if (typeof options !== 'object' || options === null) throw invalid('frame pool options must be an object');
  const { classes, name } = options;
  if (name !== undefined && typeof name !== 'string') throw invalid('frame pool name must be a string');
  const label = `frame pool "${name ?? '(unnamed)'}"`;
  if (!Array.isArray(classes) || classes.length < 1 || classes.length > MAX_CLASSES) {
    throw invalid(`${label}: classes must be an array of 1..${MAX_CLASSES} size classes`);
  }
  const out = classes.map((c: unknown, i) => {
    const { slotBytes, slots } = (typeof c === 'object' && c !== null ? c : {}) as Partial<SizeClassConfig>;
    if (typeof slotBytes !== 'number' || !Number.isInteger(slotBytes) || slotBytes <= 0) {
      throw invalid(`${label}: class ${i}: slotBytes must be a positive integer, got ${String(slotBytes)}`);
    }
    if (slotBytes > MAX_SLOT_BYTES) {
      throw invalid(`${label}: class ${i}: slotBytes ${slotBytes} exceeds ${MAX_SLOT_BYTES}`);
    }
    if (typeof slots !== 'number' || !Number.isInteger(slots) || slots < 1 || slots > MAX_SLOTS) {
      throw invalid(
        `${label}: class ${i}: slots must be an integer in 1..${MAX_SLOTS}, got ${String(slots)}`,
      );
    }
    return { slotBytes: Math.ceil(slotBytes / SLOT_ALIGN) * SLOT_ALIGN, slots };
  });
  out.sort((a, b) => a.slotBytes - b.slotBytes);
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.slotBytes === out[i - 1]!.slotBytes) {
      throw invalid(`${label}: two classes have slotBytes ${out[i]!.slotBytes} after rounding up to 64`);
    }
  }
  return { name, classes: out };
}

/** Checks that a descriptor is one this version made and that its buffers match its classes. */
export function checkDescriptor(d: FramePoolDescriptor): ClassLayout[] {
  const bad = (why: string): Error => invalid(`cannot attach frame pool: ${why}`);
  if (typeof d !== 'object' || d === null || d.kind !== 'weft.frame-pool')
    throw bad('not a frame pool descriptor');
  if (d.version !== LAYOUT_VERSION) throw bad(`layout version ${String(d.version)} is not ${LAYOUT_VERSION}`);
  if (!Array.isArray(d.classes) || !Array.isArray(d.data) || d.classes.length !== d.data.length) {
    throw bad('classes and data buffers do not match');
  }
  const layout = computeLayout(d.classes);
  if (!(d.meta instanceof SharedArrayBuffer) || d.meta.byteLength !== layout.metaWords * 4) {
    throw bad('metadata buffer has the wrong size');
  }
  const meta = new Int32Array(d.meta, 0, LINE);
  if (meta[H_MAGIC] !== MAGIC || meta[H_POOL_ID] !== d.poolId || meta[H_CLASSES] !== d.classes.length) {
    throw bad('metadata header does not match the descriptor');
  }
  d.data.forEach((b, i) => {
    const c = layout.classes[i]!;
    if (!(b instanceof SharedArrayBuffer) || b.byteLength !== c.slotBytes * c.slots) {
      throw bad(`data buffer ${i} has the wrong size`);
    }
  });
  return layout.classes;
}

/** `handle 0x… (class c, slot s, generation g)`, or the raw value when it is not a handle shape. */
export function describeHandle(h: number): string {
  if (!Number.isSafeInteger(h) || h < 0) return `handle ${String(h)}`;
  const low = h >>> 0;
  const gen = Math.floor(h / GEN_UNIT);
  return (
    `handle 0x${h.toString(16)} (pool id ${low >>> 20}, class ${(low >>> 16) & 0xf}, ` +
    `slot ${low & 0xffff}, generation ${gen})`
  );
}

/**
 * Treiber-stack pop on a tagged head word `tag << 16 | index`; returns the slot or EMPTY. The tag is
 * bumped on every pop and push so that a head that went A -> B -> A meanwhile fails the exchange.
 */
export function popSlot(m: Int32Array, head: number, next: number): number {
  for (;;) {
    const h = Atomics.load(m, head);
    const slot = h & 0xffff;
    if (slot === EMPTY) return EMPTY;
    // The link may be stale if the slot was popped and pushed back meanwhile; the tag then
    // differs and the exchange fails.
    const link = Atomics.load(m, next + slot);
    if (Atomics.compareExchange(m, head, h, ((((h >>> 16) + 1) & 0xffff) << 16) | link) === h) return slot;
  }
}

/** Treiber-stack push of a slot the caller owns exclusively. */
export function pushSlot(m: Int32Array, head: number, next: number, slot: number): void {
  for (;;) {
    const h = Atomics.load(m, head);
    Atomics.store(m, next + slot, h & 0xffff);
    if (Atomics.compareExchange(m, head, h, ((((h >>> 16) + 1) & 0xffff) << 16) | slot) === h) return;
  }
}

/** Checks options and allocates the zeroed buffers of a new pool, every slot on its free list. */
export function allocatePool(
  options: FramePoolOptions,
  poolId: number,
): { descriptor: FramePoolDescriptor; layout: ClassLayout[] } {
  const { name, classes } = normalizeOptions(options);
  const layout = computeLayout(classes);
  let meta: SharedArrayBuffer;
  let data: SharedArrayBuffer[];
  try {
    meta = new SharedArrayBuffer(layout.metaWords * 4);
    data = classes.map((c) => new SharedArrayBuffer(c.slotBytes * c.slots));
  } catch (err) {
    throw new InvalidArgumentError(`frame pool "${name ?? '(unnamed)'}": cannot allocate its memory`, {
      phase: 'config',
      cause: err,
    });
  }
  initMeta(new Int32Array(meta), poolId, layout.classes);
  const descriptor: FramePoolDescriptor = Object.freeze({
    kind: 'weft.frame-pool',
    version: LAYOUT_VERSION,
    name: name ?? `frame-pool-${poolId.toString(16)}`,
    poolId,
    classes: Object.freeze(classes.map((c) => Object.freeze({ ...c }))),
    meta,
    data: Object.freeze(data),
  });
  return { descriptor, layout: layout.classes };
}

// Error builders: only reached when throwing, so the hot path builds no strings.

/** Reads every class's counters (a snapshot, not atomic across words). */
export function readClassStats(
  meta: Int32Array,
  ctrl: Int32Array,
  slotBytes: Int32Array,
  slotCount: Int32Array,
): SizeClassStats[] {
  const out: SizeClassStats[] = [];
  for (let c = 0; c < ctrl.length; c++) {
    const b = ctrl[c]!;
    const slots = slotCount[c]!;
    const inUse = Atomics.load(meta, b + C_IN_USE);
    out.push({
      slotBytes: slotBytes[c]!,
      slots,
      inUse,
      free: slots - inUse,
      highWater: Atomics.load(meta, b + C_HIGH_WATER),
      allocations: Atomics.load(meta, b + C_ALLOCATIONS) >>> 0,
      exhaustedWaits: Atomics.load(meta, b + C_EXHAUSTED_WAITS) >>> 0,
      failures: Atomics.load(meta, b + C_FAILURES) >>> 0,
    });
  }
  return out;
}

/**
 * The class of `h` if it is a well-formed handle of pool `poolId`, whose classes have `slotCount`
 * slots each; else -1. Any thread; no allocation.
 */
export function locateHandle(h: number, poolId: number, slotCount: Int32Array): number {
  if (!Number.isSafeInteger(h) || h < 0 || h >= 0x1000000000000) return -1;
  const low = h >>> 0;
  if (low >>> 20 !== poolId) return -1;
  const c = (low >>> 16) & 0xf;
  if (c >= slotCount.length || (low & 0xffff) >= slotCount[c]!) return -1;
  return c;
}

/** Raises the high-water word `m[at]` to `now` unless another thread raised it higher. */
export function raiseHighWater(m: Int32Array, at: number, now: number): void {
  let high = Atomics.load(m, at);
  while (now > high) {
    const seen = Atomics.compareExchange(m, at, high, now);
    if (seen === high) return;
    high = seen;
  }
}
