/**
 * A run's options, their defaults, and the defaults resolved: the supervisor's configuration.
 *
 * Threading: plain data and a pure function, any thread.
 */
import type { RestartRecord } from '../core/errors.js';
import { isHeapLimit, isTimeLimit } from '../core/graph-validation-ports.js';
import { unknownOptionsProblem } from '../core/option-names.js';
import type { FramePoolOptions } from '../transport/frame-pool.js';
import type { Chaining } from './actor-groups.js';

/**
 * Options of a run. Read once, when the run starts, on the thread that starts it; the callbacks are
 * called there and never cross threads.
 */
export interface SupervisorOptions {
  /** Frame pool size classes. Default: 64 slots of 64 KiB and 16 of 4 MiB. */
  frames?: FramePoolOptions;
  /** Bytes per ring. Default 64 KiB. */
  ringBytes?: number;
  /**
   * Wake the main thread at every output record instead of batching wake-ups (≤ 1 ms): lower
   * latency for a run whose outputs are few and urgent (a Run with a `replace` input), a wake-up per
   * record. Default false.
   */
  eagerOutputs?: boolean;
  /**
   * Whether linear runs of one-to-one nodes share a thread (see {@link Chaining}); nodes that name
   * one executor share a thread whatever this says. Default {@link DEFAULT_CHAINING}.
   */
  chaining?: Chaining;
  /** Timeout of control calls (open, start). Default 30 s. */
  callTimeoutMs?: number;
  /**
   * A calculator call (open, process or close) running longer than this many ms fails the run with
   * NodeStuckError naming the node and phase, and its thread is ended. The graph's and each node's
   * `stuckTimeoutMs` override it; -1 for no limit. Default {@link DEFAULT_STUCK_TIMEOUT_MS}.
   */
  stuckTimeoutMs?: number;
  /**
   * The JavaScript heap (old generation) each node's thread may use, MiB: past it the thread is
   * ended and the run fails with OutOfMemoryError naming the node, while the process lives on. The
   * graph's and each node's `heapLimitMb` override it. Default {@link DEFAULT_HEAP_LIMIT_MB}.
   */
  heapLimitMb?: number;
  /** How often the watchdog reads the counters. Default 100 ms. */
  watchdogMs?: number;
  /** How long stopped actors get to finish before they are terminated. Default 5 s. */
  shutdownTimeoutMs?: number;
  /** Receives warnings (a deadlock resolved by growing a queue). Default: process.emitWarning. */
  onWarning?: (message: string) => void;
  /**
   * Told of every failure a node's restart policy survived (`resume`), on the thread that runs the
   * graph, shortly after the node went on: node, phase, the error's code and message, the node's
   * count. A callback that throws fails the run with ObserverError. Default: nothing.
   */
  onNodeRestart?: (record: RestartRecord) => void;
}

/**
 * How a run lays nodes on threads when it does not say: `'auto'`, chains cut to about one busy
 * thread per core once the nodes outnumber the cores (see {@link Chaining}).
 */
export const DEFAULT_CHAINING: Chaining = 'auto';

/**
 * The heap limit of a node's thread when neither the node, the graph nor the run sets one: 1 GiB. A
 * constant; any thread.
 */
export const DEFAULT_HEAP_LIMIT_MB = 1024;

/**
 * The stuck-call limit when neither the node, the graph nor the run sets one: 30 s. A constant; any
 * thread.
 */
export const DEFAULT_STUCK_TIMEOUT_MS = 30_000;

/** The frame pool when a run sets none: 64 slots of 64 KiB and 16 of 4 MiB. */
export const DEFAULT_FRAMES: FramePoolOptions = {
  name: 'graph-frames',
  classes: [
    { slotBytes: 64 * 1024, slots: 64 },
    { slotBytes: 4 * 1024 * 1024, slots: 16 },
  ],
};

/** The options the supervisor reads, every default applied. */
export type ResolvedSupervisorOptions = Required<
  Omit<SupervisorOptions, 'frames' | 'ringBytes' | 'eagerOutputs' | 'chaining'>
>;

/** Applies the defaults. */
export function resolveOptions(options: SupervisorOptions): ResolvedSupervisorOptions {
  return {
    callTimeoutMs: options.callTimeoutMs ?? 30_000,
    stuckTimeoutMs: options.stuckTimeoutMs ?? DEFAULT_STUCK_TIMEOUT_MS,
    heapLimitMb: options.heapLimitMb ?? DEFAULT_HEAP_LIMIT_MB,
    watchdogMs: options.watchdogMs ?? 100,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 5_000,
    onWarning: options.onWarning ?? ((m) => process.emitWarning(m, 'WeftWarning')),
    onNodeRestart: options.onNodeRestart ?? (() => {}),
  };
}

const SUPERVISOR_KEYS: readonly (keyof SupervisorOptions)[] = [
  'frames',
  'ringBytes',
  'eagerOutputs',
  'chaining',
  'callTimeoutMs',
  'stuckTimeoutMs',
  'heapLimitMb',
  'watchdogMs',
  'shutdownTimeoutMs',
  'onWarning',
  'onNodeRestart',
];
const CHAININGS: readonly Chaining[] = ['auto', 'on', 'off'];

/**
 * Checks a run's options before anything starts: each value's type and range, and no key but
 * `SUPERVISOR_KEYS` and `extraKeys` (a misspelt option would otherwise be ignored: a misspelt
 * `stuckTimeoutMs` turned the stuck-call watchdog off). Returns every problem, `where` first;
 * empty when the options are good. Pure; any thread.
 */
export function supervisorOptionProblems(
  options: object,
  where: string,
  extraKeys: readonly string[] = [],
): string[] {
  const o = options as Record<string, unknown>;
  const out: string[] = [];
  const bad = (key: string, want: string) =>
    out.push(`${where}: ${key} must be ${want}, not ${show(o[key])}`);
  const names = unknownOptionsProblem(o, [...SUPERVISOR_KEYS, ...extraKeys], where);
  if (names !== undefined) out.push(names);
  const has = (key: string) => o[key] !== undefined;
  const int = (key: string, min: number, max: number) => {
    const v = o[key];
    return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
  };
  // The same ranges as a graph's and a node's own limits (graph-validation-ports.ts).
  if (has('stuckTimeoutMs') && !(typeof o.stuckTimeoutMs === 'number' && isTimeLimit(o.stuckTimeoutMs)))
    bad('stuckTimeoutMs', 'an integer number of ms from 1 to 86400000, or -1 for no limit');
  if (has('callTimeoutMs') && !int('callTimeoutMs', 1, 86_400_000))
    bad('callTimeoutMs', 'an integer number of ms from 1 to 86400000');
  if (has('watchdogMs') && !int('watchdogMs', 1, 60_000))
    bad('watchdogMs', 'an integer number of ms from 1 to 60000');
  if (has('shutdownTimeoutMs') && !int('shutdownTimeoutMs', 0, 86_400_000))
    bad('shutdownTimeoutMs', 'an integer number of ms from 0 to 86400000');
  if (has('heapLimitMb') && !(typeof o.heapLimitMb === 'number' && isHeapLimit(o.heapLimitMb)))
    bad('heapLimitMb', 'an integer number of MiB, 16 to 65536');
  const ring = o.ringBytes as number;
  if (has('ringBytes') && !(int('ringBytes', 1024, 2 ** 30) && (ring & (ring - 1)) === 0))
    bad('ringBytes', 'a power of two from 1024 to 1073741824');
  if (has('eagerOutputs') && typeof o.eagerOutputs !== 'boolean') bad('eagerOutputs', 'true or false');
  if (has('chaining') && !CHAININGS.includes(o.chaining as Chaining))
    bad('chaining', `one of ${CHAININGS.map((c) => `'${c}'`).join(', ')}`);
  for (const key of ['onWarning', 'onNodeRestart'])
    if (has(key) && typeof o[key] !== 'function') bad(key, 'a function');
  if (has('frames') && (typeof o.frames !== 'object' || o.frames === null)) bad('frames', 'an object');
  return out;
}

function show(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : typeof v === 'function' ? 'a function' : String(v);
}
