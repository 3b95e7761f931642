/**
 * `weft/calculator`: what a calculator module needs, and nothing of the runtime around it.
 *
 * Every node's worker thread imports its calculator's module. A module that imports `weft` loads the
 * whole public entry on that thread — graphs, sessions, the supervisor, the fleet, Redis, the
 * dashboard, metrics: ~200 modules it never uses (their third-party packages and Node's http and tls
 * load only when used). Measured on a 2-core host: ~85 ms of a fresh thread's start-up against ~6 ms
 * for this entry, and a graph of four such nodes started (startRun to first output) in ~300 ms
 * against ~150 ms. The cost is paid per thread: at every start, and again at every restart of a node
 * under the `restart` policy. Calculator modules should import from here; the values are the same
 * objects as `weft`'s, so either works with the other.
 *
 * Threading: any thread. Lifecycle: none (definitions, constants, error classes and types).
 */
export {
  type Calculator,
  type CalculatorContext,
  type CalculatorContract,
  type CalculatorDefinition,
  type Cardinality,
  defineCalculator,
  type FrameAccess,
  type InputPacket,
  type LifecycleResult,
  type NodeWiring,
  type OutputPort,
  type PortDecls,
  STOP,
} from './core/calculator.js';
export {
  BadOptionsError,
  CalculatorError,
  CancelledError,
  CodecError,
  type ErrorContext,
  FrameForeignError,
  FrameStaleError,
  FrameTooLargeError,
  InternalError,
  InvalidArgumentError,
  InvalidTimestampError,
  MissingDependencyError,
  PayloadTooLargeError,
  type Phase,
  PoolExhaustedError,
  RingClosedError,
  StreamClosedError,
  TimeoutError,
  TimestampOrderError,
  UnknownPortError,
  UsageError,
  WeftError,
  type WeftErrorClass,
} from './core/errors.js';
export { FrameRef, isFrameRef } from './core/frame-ref.js';
export type { InputStreamHandlerConfig } from './core/input-stream-handler-config.js';
export {
  formatTimestamp,
  isAllowedInStream,
  isRangeValue,
  nextAllowedInStream,
  previousAllowedInStream,
  Timestamp,
} from './core/timestamp.js';
