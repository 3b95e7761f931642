/**
 * Session: assembles a pipeline from Push inputs, graph fragments and Pull outputs, then runs it —
 * synchronously as a self-contained job (`run()`), or asynchronously as a {@link Run} the
 * application drives with push and pull (`build()`).
 *
 * ```ts
 * const session = new Session();
 * session.add(push('rgb'));                       // a graph input the application feeds
 * session.add(detector);                          // a fragment: graph() builder, GraphConfig, pbtxt
 * session.add(pull('detections'));                // a graph output the application reads
 *
 * const run = session.build({ preset: 'realtime' });
 * await run.start();
 * ```
 *
 * The session merges its parts into one graph (its inputs are the Push names, its outputs the Pull
 * names, its nodes and side packets those of every fragment), validates it once — every problem
 * reported before any worker starts — and reuses the result for each Run it builds. One Run at a time:
 * a closed Run's session can build the next.
 *
 * Threading: build and use a Session on one thread (the one that will own its runs). Lifecycle:
 * `add`* → `build()`/`run()` (repeatable, one live run at a time) → `close()` (closes the live run).
 */
import { InvalidArgumentError, UsageError } from '../core/errors.js';
import { GraphBuilder } from '../core/graph-builder.js';
import type { ExecutorConfig, GraphConfig, ResolvedGraph } from '../core/graph-config.js';
import { checkGraphConfigShape } from '../core/graph-config-shape.js';
import { parseGraphText } from '../core/graph-text.js';
import { isQueueSize } from '../core/graph-validation-ports.js';
import type { RunDiagSnapshot } from '../telemetry/diag-snapshot.js';
import type { StageStats } from '../telemetry/stage-stats.js';
import { isFrameRef } from '../transport/codec.js';
import { CalculatorGraph, type CalculatorGraphOptions } from './calculator-graph.js';
import { checkGraphOptions } from './graph-options.js';
import { defaultRegistry, prepareGraph } from './graph-preparation.js';
import { Run } from './run.js';
import {
  type InputOptions,
  type RunOptions,
  refuseUnknownOptions,
  resolveInputOptions,
  resolveRunOptions,
} from './run-options.js';
import type { PreparedGraph, RunSpec } from './run-spec.js';
import type { OutputSample, RunStats } from './run-types.js';

/**
 * A graph input fed by the application (`run.push`). Create with {@link push}.
 * Threading: immutable plain data, any thread; add it to a Session on the Session's thread.
 */
export class PushNode {
  /** @param name the graph input stream. @param options per-input overrides of the RunOptions. */
  constructor(
    readonly name: string,
    readonly options: InputOptions = {},
  ) {
    checkName(name, 'push');
  }
}

/**
 * A graph output read by the application (`run.pull`, `run.output(name)`). Create with {@link pull}.
 * Threading: immutable plain data, any thread; add it to a Session on the Session's thread.
 */
export class PullNode {
  /** @param name the graph output stream. */
  constructor(readonly name: string) {
    checkName(name, 'pull');
  }
}

/**
 * A Push input named `name` (a graph input stream), optionally with its own queue depth, overflow
 * policy and push timeout (overriding the RunOptions for this input). Pure; any thread.
 * @throws InvalidArgumentError for an empty name.
 */
export function push(name: string, options?: InputOptions): PushNode {
  return new PushNode(name, options);
}

/** A Pull output named `name` (a graph output stream). Pure; any thread. */
export function pull(name: string): PullNode {
  return new PullNode(name);
}

/**
 * What `session.add` takes: Push and Pull nodes, and graph fragments — a GraphConfig (from `graph()
 * .build()` or `parseGraphText`), a GraphBuilder, a CalculatorGraph (its config), or MediaPipe text.
 */
export type SessionPart = PushNode | PullNode | GraphConfig | GraphBuilder | CalculatorGraph | string;

/** Options of a {@link Session}: where calculators come from, graph-wide settings, and the runtime's. */
export interface SessionOptions extends CalculatorGraphOptions {
  /** Per-input queue limit inside the graph (`max_queue_size`). Default: the first fragment's. */
  maxQueueSize?: number;
  /** On deadlock: true reports an error, false grows the full queue. Default: true if a fragment says so. */
  reportDeadlock?: boolean;
}

/** Options of the synchronous {@link Session.run}. */
export interface SessionRunOptions {
  /** A callback per Pull output: see `Run.onOutput`. Each output needs one, unless `collect`. */
  onOutput?: Readonly<Record<string, (sample: OutputSample) => void>>;
  /**
   * Collect every sample of the Pull outputs that have no callback into `result.outputs`, in
   * order. A frame value is collected as a copy of its bytes (a Uint8Array): the run's frames are
   * gone once it resolves. Memory grows with the outputs: for jobs whose outputs fit in memory.
   */
  collect?: boolean;
}

/**
 * What {@link Session.run} resolves with: the same shapes a {@link Run} gives in async mode, read
 * once the run ended. Plain data, owned by the caller.
 */
export interface SyncRunResult {
  /** The output side packets (`Run.outputSidePackets()`). */
  readonly sidePackets: Record<string, unknown>;
  /** With `collect`: the samples of each Pull output that had no callback; else empty. */
  readonly outputs: Readonly<Record<string, OutputSample[]>>;
  /** Counters per input and output (`Run.stats()`). */
  readonly stats: RunStats;
  /** Per-node figures (`Run.stageStats()`). */
  readonly stages: StageStats[];
  /** Time per node, packets per stream, the bottleneck, the boundary flow (`Run.diagnose()`). */
  readonly snapshot: RunDiagSnapshot;
}

/**
 * A pipeline under assembly, and the factory of its runs. See the module comment.
 *
 * Threading: one thread — the one that owns its runs (workers are the runs' business). Lifecycle:
 * `add`* → `build()` or `run()`, repeatable with one live run at a time (a run is live until closed)
 * → `close()` closes the live run; the session stays usable.
 */
export class Session implements AsyncDisposable {
  private pushes: readonly PushNode[] = [];
  private pulls: readonly PullNode[] = [];
  private fragments: readonly GraphConfig[] = [];
  private prepared: Promise<PreparedGraph> | undefined;
  private live: Run | undefined;

  constructor(private readonly options: SessionOptions = {}) {
    checkGraphOptions(options, 'session options', ['maxQueueSize', 'reportDeadlock']);
    const { maxQueueSize: q, reportDeadlock: report } = options;
    if (q !== undefined && !isQueueSize(q)) {
      throw new InvalidArgumentError(
        `session options: maxQueueSize must be an integer from 1 to 2147483647, or -1, not ${String(q)}`,
        { phase: 'config' },
      );
    }
    if (report !== undefined && typeof report !== 'boolean') {
      throw new InvalidArgumentError(`session options: reportDeadlock must be true or false`, {
        phase: 'config',
      });
    }
  }

  /**
   * Adds parts, in order. A Push or Pull name may appear once. Throws UsageError while a run is live
   * (its graph cannot change), InvalidArgumentError for something that is not a part.
   */
  add(...parts: SessionPart[]): this {
    if (this.live !== undefined)
      throw new UsageError('the session has a live run: close it before adding parts', { phase: 'config' });
    // Check every part before taking any: a bad part leaves the session as it was.
    const pushes = [...this.pushes];
    const pulls = [...this.pulls];
    const fragments = [...this.fragments];
    for (const part of parts) {
      if (part instanceof PushNode) {
        if (pushes.some((p) => p.name === part.name)) throw duplicate('push', part.name);
        pushes.push(part);
      } else if (part instanceof PullNode) {
        if (pulls.some((p) => p.name === part.name)) throw duplicate('pull', part.name);
        pulls.push(part);
      } else {
        fragments.push(fragment(part));
      }
    }
    this.pushes = pushes;
    this.pulls = pulls;
    this.fragments = fragments;
    this.prepared = undefined;
    return this;
  }

  /** Adds a Push input: `session.push('rgb')` is `session.add(push('rgb'))`. */
  push(name: string, options?: InputOptions): this {
    return this.add(push(name, options));
  }

  /** Adds a Pull output: `session.pull('detections')` is `session.add(pull('detections'))`. */
  pull(name: string): this {
    return this.add(pull(name));
  }

  /** The merged graph: Push names as inputs, Pull names as outputs, every fragment's nodes. */
  get config(): GraphConfig {
    const f = this.fragments;
    const union = (pick: (c: GraphConfig) => readonly string[]) => [...new Set(f.flatMap(pick))];
    return {
      inputStreams: this.pushes.map((p) => p.name),
      outputStreams: this.pulls.map((p) => p.name),
      inputSidePackets: union((c) => c.inputSidePackets),
      outputSidePackets: union((c) => c.outputSidePackets),
      // A fragment's graph-wide limits (stuck calls, heap) and restart policy stay with its own nodes.
      nodes: f.flatMap((c) =>
        c.nodes.map((n) => ({
          ...n,
          ...(n.stuckTimeoutMs === undefined && c.stuckTimeoutMs !== undefined
            ? { stuckTimeoutMs: c.stuckTimeoutMs }
            : {}),
          ...(n.heapLimitMb === undefined && c.heapLimitMb !== undefined
            ? { heapLimitMb: c.heapLimitMb }
            : {}),
          ...(n.restart === undefined && c.restart !== undefined ? { restart: c.restart } : {}),
        })),
      ),
      maxQueueSize: this.options.maxQueueSize ?? f[0]?.maxQueueSize ?? 100,
      reportDeadlock: this.options.reportDeadlock ?? f.some((c) => c.reportDeadlock),
      ...mergedExecutors(f),
    };
  }

  /** Loads the calculators and validates the merged graph (cached until parts change). */
  async validate(): Promise<ResolvedGraph> {
    return (await this.prepare()).graph;
  }

  /**
   * Builds a Run (asynchronous mode) with these boundary options; `await run.start()` next.
   * Validation happens in `start()`. Throws UsageError while another run of this session is live,
   * InvalidArgumentError for bad options.
   */
  build(options: RunOptions = {}): Run {
    if (this.live !== undefined) {
      throw new UsageError(`the session already has a live run (${this.live.state}): close it first`, {
        phase: 'config',
      });
    }
    const resolved = resolveRunOptions(options, { profileIntervalMs: this.options.profileIntervalMs });
    const spec: RunSpec = {
      inputs: this.pushes.map((p) => ({
        name: p.name,
        options: resolveInputOptions(p.options, resolved, `input "${p.name}"`),
      })),
      outputs: this.pulls.map((p) => p.name),
      supervisor: this.options,
      prepare: () => this.prepare(),
      released: (run) => {
        if (this.live === run) this.live = undefined;
      },
    };
    const run = new Run(spec, resolved);
    this.live = run;
    return run;
  }

  /**
   * Synchronous mode: runs a self-contained job (its own sources and sinks) to the end of its
   * streams and resolves with the output side packets, or rejects with the first error. Pull
   * outputs, if any, need a callback in `options.onOutput`. A session with Push inputs is driven
   * with `build()` instead (UsageError).
   */
  async run(
    sidePackets: Record<string, unknown> = {},
    options: SessionRunOptions = {},
  ): Promise<SyncRunResult> {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('run(): options must be an object', { phase: 'config' });
    }
    refuseUnknownOptions(options, ['onOutput', 'collect'], 'run() options');
    if (this.pushes.length > 0) {
      throw new UsageError(
        `the session has Push inputs (${this.pushes.map((p) => p.name).join(', ')}): ` +
          'drive it with build(), push and pull',
      );
    }
    const outputs: Record<string, OutputSample[]> = {};
    for (const p of this.pulls) {
      if (typeof options.onOutput?.[p.name] === 'function') continue;
      if (options.collect !== true) {
        throw new UsageError(
          `run(): Pull output "${p.name}" needs a callback in options.onOutput, or pass collect: true`,
        );
      }
      outputs[p.name] = [];
    }
    const run = this.build();
    try {
      for (const p of this.pulls) {
        const list = outputs[p.name];
        run.onOutput(
          p.name,
          list === undefined ? options.onOutput![p.name]! : (s) => list.push(collected(run, s)),
        );
      }
      await run.start(sidePackets);
      await run.waitUntilDone();
      return {
        sidePackets: run.outputSidePackets(),
        outputs,
        stats: run.stats(),
        stages: run.stageStats(),
        snapshot: run.diagnose(),
      };
    } finally {
      await run.close();
    }
  }

  /** Closes the live run, if any. The session stays usable. Idempotent. */
  async close(): Promise<void> {
    await this.live?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private prepare(): Promise<PreparedGraph> {
    if (this.prepared !== undefined) return this.prepared;
    const registry = this.options.registry ?? defaultRegistry();
    const config = this.config;
    const p = prepareGraph(config, registry, this.options.onWarning);
    this.prepared = p;
    // A failure is not cached: a module that failed to import may load next time.
    p.catch(() => {
      if (this.prepared === p) this.prepared = undefined;
    });
    return p;
  }
}

function fragment(part: unknown): GraphConfig {
  if (typeof part === 'string') return parseGraphText(part);
  if (part instanceof GraphBuilder) return part.build();
  if (part instanceof CalculatorGraph) return part.config;
  if (typeof part === 'object' && part !== null && Array.isArray((part as GraphConfig).nodes)) {
    // A config written by hand: its fields are checked now, as CalculatorGraph's constructor does.
    checkGraphConfigShape(part);
    return part;
  }
  throw new InvalidArgumentError(
    'session.add takes push(name), pull(name), a GraphConfig, a GraphBuilder, a CalculatorGraph or ' +
      `MediaPipe text, not ${part === null ? 'null' : typeof part}`,
    { phase: 'config' },
  );
}

function checkName(name: unknown, what: string): void {
  if (typeof name !== 'string' || name === '') {
    throw new InvalidArgumentError(`${what}(name) needs a non-empty stream name`, { phase: 'config' });
  }
}

function duplicate(what: string, name: string): Error {
  return new UsageError(`${what}("${name}") was added twice`, { stream: name, phase: 'config' });
}

// A sample kept past its callback: a frame value becomes a copy of its bytes, since the callback
// owns no reference and the run's pool is gone once it ends.
function collected(run: Run, s: OutputSample): OutputSample {
  if (!isFrameRef(s.value)) return s;
  return { ...s, value: run.frames.view(s.value.handle).slice() };
}

/**
 * The fragments' executor declarations, one per name: fragments may each declare the executor their
 * nodes share; two that declare one name differently are an error, since a run has one of each.
 */
function mergedExecutors(fragments: readonly GraphConfig[]): { executors?: ExecutorConfig[] } {
  const byName = new Map<string, ExecutorConfig>();
  for (const e of fragments.flatMap((c) => c.executors ?? [])) {
    const seen = byName.get(e.name);
    if (seen === undefined) byName.set(e.name, e);
    else if (!sameExecutor(seen, e)) {
      throw new InvalidArgumentError(
        `executor "${e.name}" is declared by two fragments with different settings ` +
          `(${JSON.stringify(seen)} and ${JSON.stringify(e)}): declare it once, or the same way`,
        { phase: 'config' },
      );
    }
  }
  return byName.size === 0 ? {} : { executors: [...byName.values()] };
}

function sameExecutor(a: ExecutorConfig, b: ExecutorConfig): boolean {
  const rest = (e: ExecutorConfig) => JSON.stringify([e.type, e.numThreads, e.unused ?? []]);
  return rest(a) === rest(b);
}
