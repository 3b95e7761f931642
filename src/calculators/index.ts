/**
 * weft's core calculators: their definitions, and the module URLs the registry needs to load them in
 * worker threads.
 *
 * Threading: importing this module only defines the calculators (no work at top level), so any
 * thread may import it.
 */
import adder from './adder.js';
import collector from './collector.js';
import constantSidePacket from './constant-side-packet.js';
import counterSource from './counter-source.js';
import flowLimiter from './flow-limiter.js';
import gate from './gate.js';
import inference from './inference.js';
import merge from './merge.js';
import mux from './mux.js';
import packetPresence from './packet-presence.js';
import passThrough from './pass-through.js';
import pool from './pool-calculator.js';
import preprocess from './preprocess.js';
import previousLoopback from './previous-loopback.js';
import replicaDispatch from './replica-dispatch.js';
import replicaGather from './replica-gather.js';
import roundRobinDemux from './round-robin-demux.js';
import sidePacketToStream from './side-packet-to-stream.js';
import syntheticVideo from './synthetic-video.js';
import timeShift from './time-shift.js';

export type { AdderOptions } from './adder.js';
export { default as AdderCalculator } from './adder.js';
export type { CollectedPacket, CollectorOptions } from './collector.js';
export { default as CollectorCalculator } from './collector.js';
export type { ConstantSidePacketOptions } from './constant-side-packet.js';
export { default as ConstantSidePacketCalculator } from './constant-side-packet.js';
export type { CounterSourceOptions } from './counter-source.js';
export { default as CounterSourceCalculator } from './counter-source.js';
export type { FlowLimiterOptions } from './flow-limiter.js';
export { default as FlowLimiterCalculator } from './flow-limiter.js';
export type { GateOptions } from './gate.js';
export { default as GateCalculator } from './gate.js';
export type { BatchClock, BatchInfo, BatchTrigger, InferenceOptions, InferenceResult } from './inference.js';
export { default as InferenceCalculator } from './inference.js';
export type { MergeOptions } from './merge.js';
export { default as MergeCalculator } from './merge.js';
export type { MuxOptions } from './mux.js';
export { default as MuxCalculator } from './mux.js';
export type { PacketPresenceOptions } from './packet-presence.js';
export { default as PacketPresenceCalculator } from './packet-presence.js';
export type { PassThroughOptions } from './pass-through.js';
export { default as PassThroughCalculator } from './pass-through.js';
export type { PoolCall, PoolFunction, PoolOptions } from './pool-calculator.js';
export { default as PoolCalculator } from './pool-calculator.js';
export type { PreprocessOptions } from './preprocess.js';
export { default as PreprocessCalculator } from './preprocess.js';
export type { PreviousLoopbackOptions } from './previous-loopback.js';
export { default as PreviousLoopbackCalculator } from './previous-loopback.js';
export type { ReplicaDispatchOptions } from './replica-dispatch.js';
export { default as ReplicaDispatchCalculator } from './replica-dispatch.js';
export type { ReplicaGatherOptions } from './replica-gather.js';
export { default as ReplicaGatherCalculator } from './replica-gather.js';
export type { RoundRobinDemuxOptions } from './round-robin-demux.js';
export { default as RoundRobinDemuxCalculator } from './round-robin-demux.js';
export type { SidePacketToStreamOptions } from './side-packet-to-stream.js';
export { default as SidePacketToStreamCalculator } from './side-packet-to-stream.js';
export type { SyntheticFrameMeta, SyntheticPixelFormat, SyntheticVideoOptions } from './synthetic-video.js';
export {
  default as SyntheticVideoCalculator,
  renderSyntheticFrame,
  syntheticFrameTimestamp,
} from './synthetic-video.js';
export type { TimeShiftOptions } from './time-shift.js';
export { default as TimeShiftCalculator } from './time-shift.js';

/** A registry entry for a calculator module. */
export interface CoreCalculatorModule {
  readonly name: string;
  /** `file:` URL of the module, `.ts` when weft runs from source, `.js` when compiled. */
  readonly module: string;
  readonly exportName: 'default';
}

// Each definition with its file's base name; the names come from the definitions so they cannot drift.
const FILES: readonly (readonly [{ readonly name: string }, string])[] = [
  [passThrough, 'pass-through'],
  [merge, 'merge'],
  [mux, 'mux'],
  [constantSidePacket, 'constant-side-packet'],
  [sidePacketToStream, 'side-packet-to-stream'],
  [packetPresence, 'packet-presence'],
  [previousLoopback, 'previous-loopback'],
  [roundRobinDemux, 'round-robin-demux'],
  [adder, 'adder'],
  [timeShift, 'time-shift'],
  [gate, 'gate'],
  [flowLimiter, 'flow-limiter'],
  [counterSource, 'counter-source'],
  [collector, 'collector'],
  [syntheticVideo, 'synthetic-video'],
  [preprocess, 'preprocess'],
  [inference, 'inference'],
  [replicaDispatch, 'replica-dispatch'],
  [replicaGather, 'replica-gather'],
  [pool, 'pool-calculator'],
];

/**
 * Registry entries for calculator definitions whose modules sit beside `baseUrl`, each given with its
 * file's base name. Worker threads import the module by URL, so the URL points at this build's own
 * files: `.ts` when weft runs from source (tsx, vitest), `.js` when compiled.
 */
export function calculatorModulesBeside(
  baseUrl: string,
  files: readonly (readonly [{ readonly name: string }, string])[],
): CoreCalculatorModule[] {
  const ext = baseUrl.endsWith('.ts') ? 'ts' : 'js';
  return files.map(([definition, file]) => ({
    name: definition.name,
    module: new URL(`./${file}.${ext}`, baseUrl).href,
    exportName: 'default' as const,
  }));
}

/** One entry per core calculator, for `registry.register(name, module, exportName)`. */
export function coreCalculatorModules(): CoreCalculatorModule[] {
  return calculatorModulesBeside(import.meta.url, FILES);
}
