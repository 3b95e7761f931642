/**
 * Typed errors with stable codes.
 *
 * Every failure weft reports is a {@link WeftError} subclass whose `code` is stable across releases
 * (`ERR_WEFT_...`): match on `code`, never on the message. Messages name the node, stream and phase
 * when they are known. Errors cross thread boundaries as {@link SerializedError} records and are
 * rebuilt into the same class by {@link deserializeError}, so a worker's failure reaches the main
 * thread with its class, code, context and cause chain intact.
 *
 * Threading: pure data, usable on any thread. The contract every class here shares is stated once,
 * on {@link WeftError} and `defineError`; each class's own comment says when it is thrown.
 */

import { defineError, type Phase } from './weft-error.js';

export {
  bareMessage,
  type CodedError,
  causeText,
  defineError,
  type ErrorContext,
  errorClassOf,
  errorCodes,
  isWeftError,
  type Phase,
  WeftError,
  type WeftErrorClass,
  withContext,
} from './weft-error.js';

/**
 * Bad configuration or argument, thrown at once by the call that was given it: building or
 * validating a graph (phase `config`), an API call, a calculator checking its input in its call.
 */
export const InvalidArgumentError = defineError(
  'InvalidArgumentError',
  'ERR_WEFT_INVALID_ARGUMENT',
  'invalid argument',
);
export type InvalidArgumentError = InstanceType<typeof InvalidArgumentError>;
/**
 * A timestamp that is not a safe integer, or lies outside the range a stream accepts: thrown where it
 * is given (an output's `add` in a calculator's call, a push or bound on a graph input), or when the
 * packet reaches the consumer's queue (phase `transport`).
 */
export const InvalidTimestampError = defineError(
  'InvalidTimestampError',
  'ERR_WEFT_INVALID_TIMESTAMP',
  'timestamp is not a safe integer in the stream range',
);
export type InvalidTimestampError = InstanceType<typeof InvalidTimestampError>;
/**
 * An inline payload larger than the ring accepts: put large data in a frame instead. Thrown when the
 * packet is written to a ring: by the emitting calculator's `add`, or a push into a graph input.
 */
export const PayloadTooLargeError = defineError(
  'PayloadTooLargeError',
  'ERR_WEFT_PAYLOAD_TOO_LARGE',
  'inline payload exceeds the ring limit',
);
export type PayloadTooLargeError = InstanceType<typeof PayloadTooLargeError>;
/** Push to a ring its producer closed or its consumer abandoned; thrown by that push (phase `transport`). */
export const RingClosedError = defineError('RingClosedError', 'ERR_WEFT_RING_CLOSED', 'ring is closed');
export type RingClosedError = InstanceType<typeof RingClosedError>;
/**
 * A frame handle whose slot was released (and maybe reused): use after release or double release.
 * Thrown by the pool call given the handle, or where a forwarded frame arrives (phase `transport`).
 */
export const FrameStaleError = defineError(
  'FrameStaleError',
  'ERR_WEFT_FRAME_STALE',
  'frame handle is stale or was already released',
);
export type FrameStaleError = InstanceType<typeof FrameStaleError>;
/**
 * A frame handle minted by another pool, or a number that is not a handle; thrown by the pool call
 * given it (phase `transport`).
 */
export const FrameForeignError = defineError(
  'FrameForeignError',
  'ERR_WEFT_FRAME_FOREIGN',
  'frame handle belongs to another pool',
);
export type FrameForeignError = InstanceType<typeof FrameForeignError>;
/** A frame request larger than every size class of the pool; thrown at once by the allocation. */
export const FrameTooLargeError = defineError(
  'FrameTooLargeError',
  'ERR_WEFT_FRAME_TOO_LARGE',
  'frame is larger than the largest size class',
);
export type FrameTooLargeError = InstanceType<typeof FrameTooLargeError>;
/**
 * No free slot in the size class within the timeout: thrown (or, by `allocAsync`, rejected) by an
 * allocation given one (phase `transport`).
 */
export const PoolExhaustedError = defineError(
  'PoolExhaustedError',
  'ERR_WEFT_POOL_EXHAUSTED',
  'frame pool size class is exhausted',
);
export type PoolExhaustedError = InstanceType<typeof PoolExhaustedError>;
/**
 * A value the codec cannot encode, or bytes it cannot decode: thrown where a value crosses threads
 * (a packet written to a ring or read from it, phase `transport`; a side packet sent to its node's
 * thread, phase `open`; a pool task's result).
 */
export const CodecError = defineError('CodecError', 'ERR_WEFT_CODEC', 'value cannot be encoded or decoded');
export type CodecError = InstanceType<typeof CodecError>;
/**
 * A worker thread exited or crashed while work was pending: reported on the thread that started it
 * (phase `run`), failing the run that owned it or the pool task it was running.
 */
export const WorkerExitError = defineError(
  'WorkerExitError',
  'ERR_WEFT_WORKER_EXIT',
  'worker thread exited unexpectedly',
);
export type WorkerExitError = InstanceType<typeof WorkerExitError>;
/** A bounded wait expired: thrown by the wait given the bound (a Run output's `pullOrThrow`, phase `run`). */
export const TimeoutError = defineError('TimeoutError', 'ERR_WEFT_TIMEOUT', 'operation timed out');
export type TimeoutError = InstanceType<typeof TimeoutError>;
/**
 * Work abandoned by `stop()` or `close()`: the waits they cut short (a push, `pullOrThrow`,
 * `waitUntilDone`) reject with it on the thread that owns the run.
 */
export const CancelledError = defineError('CancelledError', 'ERR_WEFT_CANCELLED', 'operation was cancelled');
export type CancelledError = InstanceType<typeof CancelledError>;
/**
 * A non-weft error thrown in another thread, rebuilt with its message (`Name: message`) and stack;
 * `remoteName` is the original class name (`TypeError`), `remoteCode` its `code` if it had one.
 * Made by `deserializeError` on the thread that receives the failure, never thrown where it began.
 */
export const RemoteError = defineError<
  'ERR_WEFT_REMOTE',
  { readonly remoteName?: string; readonly remoteCode?: string }
>('RemoteError', 'ERR_WEFT_REMOTE', 'error thrown in another thread');
export type RemoteError = InstanceType<typeof RemoteError>;

/**
 * An optional package a feature needs is not installed: onnxruntime-node for inference, tsx for a
 * TypeScript module on a Node without type stripping. The message names the package and the
 * install command. Thrown when the feature first loads the package: an inference node's `open`, the
 * import of a TypeScript module (phase `config`), the first metrics server.
 */
export const MissingDependencyError = defineError(
  'MissingDependencyError',
  'ERR_WEFT_MISSING_DEPENDENCY',
  'an optional package this feature needs is not installed',
);
export type MissingDependencyError = InstanceType<typeof MissingDependencyError>;

/**
 * A node's thread ran out of JavaScript heap (its `heapLimitMb`): the thread was ended; the
 * process and the other nodes were not. Reported on the thread that started it (phase `run`), to
 * the run that owned the node or the pool task that was running.
 */
export const OutOfMemoryError = defineError(
  'OutOfMemoryError',
  'ERR_WEFT_OUT_OF_MEMORY',
  'a thread ran out of its heap limit',
);
export type OutOfMemoryError = InstanceType<typeof OutOfMemoryError>;

/**
 * An application callback the runtime called threw: an output observer (`observeOutputStream`) or a
 * Run's `onOutput`. The message names the stream; `cause` is what it threw. It fails the run
 * (phase `run`), on the thread that owns it, where the callback ran.
 */
export const ObserverError = defineError(
  'ObserverError',
  'ERR_WEFT_OBSERVER',
  'an output callback of the application threw',
);
export type ObserverError = InstanceType<typeof ObserverError>;

// Graph configuration and validation (reported before any worker starts): graph-errors.ts.
export {
  BadNameError,
  BadOptionsError,
  CycleError,
  DuplicateNodeError,
  DuplicateProducerError,
  GraphInvalidError,
  GraphParseError,
  NoProducerError,
  PortIndexError,
  PortTagError,
  SidePacketMissingError,
  UnknownCalculatorError,
} from './graph-errors.js';

// Running a graph.
/**
 * A packet below its stream's bound, or a bound lowered ("Packet timestamp mismatch"): thrown by the
 * output's `add` in the calculator's call, a push into a graph input, or when the packet reaches
 * the consumer's queue (phase `transport`).
 */
export const TimestampOrderError = defineError(
  'TimestampOrderError',
  'ERR_WEFT_TIMESTAMP_ORDER',
  'timestamp is below the stream bound',
);
export type TimestampOrderError = InstanceType<typeof TimestampOrderError>;
/**
 * A packet added to an output stream after it was closed, thrown by that `add` in the calculator's
 * call; also a Run output's `pullOrThrow` once the output closed.
 */
export const StreamClosedError = defineError(
  'StreamClosedError',
  'ERR_WEFT_STREAM_CLOSED',
  'packet sent to a closed stream',
);
export type StreamClosedError = InstanceType<typeof StreamClosedError>;
/**
 * A port a calculator asked for that its node does not have: thrown by the context's lookup in the
 * calculator's call (or by a CalculatorRunner given a port id the node lacks).
 */
export const UnknownPortError = defineError(
  'UnknownPortError',
  'ERR_WEFT_UNKNOWN_PORT',
  'no such port on this node',
);
export type UnknownPortError = InstanceType<typeof UnknownPortError>;
/**
 * An error thrown by a calculator's open, process or close; `cause` is the original error. Made on
 * the actor's thread with that phase; it fails the run unless the node's restart policy recovers.
 */
export const CalculatorError = defineError('CalculatorError', 'ERR_WEFT_CALCULATOR', 'calculator failed');
export type CalculatorError = InstanceType<typeof CalculatorError>;
/**
 * A node whose restart policy recovered it more than `maxRestarts` times within `periodMs`: the
 * policy escalates, and the run fails. `cause` is the last failure; `restarts` lists every recovery
 * in the window and the failure that escalated, oldest first ({@link RestartRecord}).
 */
export const RestartLimitError = defineError<
  'ERR_WEFT_RESTART_LIMIT',
  { readonly restarts?: readonly RestartRecord[] }
>('RestartLimitError', 'ERR_WEFT_RESTART_LIMIT', 'restart limit exceeded');
export type RestartLimitError = InstanceType<typeof RestartLimitError>;

/**
 * One failure a restart policy saw (see RestartLimitError, and a run's `onNodeRestart`). Plain data,
 * structured-cloneable; any thread.
 */
export interface RestartRecord {
  readonly node: string;
  readonly phase: Phase;
  /**
   * What the policy did: the node went on with the same instance (`resume`), with a fresh instance
   * on a fresh thread (`restart`), or the run failed (`escalate`).
   */
  readonly action: 'resume' | 'restart' | 'escalate';
  /** Recoveries of this node so far, this one included (for `escalate`: those in the window). */
  readonly count: number;
  /** Epoch ms. */
  readonly at: number;
  readonly code: string | undefined;
  readonly message: string;
  /**
   * Input packets the failure cost (see `StageStats.lost`): the failing call's input set when it is
   * dropped (`resume`; `restart` under at-most-once, or a retry that failed again) and its call had
   * sent no output, and what a `restart` node's thread that died had read and not processed. 0 for
   * a failed `open` or `close`, and for a fault outside any call.
   */
  readonly lost: number;
}

/**
 * A calculator call that ran past the configured time limit: the run's watchdog fails the run with
 * it, and a stop whose grace ran out gives it as its CancelledError's cause. Phase: the call's.
 */
export const NodeStuckError = defineError(
  'NodeStuckError',
  'ERR_WEFT_NODE_STUCK',
  'calculator call did not return in time',
);
export type NodeStuckError = InstanceType<typeof NodeStuckError>;
/**
 * The graph stopped making progress behind full queues, or while a node waits for a frame of an
 * exhausted pool class (with `reportDeadlock`): the run's watchdog fails the run with it.
 */
export const DeadlockError = defineError(
  'DeadlockError',
  'ERR_WEFT_DEADLOCK',
  'graph is deadlocked behind full queues or an exhausted frame pool',
);
export type DeadlockError = InstanceType<typeof DeadlockError>;

/**
 * A packet refused because a queue its graph input feeds is full, in MediaPipe's add-if-not-full
 * mode (`setGraphInputStreamAddMode('addIfNotFull')`): "Graph is throttled". Nothing was added.
 * Thrown by that add (phase `run`); the graph goes on.
 */
export const GraphThrottledError = defineError(
  'GraphThrottledError',
  'ERR_WEFT_GRAPH_THROTTLED',
  'graph is throttled: a queue fed by this input is full',
);
export type GraphThrottledError = InstanceType<typeof GraphThrottledError>;

/**
 * An API used against its threading or lifecycle rules (e.g. a second push while one waits): thrown
 * (or rejected) at once by the misused call, on the caller's thread.
 */
export const UsageError = defineError('UsageError', 'ERR_WEFT_USAGE', 'API used against its rules');
export type UsageError = InstanceType<typeof UsageError>;

/**
 * One of weft's own invariants failed (e.g. a frame handed across a ring never arrived): a bug in
 * weft, not in the application. The message says what was expected and what was seen. Thrown where
 * the check failed, in any phase.
 */
export const InternalError = defineError(
  'InternalError',
  'ERR_WEFT_INTERNAL',
  'an invariant of weft failed (a bug in weft: please report it)',
);
export type InternalError = InstanceType<typeof InternalError>;

export { deserializeError, type SerializedError, serializeError } from './error-serialization.js';
// Redis Streams across hosts and the web view's server: service-errors.ts.
export {
  DashboardListenError,
  RedisAuthError,
  RedisCommandError,
  RedisConnectionError,
  RedisTlsError,
  StreamEntryError,
} from './service-errors.js';
