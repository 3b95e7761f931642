/**
 * Input stream handler configuration: which rule decides when a node's `process` runs.
 * Names and options follow MediaPipe's handlers.
 *
 * Threading: plain data.
 */

/** MediaPipe's `DefaultInputStreamHandler`: one sync set over all inputs. */
export interface DefaultHandlerConfig {
  readonly name: 'DefaultInputStreamHandler';
  /** Gather this many input sets before calling `process` once per set (MediaPipe's batch_size). Default 1. */
  readonly batchSize?: number;
}

/** MediaPipe's `ImmediateInputStreamHandler`: every input is its own set; fires on any packet. */
export interface ImmediateHandlerConfig {
  readonly name: 'ImmediateInputStreamHandler';
}

/**
 * MediaPipe's `EarlyCloseInputStreamHandler`: like Default, but the node closes as soon as any
 * input is done, other inputs' packets notwithstanding (a cycle's node closes with its forward input).
 */
export interface EarlyCloseHandlerConfig {
  readonly name: 'EarlyCloseInputStreamHandler';
}

/**
 * MediaPipe's `MuxInputStreamHandler`: the control input (tag `SELECT`, else the last input) picks,
 * at each of its timestamps, the one data input to take; the others are never waited for.
 */
export interface MuxHandlerConfig {
  readonly name: 'MuxInputStreamHandler';
}

/**
 * MediaPipe's `BarrierInputStreamHandler`: fires once every input holds a packet, taking the oldest
 * of each whatever their timestamps; closes once any input is done.
 */
export interface BarrierHandlerConfig {
  readonly name: 'BarrierInputStreamHandler';
}

/**
 * MediaPipe's `TimestampAlignInputStreamHandler`: streams on clocks a constant apart are lined up on
 * the base stream's clock, from the offsets seen when each first delivers a packet.
 */
export interface TimestampAlignHandlerConfig {
  readonly name: 'TimestampAlignInputStreamHandler';
  /** The base stream, as `TAG`, `TAG:index` or `:index`. Default: the first input. */
  readonly timestampBaseTagIndex?: string;
}

/** MediaPipe's `SyncSetInputStreamHandler`: inputs synchronised within declared groups only. */
export interface SyncSetHandlerConfig {
  readonly name: 'SyncSetInputStreamHandler';
  /** Groups of `TAG:index` (or `TAG`) input ids; inputs not listed form one more set together. */
  readonly syncSets: readonly (readonly string[])[];
}

/** MediaPipe's `FixedSizeInputStreamHandler`: the default handler that trims old packets. */
export interface FixedSizeHandlerConfig {
  readonly name: 'FixedSizeInputStreamHandler';
  /** Queue size at which trimming starts. Default 2. */
  readonly triggerQueueSize?: number;
  /** Queue size trimming leaves. Default 1. */
  readonly targetQueueSize?: number;
  /** Trim only the latest timestamps that are settled on every input (MediaPipe's fixed_min_size). Default false. */
  readonly fixedMinSize?: boolean;
}

/** Any supported handler configuration. Plain data, structured-cloneable; any thread. */
export type InputStreamHandlerConfig =
  | DefaultHandlerConfig
  | ImmediateHandlerConfig
  | EarlyCloseHandlerConfig
  | MuxHandlerConfig
  | BarrierHandlerConfig
  | TimestampAlignHandlerConfig
  | SyncSetHandlerConfig
  | FixedSizeHandlerConfig;

/** Names of the supported handlers. */
export const INPUT_STREAM_HANDLERS = [
  'DefaultInputStreamHandler',
  'ImmediateInputStreamHandler',
  'EarlyCloseInputStreamHandler',
  'MuxInputStreamHandler',
  'BarrierInputStreamHandler',
  'TimestampAlignInputStreamHandler',
  'SyncSetInputStreamHandler',
  'FixedSizeInputStreamHandler',
] as const;
