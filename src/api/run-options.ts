/**
 * RunOptions: how a {@link Run}'s boundaries behave — input queue depth, what a push does when an
 * input queue is full, how many pulled-but-unread samples an output may hold — and the three presets.
 *
 * | preset     | overflowPolicy | queueSize | outputDepth | for                                            |
 * | ---------- | -------------- | --------: | ----------: | ---------------------------------------------- |
 * | `realtime` | `replace`      |         2 |           4 | live input: the newest sample wins             |
 * | `balanced` | `wait`         |         4 |   unlimited | the default; any loop shape works              |
 * | `reliable` | `wait`         |      1024 |        1024 | never drop, bounded memory end to end          |
 *
 * Explicit fields override the preset; options given on a `push(name, …)` node override both, for
 * that input.
 *
 * Threading: plain data, any thread. `onInputDrop` is called on the thread that owns the Run.
 */
import { InvalidArgumentError } from '../core/errors.js';
import { unknownOptionsProblem } from '../core/option-names.js';

/**
 * What `push` does when an input's boundary queue is full (elsewhere: GStreamer `leaky`, Akka
 * `backpressure` / `dropNew` / `dropHead`, SiMa NEAT `Block` / `DropIncoming` / `KeepLatest`).
 * - `wait`: the push waits for room (up to `pushTimeoutMs`); `tryPush` returns false and leaves the
 *   sample with the caller.
 * - `drop`: the new sample is dropped (push resolves false; its frame is released; `onInputDrop`).
 * - `replace`: the oldest pending sample is evicted to make room (its frame is released;
 *   `onInputDrop`), and the new one is enqueued.
 *
 * Plain data; any thread.
 */
export type OverflowPolicy = 'wait' | 'drop' | 'replace';

/** Named option sets (see the table at the top of this module). Plain data; any thread. */
export type RunPreset = 'realtime' | 'balanced' | 'reliable';

/**
 * Why a sample never entered the graph.
 * - `queue_full`: policy `drop`, the input queue was full; the new sample was dropped.
 * - `evicted`: policy `replace`; this (older, pending) sample made room for a newer one.
 * - `cancelled`: the sample was still pending when the run was stopped or closed.
 *
 * Plain data; any thread.
 */
export type InputDropReason = 'queue_full' | 'evicted' | 'cancelled';

/**
 * What {@link RunOptions.onInputDrop} receives. Plain data; a fresh object per call. Made on the
 * thread that owns the Run, where `onInputDrop` runs; any thread may keep it.
 */
export interface InputDropInfo {
  readonly reason: InputDropReason;
  /** The Push input (graph input stream) the sample was pushed to. */
  readonly port: string;
  /** The sample's `streamId`, if it had one. */
  readonly streamId: number | string | undefined;
  /** The sample's `frameId`, or its position among the samples pushed to this input (from 0). */
  readonly frameId: number;
  /** The timestamp the sample was given (its own, or the run clock's). */
  readonly timestamp: number;
}

/**
 * Per-input settings; given to `push(name, options)` or, for every input, in {@link RunOptions}.
 * Plain data, read once by `session.build()`, on the thread that builds the Run.
 */
export interface InputOptions {
  /**
   * The input's queue: how many pushed samples its first node may not have finished with yet,
   * wherever they are (at the boundary, in the ring to the node, queued at the node, in its call).
   * Past it, the overflow policy acts. A node that joins several inputs queues them apart, under its
   * `max_queue_size`. Under `wait` and `replace` one sample always waits at the boundary besides the
   * one in the node's call, so 1 holds 2 samples there (exact from 2 up). Default: the preset's.
   */
  readonly queueSize?: number;
  /** The earlier name of {@link queueSize}; `queueSize` wins when both are given. */
  readonly queueDepth?: number;
  /** See {@link OverflowPolicy}. Default: the preset's (`wait`; `replace` under `realtime`). */
  readonly overflowPolicy?: OverflowPolicy;
  /** Longest a `push` waits under `wait` before resolving false; -1 (default) waits indefinitely. */
  readonly pushTimeoutMs?: number;
}

/**
 * Options of `Session.build(options)`: the behaviour of one Run's boundaries. Plain data, read once by
 * `build()` (a function value, `onInputDrop`, runs on the Run's thread).
 */
export interface RunOptions extends InputOptions {
  /** Starting point; explicit fields override it. Default `balanced`. */
  readonly preset?: RunPreset;
  /**
   * Samples each Pull output may hold unread (`Infinity`: no limit). While an output holds this many,
   * the run stops feeding its inputs into the graph, so a consumer that falls behind back-pressures
   * the producers (through their overflow policy) instead of growing memory. A soft limit: samples
   * already inside the graph still arrive. Outputs consumed by `onOutput` callbacks hold nothing.
   * With a limit and policy `wait`, pull from another task than the one that awaits `push`: a task
   * waiting in `push` cannot pull the outputs that hold its push back. Default: the preset's.
   */
  readonly outputDepth?: number;
  /**
   * Called for every sample that does not enter the graph (see {@link InputDropReason}): on the
   * pushing path for `queue_full` and `evicted` (inside `push`/`tryPush`), inside `stop()`/`close()`
   * for `cancelled`. Keep it short — count and return. An exception thrown here propagates to that
   * caller.
   */
  readonly onInputDrop?: (info: InputDropInfo) => void;
  /**
   * Record push → pull latency, read with `run.latency()` (percentiles in ms) and shown in
   * `run.diagnose()`. Off by default: then each probe on the push and pull paths is one load and a
   * branch. `true` measures every sample while an input's pushes come slower than one per 20 µs,
   * and about one per 20 µs, picked at random, when they come faster, so that the two clock reads a
   * measured sample costs take about 1 % of the time at any rate; `'all'` measures every sample
   * (~0.15 µs each). Nothing is allocated per sample either way.
   */
  readonly latency?: boolean | 'all';
  /**
   * Sample every actor's stage statistics this often (ms) during the run, on the Run's thread, for
   * `run.timeline()` and `run.chromeTrace()` (actors pay nothing: the counters are shared memory).
   * 0 turns it off. Default: the session's `profileIntervalMs`, else off.
   */
  readonly profileIntervalMs?: number;
}

/**
 * Every option with a value, as a Run uses them (`run.options`). Plain data, `onInputDrop` aside,
 * which runs on the thread that owns the Run; any thread may read the rest.
 */
export interface ResolvedRunOptions {
  readonly queueSize: number;
  /** The same as `queueSize` (its earlier name). */
  readonly queueDepth: number;
  readonly overflowPolicy: OverflowPolicy;
  readonly pushTimeoutMs: number;
  readonly outputDepth: number;
  readonly onInputDrop: ((info: InputDropInfo) => void) | undefined;
  /** false: off. */
  readonly latency: false | 'sampled' | 'all';
  /** 0: no sampling. */
  readonly profileIntervalMs: number;
}

/** Options a preset does not set. */
type NotPreset = 'onInputDrop' | 'pushTimeoutMs' | 'latency' | 'profileIntervalMs';

/** The presets' values. Frozen plain data, any thread. */
export const RUN_PRESETS: Readonly<Record<RunPreset, Omit<ResolvedRunOptions, NotPreset>>> = Object.freeze({
  realtime: Object.freeze({ overflowPolicy: 'replace', queueSize: 2, queueDepth: 2, outputDepth: 4 }),
  // No output limit by default: a loop that awaits push and then pulls, in one task, never waits
  // for itself (see `outputDepth`).
  balanced: Object.freeze({
    overflowPolicy: 'wait',
    queueSize: 4,
    queueDepth: 4,
    outputDepth: Number.POSITIVE_INFINITY,
  }),
  reliable: Object.freeze({ overflowPolicy: 'wait', queueSize: 1024, queueDepth: 1024, outputDepth: 1024 }),
});

const POLICIES: readonly OverflowPolicy[] = ['wait', 'drop', 'replace'];
const INPUT_KEYS: readonly string[] = ['queueSize', 'queueDepth', 'overflowPolicy', 'pushTimeoutMs'];
const RUN_KEYS: readonly string[] = [
  ...INPUT_KEYS,
  'preset',
  'outputDepth',
  'onInputDrop',
  'latency',
  'profileIntervalMs',
];

/**
 * Throws InvalidArgumentError (phase config) naming every key of `options` not in `known` (see
 * unknownOptionsProblem). Pure; any thread.
 */
export function refuseUnknownOptions(options: object, known: readonly string[], where: string): void {
  const problem = unknownOptionsProblem(options, known, where);
  if (problem !== undefined) throw new InvalidArgumentError(problem, { phase: 'config' });
}

/**
 * Fills in defaults (preset, then explicit fields; `defaults` are the session's telemetry
 * settings). Pure; any thread.
 * @throws InvalidArgumentError for an unknown option, preset or policy, or a depth, timeout or
 * interval out of range.
 */
export function resolveRunOptions(
  options: RunOptions = {},
  defaults: Pick<RunOptions, 'profileIntervalMs'> = {},
): ResolvedRunOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('run options must be an object', { phase: 'config' });
  }
  refuseUnknownOptions(options, RUN_KEYS, 'run options');
  const presetName = options.preset ?? 'balanced';
  const preset = RUN_PRESETS[presetName];
  if (preset === undefined || !Object.hasOwn(RUN_PRESETS, presetName)) {
    throw new InvalidArgumentError(`unknown run preset "${String(presetName)}"`, { phase: 'config' });
  }
  if (options.onInputDrop !== undefined && typeof options.onInputDrop !== 'function') {
    throw new InvalidArgumentError('onInputDrop must be a function', { phase: 'config' });
  }
  const latency = options.latency ?? false;
  if (latency !== true && latency !== false && latency !== 'all') {
    throw new InvalidArgumentError(
      `run options: latency must be true, false or 'all', not ${String(latency)}`,
      {
        phase: 'config',
      },
    );
  }
  const interval = options.profileIntervalMs ?? defaults.profileIntervalMs ?? 0;
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0) {
    throw new InvalidArgumentError(
      `run options: profileIntervalMs must be a number of ms ≥ 0 (0: off), not ${String(interval)}`,
      { phase: 'config' },
    );
  }
  const input = checkedInput(options, { ...preset, pushTimeoutMs: -1 }, 'run options');
  return {
    ...input,
    outputDepth: depth(options.outputDepth ?? preset.outputDepth, 'outputDepth', 'run options', true),
    onInputDrop: options.onInputDrop,
    latency: latency === true ? 'sampled' : latency,
    profileIntervalMs: interval,
  };
}

/**
 * Per-input settings over `base`; `where` names the input for messages. Pure; any thread.
 * @throws InvalidArgumentError for an unknown option, or a policy, depth or timeout out of range.
 */
export function resolveInputOptions(
  options: InputOptions,
  base: Required<InputOptions>,
  where: string,
): Required<InputOptions> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`${where}: options must be an object`, { phase: 'config' });
  }
  refuseUnknownOptions(options, INPUT_KEYS, where);
  return checkedInput(options, base, where);
}

function checkedInput(
  options: InputOptions,
  base: Required<InputOptions>,
  where: string,
): Required<InputOptions> {
  const policy = options.overflowPolicy ?? base.overflowPolicy;
  if (!POLICIES.includes(policy)) {
    throw new InvalidArgumentError(
      `${where}: overflowPolicy must be one of ${POLICIES.join(', ')}, not "${String(policy)}"`,
      { phase: 'config' },
    );
  }
  const timeout = options.pushTimeoutMs ?? base.pushTimeoutMs;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || (timeout < 0 && timeout !== -1)) {
    throw new InvalidArgumentError(`${where}: pushTimeoutMs must be ≥ 0, or -1 to wait indefinitely`, {
      phase: 'config',
    });
  }
  const size =
    options.queueSize !== undefined
      ? depth(options.queueSize, 'queueSize', where)
      : depth(options.queueDepth ?? base.queueSize, 'queueDepth', where);
  return {
    queueSize: size,
    queueDepth: size,
    overflowPolicy: policy,
    pushTimeoutMs: timeout,
  };
}

function depth(value: unknown, what: string, where: string, unlimited = false): number {
  const ok = Number.isSafeInteger(value) || (unlimited && value === Number.POSITIVE_INFINITY);
  if (!ok || (value as number) < 1) {
    const also = unlimited ? ' (or Infinity)' : '';
    throw new InvalidArgumentError(`${where}: ${what} must be an integer ≥ 1${also}, not ${String(value)}`, {
      phase: 'config',
    });
  }
  return value as number;
}
