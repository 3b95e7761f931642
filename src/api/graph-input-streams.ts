/**
 * The graph input streams of a {@link CalculatorGraph} run, and MediaPipe's throttling of them, for {@link CalculatorGraph.addPacket}: an input is
 * *full* while a queue it feeds holds `max_queue_size` packets or more, counting both what the
 * consuming node already took into its queue and what still waits in the ring between them, or
 * while the queue of any input further downstream holds its limit (as MediaPipe throttles every
 * source that is an ancestor of a full stream's node; back edges do not make ancestors). In the
 * wait-till-not-full mode `addPacket` waits for room (and the watchdog sees the wait, so a graph
 * stuck behind it is reported or resolved as a deadlock); in add-if-not-full mode a full input
 * refuses the packet ("Graph is throttled").
 *
 * Why count the ring: a weft ring holds 64 KiB of records, far more than most queue limits, so a
 * producer that only waited for ring space would let a graph input run ahead of `max_queue_size`.
 * The main thread keeps, per ring, where each packet it wrote ends; the consumer's published read
 * position says which of them it has taken.
 *
 * Threading: the main thread that owns the graph; reads the consumer's counters and read positions
 * from shared memory without locks (a stale reading only delays or hastens one check).
 */
import type { NodeCounters } from '../actors/node-counters.js';
import type { Supervisor } from '../actors/supervisor.js';
import { GraphThrottledError, InvalidArgumentError, InvalidTimestampError } from '../core/errors.js';
import { checkInputTimestamp, isRangeValue, previousAllowedInStream, Timestamp } from '../core/timestamp.js';
import { isFrameRef } from '../transport/codec.js';
import { PUBLISHED_PACKETS } from '../transport/ring-layout.js';
import { RingWriter } from '../transport/ring-queue.js';
import type { CalculatorGraph } from './calculator-graph.js';
import { checkFrameRef } from './frame-ref-check.js';

/** How `addPacket` treats a full graph input (MediaPipe's GraphInputStreamAddMode). */
export type GraphInputStreamAddMode = 'waitTillNotFull' | 'addIfNotFull';

// A full input is looked at again after 1 ms, backing off to 20 ms: the consumer frees room by
// processing, which touches no word the main thread could wait on.
const FIRST_POLL_MS = 1;
const LAST_POLL_MS = 20;

/** One graph input stream's view of the queues it feeds. See the module comment. */
export class GraphInputThrottle {
  // Per writer: end positions of the packets written and not yet seen read, oldest first.
  private readonly ends: number[][];
  private readonly heads: number[];

  /**
   * @param writers the input's rings, one per consumer (and one to the graph output if the input
   *   is also an output).
   * @param inputs per writer, the consumer's global input index in `counters`, or -1 for a ring
   *   with no queue limit (a graph output).
   */
  /**
   * @param downstream the queues further downstream (inputs of nodes that the input's consumers
   *   feed, directly or not): a full one throttles this input too.
   */
  constructor(
    private readonly writers: readonly RingWriter[],
    private readonly inputs: readonly number[],
    private readonly counters: NodeCounters,
    private readonly downstream: readonly DownstreamQueue[] = [],
  ) {
    this.ends = writers.map(() => []);
    this.heads = writers.map(() => 0);
  }

  /** True while some queue this input feeds holds its limit of packets or more. */
  full(): boolean {
    for (let k = 0; k < this.writers.length; k++) {
      const g = this.inputs[k]!;
      if (g < 0) continue;
      const limit = this.counters.queueLimit(g);
      if (limit >= 0 && this.counters.queueDepth(g) + this.unread(k) >= limit) return true;
    }
    const c = this.counters;
    for (const { input, ring } of this.downstream) {
      const limit = c.queueLimit(input);
      if (limit < 0) continue;
      // Packets its producer published that the node has not taken yet, then those it queued. The
      // node adds what it took once per turn: a lagging count only throttles a moment early.
      const unread = (Atomics.load(ring, PUBLISHED_PACKETS) - (c.inputPackets[input]! | 0)) | 0;
      if (unread + c.queueDepth(input) >= limit) return true;
    }
    return false;
  }

  /** Records that writer `k` just wrote a packet (call after each successful push). */
  wrote(k: number): void {
    const g = this.inputs[k]!;
    if (g < 0 || this.counters.queueLimit(g) < 0) return;
    // One array slot per packet in flight: bounded by the queue limit while throttling holds.
    this.ends[k]!.push(this.writers[k]!.writePosition);
  }

  /**
   * Waits until the input is not full. Resolves false when `timeoutMs` (≥ 0) passed first; throws
   * what `abort` returns (the run's failure) as soon as it returns something.
   */
  async untilNotFull(timeoutMs: number, abort: () => unknown): Promise<boolean> {
    const deadline = timeoutMs < 0 ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
    let pollMs = FIRST_POLL_MS;
    for (;;) {
      const err = abort();
      if (err !== undefined) throw err;
      if (!this.full()) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, left)));
      pollMs = Math.min(LAST_POLL_MS, pollMs * 2);
    }
  }

  // Packets writer k wrote that its consumer has not read yet.
  private unread(k: number): number {
    const ends = this.ends[k]!;
    const read = this.writers[k]!.readPosition;
    let head = this.heads[k]!;
    while (head < ends.length && ((ends[head]! - read) | 0) <= 0) head++;
    if (head === ends.length) {
      ends.length = 0;
      head = 0;
    }
    this.heads[k] = head;
    return ends.length - head;
  }
}

/** One graph input stream of a run: its rings, its throttle, and the last timestamp added. */
interface InputStream {
  readonly writers: RingWriter[];
  readonly throttle: GraphInputThrottle;
  last: number;
}

/**
 * The graph input streams of one run of a {@link CalculatorGraph}: adding packets and bounds,
 * throttled as MediaPipe throttles them, and closing.
 *
 * Threading: the main thread that owns the graph. Lifecycle: one per run, built before the run
 * starts; its rings close with the run.
 */
export class GraphInputStreams {
  private readonly inputs: Map<string, InputStream>;

  constructor(private readonly run: Supervisor) {
    const { plan, graph, counters } = run;
    this.inputs = new Map(
      [...plan.graphInputs].map(([name, rings]) => {
        const writers = rings.map((d) => new RingWriter(d));
        // The plan orders an input's rings as the stream's consumers, then a graph output's ring.
        const consumers = graph.streams.find((s) => s.name === name)?.consumers ?? [];
        const inputs = writers.map((_, k) => {
          const c = consumers[k];
          return c === undefined ? -1 : plan.inputBase[c.node]! + c.input;
        });
        const throttle = new GraphInputThrottle(writers, inputs, counters, downstreamInputs(run, name));
        return [name, { writers, throttle, last: Timestamp.Unset }];
      }),
    );
  }

  /** See {@link CalculatorGraph.addPacket}. */
  async add(
    stream: string,
    value: unknown,
    timestamp: number,
    timeoutMs: number,
    mode: GraphInputStreamAddMode,
  ): Promise<boolean> {
    const input = this.input(stream);
    const frames = this.run.pool;
    // A failed run takes no more packets: the caller learns why, not that a ring is closed.
    if (this.run.error !== undefined) throw this.run.error;
    checkInputTimestamp(timestamp, input.last, stream);
    if (isFrameRef(value)) checkFrameRef(frames, value.handle, stream);
    if (input.throttle.full()) {
      if (mode === 'addIfNotFull') {
        throw new GraphThrottledError(
          `Graph is throttled: a queue input "${stream}" feeds holds max_queue_size packets; ` +
            `the packet at ${timestamp} was not added`,
          { stream, phase: 'run' },
        );
      }
      const run = this.run;
      run.inputWaits++;
      try {
        if (!(await input.throttle.untilNotFull(timeoutMs, () => run.error))) return false;
      } finally {
        run.inputWaits--;
      }
    }
    const n = input.writers.length;
    if (isFrameRef(value) && n > 1) frames.retain(value.handle, n - 1);
    for (let i = 0; i < n; i++) {
      let pushed: boolean;
      try {
        pushed = await input.writers[i]!.pushAsync(timestamp, value, timeoutMs);
      } catch (err) {
        // The consumer abandoned its ring because the run failed: report the failure.
        throw this.run.error ?? err;
      }
      if (!pushed) {
        // The references taken for the rings left unwritten go back; the caller's stays its own
        // unless a ring already took it.
        if (isFrameRef(value)) for (let k = i === 0 ? 1 : 0; k < n - i; k++) frames.release(value.handle);
        return false;
      }
      input.throttle.wrote(i);
      if (isFrameRef(value)) frames.handOff(value.handle);
    }
    input.last = timestamp;
    return true;
  }

  /** See {@link CalculatorGraph.setInputStreamTimestampBound}. */
  async setBound(stream: string, bound: number): Promise<void> {
    const input = this.input(stream);
    if (!isRangeValue(bound)) {
      throw new InvalidTimestampError(
        `bound ${String(bound)} for input "${stream}" is not an integer in [Min, Max]`,
        { stream, phase: 'run' },
      );
    }
    // A bound is a promise about the next packet: checked as a packet at that timestamp would be.
    checkInputTimestamp(bound, input.last, stream);
    for (const w of input.writers) await w.pushBoundAsync(bound);
    input.last = previousAllowedInStream(bound);
  }

  /** Ends one graph input stream. */
  close(stream: string): void {
    for (const w of this.input(stream).writers) w.close();
  }

  /** Ends every graph input stream. */
  closeAll(): void {
    for (const s of this.inputs.values()) for (const w of s.writers) w.close();
  }

  private input(stream: string): InputStream {
    const input = this.inputs.get(stream);
    if (input === undefined) {
      throw new InvalidArgumentError(`"${stream}" is not a graph input stream`, { stream, phase: 'run' });
    }
    return input;
  }
}

/** A node input downstream of a graph input: its global index, and its ring's control words. */
interface DownstreamQueue {
  readonly input: number;
  readonly ring: Int32Array;
}

/**
 * Every queue downstream of graph input `name` past its own consumers: the inputs of nodes its
 * consumers feed, directly or through others, along forward edges only.
 */
function downstreamInputs(run: Supervisor, name: string): DownstreamQueue[] {
  const { graph, plan } = run;
  const direct = graph.streams.find((s) => s.name === name)?.consumers ?? [];
  const seen = new Set(direct.map((c) => c.node));
  const queue = [...seen];
  const out: DownstreamQueue[] = [];
  while (queue.length > 0) {
    const node = graph.nodes[queue.shift()!]!;
    for (const o of node.outputs) {
      for (const c of graph.streams.find((s) => s.name === o.name)?.consumers ?? []) {
        if (graph.nodes[c.node]!.inputs[c.input]!.backEdge) continue;
        const ring = new Int32Array(plan.nodeInputs[c.node]![c.input]!.sab, 0, PUBLISHED_PACKETS + 1);
        out.push({ input: plan.inputBase[c.node]! + c.input, ring });
        if (!seen.has(c.node)) {
          seen.add(c.node);
          queue.push(c.node);
        }
      }
    }
  }
  return out;
}
