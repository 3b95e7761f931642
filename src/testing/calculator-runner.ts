/**
 * The calculator runner: runs one calculator on the calling thread with timestamped inputs, no
 * graph and no workers — the way to unit-test a calculator.
 *
 * ```ts
 * const r = new CalculatorRunner(PassThroughCalculator, { inputs: { '': 1 }, outputs: { '': 1 } });
 * await r.open();
 * r.addPacket(':0', 10, 'a').addPacket(':0', 20, 'b');
 * await r.run();
 * r.outputs(':0'); // [{ timestamp: 10, value: 'a' }, { timestamp: 20, value: 'b' }]
 * await r.close();
 * ```
 *
 * The runner wires the node the way graph validation would (same checks, same defaults: handler
 * from the contract else Default, `timestampOffset` 0 when undeclared) and drives the same
 * {@link NodeEngine} a worker actor drives, so what passes here behaves the same in a graph.
 *
 * Port ids: `'TAG'` (index 0), `'TAG:i'`, `':i'` for untagged streams (`''` is `':0'`). Results are
 * keyed by the canonical form: `'TAG'` for index 0, `'TAG:i'` above, `':i'` untagged.
 *
 * Frames: pass a FramePool as `frames`, or one is created on first use (small; allocation fails at
 * once rather than wait, as nothing else could free a frame). Frame packets the calculator emits are
 * copied into `bytes` of the recorded packet and released at once, so nothing stays referenced.
 *
 * Threading: one thread (the caller's); not thread-safe. Lifecycle: construct → open → add/run* →
 * close; each runner runs one calculator instance once.
 */

import type { Calculator, CalculatorDefinition } from '../core/calculator.js';
import { PortIndex } from '../core/calculator-context.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { ResolvedNode } from '../core/graph-config.js';
import type { InputStreamHandlerConfig } from '../core/input-stream-handler-config.js';
import { type EngineState, NodeEngine } from '../core/node-engine.js';
import { FrameRef, isFrameRef } from '../transport/codec.js';
import type { FramePool } from '../transport/frame-pool.js';
import { LazyFrames, RecordingSink } from './runner-recording.js';
import { buildNode, canonicalId, lookup } from './runner-wiring.js';

export { canonicalId } from './runner-wiring.js';

/** Any calculator definition, whatever its options type. */
// biome-ignore lint/suspicious/noExplicitAny: every calculator's options type is accepted.
export type AnyDefinition = CalculatorDefinition<any>;

/** How the runner wires the calculator. Read once, at construction, on the runner's thread. */
export interface RunnerOptions {
  /** Node options, merged over the contract's defaults. */
  options?: Record<string, unknown>;
  /** Tag → number of input streams. Default: 1 per 'one'/'many' tag, `min` of a range, 0 if 'optional'. */
  inputs?: Record<string, number>;
  /** Tag → number of output streams; defaults as for inputs. */
  outputs?: Record<string, number>;
  /** Input side packets by `'TAG'` or `'TAG:i'`; only the ones given are wired. */
  sidePackets?: Record<string, unknown>;
  /** Overrides the contract's input stream handler. */
  inputStreamHandler?: InputStreamHandlerConfig;
  /** The frame pool; default: a small one created on first use. */
  frames?: FramePool;
  /** Node name used in messages. Default: the calculator's name. */
  name?: string;
  /** Input ids to mark as back edges (they close cycles; waited for like any input, as in MediaPipe). */
  backEdges?: readonly string[];
}

/** A packet the calculator emitted. Plain data, owned by the caller; any thread. */
export interface RunnerPacket {
  readonly timestamp: number;
  readonly value: unknown;
  /** For a frame packet: a copy of the frame's bytes (the frame itself is already released). */
  readonly bytes?: Uint8Array;
}

/** What {@link runCalculator} returns. Plain data, owned by the caller; any thread. */
export interface RunnerResult {
  /** Emitted packets per output, by canonical port id. */
  readonly outputs: Record<string, RunnerPacket[]>;
  /** Each output's final bound as downstream would see it (Done once closed). */
  readonly bounds: Record<string, number>;
  /** Output side packets that were set, by canonical port id. */
  readonly outputSidePackets: Record<string, unknown>;
  readonly calls: { readonly open: number; readonly process: number; readonly close: number };
}

/**
 * Runs one calculator instance on the calling thread. See the file header.
 *
 * Threading: the thread that constructs it, which is also the calculator's thread here (no
 * worker): every method, and the calculator's `open`/`process`/`close`, run there; not thread-safe.
 * Nothing else could free a frame while an allocation blocked this thread, so the runner fails one
 * at once when its size class is exhausted. Lifecycle: construct → `open` → packets and `run` in
 * turns → `close`, once; a runner drives one instance through one run and is not reused.
 */
export class CalculatorRunner {
  /** The node the runner built (ports in engine order). */
  readonly node: ResolvedNode;
  /** Lifecycle calls made on the calculator so far. */
  readonly calls = { open: 0, process: 0, close: 0 };
  private readonly engine: NodeEngine;
  private stopAsked = false;
  private readonly sink: RecordingSink;
  private readonly inputIndex: PortIndex;
  private readonly outputIndex: PortIndex;
  private readonly lazy: LazyFrames;
  private readonly sideValues: unknown[];

  constructor(definition: AnyDefinition, options: RunnerOptions = {}) {
    const { node, sideValues } = buildNode(definition, options);
    this.node = node;
    this.sideValues = sideValues;
    this.inputIndex = new PortIndex(node.inputs);
    this.outputIndex = new PortIndex(node.outputs);
    this.lazy = new LazyFrames(options.frames);
    this.sink = new RecordingSink(node, this.lazy);
    this.engine = new NodeEngine(node, countCalls(definition, this.calls), this.sink, this.lazy);
    this.engine.setWakeHook(() => {
      const waiting = this.wakeWaiters;
      this.wakeWaiters = [];
      for (const resolve of waiting) resolve();
    });
  }

  private wakeWaiters: (() => void)[] = [];

  /**
   * Resolves once the calculator has requested a wake call (at once when one is pending); the next
   * `run()` makes it. Lets a test wait for a timer-driven calculator without sleeping.
   */
  whenWoken(): Promise<void> {
    if (this.engine.wakePending) return Promise.resolve();
    return new Promise((resolve) => this.wakeWaiters.push(resolve));
  }

  /** The engine's state. */
  get state(): EngineState {
    return this.engine.state;
  }

  /** The frame pool (created now if none was given). */
  get frames(): FramePool {
    return this.lazy.pool();
  }

  /** Creates the calculator and calls its `open`. Rejects with CalculatorError when it fails. */
  async open(): Promise<void> {
    await this.engine.open(this.sideValues);
  }

  /** Queues a packet; a FrameRef value is a frame packet whose reference the runner takes over. */
  addPacket(input: string, timestamp: number, value: unknown): this {
    const frame = isFrameRef(value) ? value.handle : -1;
    this.engine.addPacket(this.input(input), timestamp, value, frame);
    return this;
  }

  /** Allocates a frame holding a copy of `bytes` and queues it as a frame packet. */
  addFrame(input: string, timestamp: number, bytes: Uint8Array): this {
    const pool = this.lazy.pool();
    const h = pool.alloc(bytes.byteLength, 0);
    pool.bytes(h).set(bytes);
    return this.addPacket(input, timestamp, new FrameRef(h));
  }

  /** Raises an input's bound (a timestamp bound without a packet). */
  setBound(input: string, bound: number): this {
    this.engine.setBound(this.input(input), bound);
    return this;
  }

  /** Ends an input stream. */
  closeInput(input: string): this {
    this.engine.closeInput(this.input(input));
    return this;
  }

  /** Processes everything ready; resolves to the number of `process` calls. */
  async run(): Promise<number> {
    try {
      return await this.engine.run();
    } finally {
      if (this.engine.takeStopRequest()) this.stopAsked = true;
    }
  }

  /**
   * True once the calculator, having inputs, returned STOP: in a graph, every source would then be
   * closed (MediaPipe's rule) while this node goes on. A source that returns STOP closes instead.
   */
  get sourcesStopRequested(): boolean {
    return this.stopAsked;
  }

  /**
   * Closes every input, processes what is left, and closes the node (a source: at once). The node
   * is closed even when processing fails; the first error is thrown.
   */
  async close(): Promise<void> {
    let failure: { error: unknown } | undefined;
    try {
      if (this.engine.state === 'opened' && this.node.inputs.length > 0) {
        for (let i = 0; i < this.node.inputs.length; i++) this.engine.closeInput(i);
        await this.engine.run();
      }
    } catch (error) {
      failure = { error };
    }
    try {
      await this.engine.close();
    } catch (error) {
      failure ??= { error };
    }
    if (failure !== undefined) throw failure.error;
  }

  /** Packets emitted on an output so far (a live array). */
  outputs(output: string): readonly RunnerPacket[] {
    return this.sink.packets[this.output(output)]!;
  }

  /** An output's bound as the sink has seen it: PreStream at first, Done once closed. */
  bound(output: string): number {
    return this.sink.bounds[this.output(output)]!;
  }

  /** True once an output was closed. */
  closed(output: string): boolean {
    return this.sink.closed[this.output(output)]!;
  }

  /** Output side packets set so far, by canonical id. */
  outputSidePackets(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.node.outputSidePackets.forEach((p, i) => {
      if (this.sink.sideSet[i]) out[canonicalId(p.tag, p.index)] = this.sink.side[i];
    });
    return out;
  }

  /** Everything recorded so far. */
  result(): RunnerResult {
    const outputs: Record<string, RunnerPacket[]> = {};
    const bounds: Record<string, number> = {};
    this.node.outputs.forEach((p, i) => {
      const id = canonicalId(p.tag, p.index);
      outputs[id] = this.sink.packets[i]!;
      bounds[id] = this.sink.bounds[i]!;
    });
    return { outputs, bounds, outputSidePackets: this.outputSidePackets(), calls: { ...this.calls } };
  }

  private input(id: string): number {
    return lookup(this.inputIndex, id, 'input stream', this.node.name);
  }

  private output(id: string): number {
    return lookup(this.outputIndex, id, 'output stream', this.node.name);
  }
}

/**
 * One-shot convenience: open, feed every input's packets (`[timestamp, value]` pairs, in timestamp
 * order per input), close all inputs, run to the end. A source runs until it returns STOP (at most
 * `maxSourceCalls` process calls, default 100000, then InvalidArgumentError).
 *
 * Threading: the calling thread, which runs the calculator (see {@link CalculatorRunner}).
 * Lifecycle: the runner it makes is its own, closed before it resolves; the result's arrays are
 * the caller's.
 */
export async function runCalculator(
  definition: AnyDefinition,
  options: RunnerOptions & { packets?: Record<string, [number, unknown][]>; maxSourceCalls?: number } = {},
): Promise<RunnerResult> {
  const runner = new CalculatorRunner(definition, options);
  await runner.open();
  for (const [input, packets] of Object.entries(options.packets ?? {})) {
    for (const [t, v] of packets) runner.addPacket(input, t, v);
  }
  if (runner.node.isSource) {
    const max = options.maxSourceCalls ?? 100_000;
    while (runner.state === 'opened') {
      if (runner.calls.process >= max) {
        await runner.close();
        throw new InvalidArgumentError(`source did not return STOP within ${max} process calls`, {
          node: runner.node.name,
        });
      }
      await runner.run();
    }
  }
  await runner.close();
  return runner.result();
}

function countCalls(
  def: AnyDefinition,
  calls: { open: number; process: number; close: number },
): AnyDefinition {
  return {
    name: def.name,
    contract: def.contract,
    create: () => {
      const c = def.create() as Calculator<Record<string, unknown>>;
      return {
        open: (ctx) => {
          calls.open++;
          return c.open?.(ctx);
        },
        process: (ctx) => {
          calls.process++;
          return c.process(ctx);
        },
        close: (ctx) => {
          calls.close++;
          return c.close?.(ctx);
        },
      } satisfies Calculator<Record<string, unknown>>;
    },
  };
}
