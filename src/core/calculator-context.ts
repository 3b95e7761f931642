/**
 * The calculator context as the node engine implements it: one object per engine, reused for every
 * `open`, `process` and `close` call, with one reused {@link PacketSlot} per input per batch row
 * (the rows live in {@link InputSets}).
 *
 * Port lookups (`input('TAG', i)`, `output(i)`) go through a {@link PortIndex}: one Map read and one
 * array read, no allocation. Errors for ports a node does not have list the ones it has.
 *
 * Threading: owned by one engine on one thread; not thread-safe.
 */
import type {
  CalculatorContext,
  CalculatorContract,
  FrameAccess,
  InputPacket,
  OutputPort,
  PortDecls,
  PortKind,
} from './calculator.js';
import { portDecl } from './calculator.js';
import {
  causeText,
  InvalidArgumentError,
  UnknownPortError,
  WeftError,
  type WeftErrorClass,
} from './errors.js';
import type { ResolvedNode, ResolvedPort } from './graph-config.js';
import type { InputStreamHandler } from './input-stream-handlers.js';
import type { OutputSink } from './node-engine.js';
import type { OutputStream } from './output-stream.js';
import { Timestamp } from './timestamp.js';

/** A lifecycle call in progress, or null between calls. */
export type CallPhase = 'open' | 'process' | 'close' | null;

/** A reused input packet: the engine rewrites its fields before every call. */
export class PacketSlot implements InputPacket {
  isEmpty = true;
  value: unknown = undefined;
  timestamp: number = Timestamp.Unset;
  frame = -1;

  /** Makes the slot an empty packet at `timestamp` (a stream's bound − 1). */
  setEmpty(timestamp: number): void {
    this.isEmpty = true;
    this.value = undefined;
    this.timestamp = timestamp;
    this.frame = -1;
  }
}

/**
 * The input sets handed to `process`: `batchSize` rows of one slot per input. Rows in
 * [done, filled) were taken from the queues and wait for `process`; the Default handler's
 * `batchSize` gathers a full batch first (or flushes a partial one once the inputs are done).
 * Threading: one engine's thread. No allocation after construction.
 */
export class InputSets {
  readonly slots: PacketSlot[];
  readonly timestamps: Float64Array;
  filled = 0;
  done = 0;
  /** Process the rows gathered so far even though the batch is not full (inputs are done). */
  flushing = false;

  constructor(
    readonly inputs: number,
    readonly batchSize: number,
    private readonly frames: FrameAccess | null,
  ) {
    this.slots = Array.from({ length: batchSize * inputs }, () => new PacketSlot());
    this.timestamps = new Float64Array(batchSize);
  }

  /** True when a gathered set should be processed now. */
  get due(): boolean {
    return this.filled > this.done && (this.filled === this.batchSize || this.flushing);
  }

  /** True when gathered sets wait for `process`. */
  get waiting(): boolean {
    return this.filled > this.done;
  }

  /** Takes the set the handler just found ready into the next row. */
  gather(handler: InputStreamHandler): void {
    const row = this.filled++;
    this.timestamps[row] = handler.timestamp;
    handler.fill(this.slots, row * this.inputs);
  }

  /**
   * Drops the engine's references to the frames of the row just processed and moves on. A release
   * that throws means the calculator released a frame it never retained; the error propagates.
   */
  finishRow(): void {
    const base = this.done * this.inputs;
    let first: unknown;
    for (let i = 0; i < this.inputs; i++) {
      const slot = this.slots[base + i]!;
      const frame = slot.frame;
      slot.value = undefined;
      slot.frame = -1;
      // The row's other frames are released even when one release throws: none leaks.
      if (frame >= 0) {
        const err = releaseCaught(this.frames!, frame);
        first ??= err;
      }
    }
    if (++this.done === this.filled) this.done = this.filled = 0;
    if (first !== undefined) throw first;
  }

  /**
   * Drops every gathered set, releasing its frames; returns the first release that threw (a frame
   * the calculator released itself), after releasing all the others: one bad handle leaks no frame.
   */
  clear(): unknown {
    let first: unknown;
    for (let k = this.done * this.inputs; k < this.filled * this.inputs; k++) {
      const slot = this.slots[k]!;
      const frame = slot.frame;
      slot.setEmpty(slot.timestamp);
      if (frame >= 0 && this.frames !== null) {
        const err = releaseCaught(this.frames, frame);
        first ??= err;
      }
    }
    this.done = this.filled = 0;
    return first;
  }
}

/** `TAG:index` for messages; `:index` for untagged ports. */
export function portId(tag: string, index: number): string {
  return `${tag}:${index}`;
}

/**
 * Positions of a node's ports by tag and index (ports are in `ResolvedNode` order).
 * Threading: immutable after construction, any thread.
 */
export class PortIndex {
  private readonly byTag = new Map<string, number[]>();
  private readonly counts = new Map<string, number>();

  constructor(readonly ports: readonly ResolvedPort[]) {
    ports.forEach((p, position) => {
      let list = this.byTag.get(p.tag);
      if (list === undefined) this.byTag.set(p.tag, (list = []));
      list[p.index] = position;
      this.counts.set(p.tag, (this.counts.get(p.tag) ?? 0) + 1);
    });
    this.untagged = this.byTag.get('') ?? [];
    this.untaggedCount = this.counts.get('') ?? 0;
    this.tags = [...this.counts.keys()].sort();
  }

  /** The wired tags, sorted (`''` first). */
  readonly tags: readonly string[];

  private readonly untagged: readonly number[];
  private readonly untaggedCount: number;

  /** Position of `tag`/`index` (a number alone is an untagged index), or -1. No allocation. */
  find(tag: string | number, index = 0): number {
    // Untagged ports are the common case on the per-packet path: skip the map lookup for them.
    const p =
      typeof tag === 'number'
        ? this.untagged[tag]
        : tag === ''
          ? this.untagged[index]
          : this.byTag.get(tag)?.[index];
    return p === undefined ? -1 : p;
  }

  /** Number of ports wired to `tag`. */
  count(tag: string): number {
    return tag === '' ? this.untaggedCount : (this.counts.get(tag) ?? 0);
  }

  /** The wired ports, for error messages (allocates). */
  describe(): string {
    return this.ports.length === 0 ? 'none' : this.ports.map((p) => portId(p.tag, p.index)).join(', ');
  }
}

/**
 * The one {@link CalculatorContext} of an engine. Fields the engine rewrites between calls
 * (`inputTimestamp`, `phase`, `base`) are plain properties; calculators see them read-only.
 * Threading: the engine's thread only.
 */
export class EngineContext implements CalculatorContext<Record<string, unknown>> {
  readonly node: string;
  readonly options: Record<string, unknown>;
  readonly frames: FrameAccess;
  inputTimestamp: number = Timestamp.Unstarted;
  /** The call in progress; outputs refuse to be written between calls. */
  phase: CallPhase = null;
  /** First slot of the input set being processed: batch row × input count. */
  base = 0;
  /** Input side packets in `node.inputSidePackets` order. */
  sidePackets: readonly unknown[] = [];
  /** True during a wake call. */
  woken = false;
  /** Set by the engine: hands out its waker. */
  wakerSource: () => () => void = () => {
    throw new InvalidArgumentError('this context has no engine to wake', { node: this.node });
  };

  private readonly inputIndex: PortIndex;
  private readonly outputIndex: PortIndex;
  private readonly sideIn: PortIndex;
  private readonly sideOut: PortIndex;
  private readonly sideOutSet: boolean[];

  constructor(
    node: ResolvedNode,
    private readonly contract: CalculatorContract<Record<string, unknown>>,
    private readonly slots: readonly PacketSlot[],
    private readonly outputs: readonly OutputStream[],
    private readonly sink: OutputSink,
    frames: FrameAccess | null,
  ) {
    this.node = node.name;
    this.options = node.options as Record<string, unknown>;
    this.frames = frames ?? noFrames(node.name);
    this.inputIndex = new PortIndex(node.inputs);
    this.outputIndex = new PortIndex(node.outputs);
    this.sideIn = new PortIndex(node.inputSidePackets);
    this.sideOut = new PortIndex(node.outputSidePackets);
    this.sideOutSet = node.outputSidePackets.map(() => false);
  }

  input(tag: string | number, index?: number): InputPacket {
    const i = this.inputIndex.find(tag, index);
    if (i < 0) throw this.unknown('input stream', this.inputIndex, tag, index);
    return this.slots[this.base + i]!;
  }

  waker(): () => void {
    return this.wakerSource();
  }

  inputCount(tag: string): number {
    return this.inputIndex.count(tag);
  }

  output(tag: string | number, index?: number): OutputPort {
    const i = this.outputIndex.find(tag, index);
    if (i < 0) throw this.unknown('output stream', this.outputIndex, tag, index);
    return this.outputs[i]!;
  }

  outputCount(tag: string): number {
    return this.outputIndex.count(tag);
  }

  sidePacketCount(tag: string): number {
    return this.sideIn.count(tag);
  }

  outputSidePacketCount(tag: string): number {
    return this.sideOut.count(tag);
  }

  tags(kind: PortKind): readonly string[] {
    const ports =
      kind === 'inputs'
        ? this.inputIndex
        : kind === 'outputs'
          ? this.outputIndex
          : kind === 'inputSidePackets'
            ? this.sideIn
            : this.sideOut;
    return ports.tags;
  }

  sidePacket<T = unknown>(tag: string | number, index?: number): T {
    const i = this.sideIn.find(tag, index);
    if (i >= 0) return this.sidePackets[i] as T;
    // Declared but not wired is an absent optional side packet; undeclared is a typo.
    if (this.declared(this.contract.inputSidePackets, tag)) return undefined as T;
    throw this.unknown('input side packet', this.sideIn, tag, index);
  }

  setSidePacket(tag: string | number, value: unknown, index?: number): void {
    const i = this.sideOut.find(tag, index);
    if (i < 0) {
      // An optional output side packet nobody wired: the calculator cannot tell, so drop the value.
      if (this.declared(this.contract.outputSidePackets, tag)) return;
      throw this.unknown('output side packet', this.sideOut, tag, index);
    }
    if (this.sideOutSet[i]) {
      throw new InvalidArgumentError(`output side packet ${this.name(tag, index)} was already set`, {
        node: this.node,
        stream: this.sideOut.ports[i]!.name,
        phase: this.phase ?? undefined,
      });
    }
    try {
      this.sink.sidePacket(i, value);
    } catch (err) {
      if (!(err instanceof WeftError)) throw err;
      const Cls = err.constructor as WeftErrorClass;
      throw new Cls(`output side packet ${this.name(tag, index)}: ${causeText(err)}`, {
        node: this.node,
        stream: this.sideOut.ports[i]!.name,
        phase: this.phase ?? undefined,
        cause: err,
      });
    }
    this.sideOutSet[i] = true;
  }

  private declared(decls: Readonly<Record<string, unknown>> | undefined, tag: string | number): boolean {
    return portDecl(decls as PortDecls | undefined, typeof tag === 'number' ? '' : tag) !== undefined;
  }

  private name(tag: string | number, index: number | undefined): string {
    return typeof tag === 'number' ? portId('', tag) : portId(tag, index ?? 0);
  }

  private unknown(what: string, ports: PortIndex, tag: string | number, index?: number): Error {
    const hint = what.endsWith('stream') ? '; check inputCount/outputCount for optional ports' : '';
    return new UnknownPortError(
      `${what} ${this.name(tag, index)} is not wired on this node (wired: ${ports.describe()})${hint}`,
      { node: this.node, phase: this.phase ?? undefined },
    );
  }
}

/** Frame access for an engine built without a pool: every use explains what is missing. */
function noFrames(node: string): FrameAccess {
  const fail = (): never => {
    throw new InvalidArgumentError('this node has no frame pool (the engine was created without one)', {
      node,
    });
  };
  return {
    alloc: fail,
    tryAlloc: fail,
    allocAsync: fail,
    bytes: fail,
    byteLength: fail,
    // No pool, no live frame; then byteLength says why.
    isValid: () => false,
    retain: fail,
    release: fail,
    get descriptor(): never {
      return fail();
    },
  };
}

/** Releases `frame`, returning what the release threw instead of throwing it. */
export function releaseCaught(frames: { release(handle: number): void }, frame: number): unknown {
  try {
    frames.release(frame);
    return undefined;
  } catch (err) {
    return err;
  }
}
