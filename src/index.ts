/// <reference types="node" preserve="true" />
/**
 * weft: streaming calculator graphs on Node.js, every calculator an actor in its own worker thread.
 *
 * This is the public entry of the runtime. Everything exported here is documented with its
 * threading and lifecycle contract; anything not exported is internal and may change. Two more
 * entries: `weft/calculator` (src/calculator.ts), the part of this API a calculator module needs,
 * which its thread loads without the runtime; and `weft/models` (src/models/index.ts), the small
 * ONNX models of the examples and the fleet, so that the runtime's entry carries no ONNX encoder.
 */

export type { Chaining } from './actors/actor-groups.js';
export type { StreamObserver } from './actors/output-pump.js';
export {
  DEFAULT_HEAP_LIMIT_MB,
  DEFAULT_STUCK_TIMEOUT_MS,
  type SupervisorOptions,
} from './actors/supervisor.js';
export {
  liveThreadCount,
  type SpawnOptions,
  spawnTask,
  type ThreadTask,
  terminateAllThreads,
} from './actors/thread-task.js';
export { CalculatorGraph, type CalculatorGraphOptions } from './api/calculator-graph.js';
export { defaultRegistry } from './api/graph-preparation.js';
export { Run } from './api/run.js';
export {
  type InputDropInfo,
  type InputDropReason,
  type InputOptions,
  type OverflowPolicy,
  type ResolvedRunOptions,
  RUN_PRESETS,
  type RunOptions,
  type RunPreset,
  resolveRunOptions,
} from './api/run-options.js';
export type {
  InputStats,
  OutputSample,
  PullResult,
  PushSample,
  RunOutput,
  RunState,
  RunStats,
} from './api/run-types.js';
export {
  PullNode,
  PushNode,
  pull,
  push,
  Session,
  type SessionOptions,
  type SessionPart,
  type SessionRunOptions,
  type SyncRunResult,
} from './api/session.js';
// The calculator library, listed explicitly in its own module.
export * from './calculators/library.js';
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
export { type CalculatorEntry, CalculatorRegistry } from './core/calculator-registry.js';
export {
  BadNameError,
  BadOptionsError,
  CalculatorError,
  CancelledError,
  CodecError,
  type CodedError,
  CycleError,
  DashboardListenError,
  DeadlockError,
  DuplicateNodeError,
  DuplicateProducerError,
  deserializeError,
  type ErrorContext,
  errorCodes,
  FrameForeignError,
  FrameStaleError,
  FrameTooLargeError,
  GraphInvalidError,
  GraphParseError,
  GraphThrottledError,
  InternalError,
  InvalidArgumentError,
  InvalidTimestampError,
  MissingDependencyError,
  NodeStuckError,
  NoProducerError,
  ObserverError,
  OutOfMemoryError,
  PayloadTooLargeError,
  type Phase,
  PoolExhaustedError,
  PortIndexError,
  PortTagError,
  RedisAuthError,
  RedisCommandError,
  RedisConnectionError,
  RedisTlsError,
  RemoteError,
  RestartLimitError,
  type RestartRecord,
  RingClosedError,
  type SerializedError,
  SidePacketMissingError,
  StreamClosedError,
  StreamEntryError,
  serializeError,
  TimeoutError,
  TimestampOrderError,
  UnknownCalculatorError,
  UnknownPortError,
  UsageError,
  WeftError,
  type WeftErrorClass,
  WorkerExitError,
} from './core/errors.js';
export { type FramePoolDescriptorBase, FrameRef, isFrameRef } from './core/frame-ref.js';
export { GraphBuilder, graph } from './core/graph-builder.js';
export {
  DEFAULT_RESTART,
  type ExecutorConfig,
  type GraphConfig,
  type NodeConfig,
  type PortRef,
  type ResolvedGraph,
  type ResolvedNode,
  type ResolvedPort,
  type ResolvedRestartPolicy,
  type ResolvedStream,
  type RestartDelivery,
  type RestartPolicy,
  type RestartPolicyName,
} from './core/graph-config.js';
export { formatGraphText, parseGraphText } from './core/graph-text.js';
export { validateGraph } from './core/graph-validation.js';
export { type GraphFigures, toDot, toMermaid } from './core/graph-viz.js';
export type { InputStreamHandlerConfig } from './core/input-stream-handler-config.js';
export {
  formatTimestamp,
  isAllowedInStream,
  isRangeValue,
  nextAllowedInStream,
  previousAllowedInStream,
  Timestamp,
} from './core/timestamp.js';
export {
  type CameraShardOptions,
  default as CameraShardCalculator,
} from './fleet/camera-shard.js';
export { fleetCalculatorModules, fleetRegistry } from './fleet/fleet-calculators.js';
export { FleetControl } from './fleet/fleet-control.js';
export { fleetDashboardFigures } from './fleet/fleet-dashboard.js';
export {
  FLEET_DEFAULTS,
  type FleetGraph,
  type FleetOptions,
  fleetGraph,
  fleetModel,
  hostShards,
} from './fleet/fleet-graph.js';
export {
  camerasOfShard,
  type Detection,
  type FrameMeta,
  fleetTimestamp,
  hashCamera,
  shardOf,
} from './fleet/fleet-layout.js';
export { type FleetReport, type FleetRunOptions, runFleet } from './fleet/fleet-run.js';
export { type FleetSerialReport, runFleetSerial } from './fleet/fleet-serial.js';
export { type FleetFigures, FleetStats, type FleetStatsDescriptor } from './fleet/fleet-stats.js';
export {
  type ClusterKeys,
  clusterKeys,
  streamOfCamera,
  streamsOfLane,
} from './redis/cluster-keys.js';
export type { RedisFigures } from './redis/redis-counters.js';
export { type FeedOptions, type FeedReport, runFeed } from './redis/redis-feed.js';
export { REDIS_FLEET_DEFAULTS, type RedisFleetOptions, redisFleetGraph } from './redis/redis-fleet-graph.js';
export { type RedisFleetReport, type RedisFleetRunOptions, runRedisFleet } from './redis/redis-fleet-run.js';
export { type ClusterReport, clusterReport } from './redis/redis-report.js';
export {
  type AckRef,
  default as RedisStreamSinkCalculator,
  type RedisStreamSinkOptions,
} from './redis/redis-stream-sink.js';
export {
  default as RedisStreamSourceCalculator,
  type RedisStreamSourceOptions,
  type SourceMeta,
} from './redis/redis-stream-source.js';
export { redactRedisUrl } from './redis/redis-url.js';
export {
  DEFAULT_WIRE_LIMITS,
  decodeEntry,
  encodeEntry,
  WIRE_VERSION,
  type WireEntry,
  type WireHeader,
  type WireKind,
  type WireLimits,
} from './redis/stream-wire-format.js';
export { type ChromeTrace, type TimelineSample, toChromeTrace } from './telemetry/chrome-trace.js';
export {
  type BoundaryFlow,
  diagnose,
  type ElementTiming,
  formatDiagSnapshot,
  type PadFlow,
  type PullFlow,
  type PushFlow,
  type RunBoundaryFigures,
  type RunDiagSnapshot,
} from './telemetry/diag-snapshot.js';
export { LatencyProfiler, type LatencySummary } from './telemetry/latency-profiler.js';
export {
  type AppFigures,
  type LaneFigures,
  type LatencyHistogram,
  LiveReader,
  type LiveReading,
  type LiveSource,
  type LiveSourceRef,
  readLive,
} from './telemetry/live-reading.js';
export { WeftMetrics } from './telemetry/prometheus-metrics.js';
export type { StageStats } from './telemetry/stage-stats.js';
export { CalculatorRunner, runCalculator } from './testing/calculator-runner.js';
export {
  Codec,
  type CodecOptions,
  EXT_FRAME,
  EXT_TYPED_ARRAY,
  threadCodec,
} from './transport/codec.js';
export {
  createDoorbell,
  createLoadGauge,
  type DoorbellDescriptor,
  type LoadGaugeDescriptor,
} from './transport/doorbell.js';
export {
  FramePool,
  type FramePoolDescriptor,
  type FramePoolOptions,
  NO_FRAME,
  type SizeClassConfig,
  type SizeClassStats,
} from './transport/frame-pool.js';
export {
  createRing,
  EMPTY,
  InputSet,
  PayloadType,
  RecordKind,
  type RingDescriptor,
  type RingOptions,
  RingReader,
  RingWriter,
} from './transport/ring-queue.js';
export type {
  DashboardState,
  EdgeView,
  GraphLayout,
  HistoryView,
  LaneView,
  LayoutEdge,
  LayoutNode,
  NodeView,
  PoolClassView,
  TotalsView,
} from './web/dashboard-protocol.js';
export {
  type DashboardOptions,
  DashboardServer,
  serveDashboard,
} from './web/dashboard-server.js';
