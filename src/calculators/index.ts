/**
 * weft's core calculators: their definitions, and the module URLs the registry needs to load them in
 * worker threads.
 *
 * Threading: importing this module only defines the calculators (no work at top level), so any
 * thread may import it.
 */

import redisStreamSink from '../redis/redis-stream-sink.js';
import redisStreamSource from '../redis/redis-stream-source.js';
import adder from './adder.js';
import beginItemLoop from './begin-item-loop.js';
import * as beginLoop from './begin-loop.js';
import bypass from './bypass.js';
import * as clipVectorSize from './clip-vector-size.js';
import collector from './collector.js';
import * as concatenateVector from './concatenate-vector.js';
import constantSidePacket from './constant-side-packet.js';
import counterSource from './counter-source.js';
import countingSource from './counting-source.js';
import defaultSidePacket from './default-side-packet.js';
import dequantizeByteArray from './dequantize-byte-array.js';
import endItemLoop from './end-item-loop.js';
import * as endLoop from './end-loop.js';
import flowLimiter from './flow-limiter.js';
import gate from './gate.js';
import * as getVectorItem from './get-vector-item.js';
import immediateMux from './immediate-mux.js';
import inference from './inference.js';
import makePair from './make-pair.js';
import merge from './merge.js';
import * as mergeToVector from './merge-to-vector.js';
import mux from './mux.js';
import nonZero from './non-zero.js';
import packetCloner from './packet-cloner.js';
import packetInnerJoin from './packet-inner-join.js';
import packetPresence from './packet-presence.js';
import packetResampler from './packet-resampler.js';
import packetSequencer from './packet-sequencer.js';
import packetThinner from './packet-thinner.js';
import passThrough from './pass-through.js';
import pool from './pool-calculator.js';
import preprocess from './preprocess.js';
import previousLoopback from './previous-loopback.js';
import quantizeFloatVector from './quantize-float-vector.js';
import replicaDispatch from './replica-dispatch.js';
import replicaGather from './replica-gather.js';
import roundRobinDemux from './round-robin-demux.js';
import sequenceShift from './sequence-shift.js';
import sidePacketToStream from './side-packet-to-stream.js';
import * as splitVector from './split-vector.js';
import streamToSidePacket from './stream-to-side-packet.js';
import * as stringToInt from './string-to-int.js';
import syntheticVideo from './synthetic-video.js';
import timeShift from './time-shift.js';
import valueOrDefault from './value-or-default.js';
import * as vectorIndices from './vector-indices.js';
import * as vectorSize from './vector-size.js';

export type { AdderOptions } from './adder.js';
export { default as AdderCalculator } from './adder.js';
export type { BeginItemLoopOptions } from './begin-item-loop.js';
export { default as BeginItemLoopCalculator } from './begin-item-loop.js';
export type { BeginLoopOptions } from './begin-loop.js';
export { beginLoopCalculator, default as BeginLoopCalculator } from './begin-loop.js';
export type { BypassOptions } from './bypass.js';
export { default as BypassCalculator } from './bypass.js';
export type { ClipVectorSizeOptions } from './clip-vector-size.js';
export { clipVectorSizeCalculator, default as ClipVectorSizeCalculator } from './clip-vector-size.js';
export type { CollectedPacket, CollectorOptions } from './collector.js';
export { default as CollectorCalculator } from './collector.js';
export type { ConcatenateVectorOptions, ConcatenateVectorVariant } from './concatenate-vector.js';
export { concatenateVectorCalculator, default as ConcatenateVectorCalculator } from './concatenate-vector.js';
export type { ConstantSidePacketOptions } from './constant-side-packet.js';
export { default as ConstantSidePacketCalculator } from './constant-side-packet.js';
export type { CounterSourceOptions } from './counter-source.js';
export { default as CounterSourceCalculator } from './counter-source.js';
export type { CountingSourceOptions } from './counting-source.js';
export { default as CountingSourceCalculator } from './counting-source.js';
export type { DefaultSidePacketOptions } from './default-side-packet.js';
export { default as DefaultSidePacketCalculator } from './default-side-packet.js';
export type { DequantizeByteArrayOptions } from './dequantize-byte-array.js';
export { default as DequantizeByteArrayCalculator } from './dequantize-byte-array.js';
export type { EndItemLoopOptions } from './end-item-loop.js';
export { default as EndItemLoopCalculator } from './end-item-loop.js';
export type { EndLoopOptions } from './end-loop.js';
export { default as EndLoopCalculator, endLoopCalculator } from './end-loop.js';
export type { FlowLimiterOptions } from './flow-limiter.js';
export { default as FlowLimiterCalculator } from './flow-limiter.js';
export type { GateOptions } from './gate.js';
export { default as GateCalculator } from './gate.js';
export type { GetVectorItemOptions } from './get-vector-item.js';
export { default as GetVectorItemCalculator, getVectorItemCalculator } from './get-vector-item.js';
export type { ImmediateMuxOptions } from './immediate-mux.js';
export { default as ImmediateMuxCalculator } from './immediate-mux.js';
export type { BatchClock, BatchInfo, BatchTrigger, InferenceOptions, InferenceResult } from './inference.js';
export { default as OnnxInferenceCalculator } from './inference.js';
export type { MakePairOptions } from './make-pair.js';
export { default as MakePairCalculator } from './make-pair.js';
export type { MergeOptions } from './merge.js';
export { default as MergeCalculator } from './merge.js';
export type { MergeToVectorOptions } from './merge-to-vector.js';
export { default as MergeToVectorCalculator, mergeToVectorCalculator } from './merge-to-vector.js';
export type { MuxOptions } from './mux.js';
export { default as MuxCalculator } from './mux.js';
export type { NonZeroOptions } from './non-zero.js';
export { default as NonZeroCalculator } from './non-zero.js';
export type { PacketClonerOptions } from './packet-cloner.js';
export { default as PacketClonerCalculator } from './packet-cloner.js';
export type { PacketInnerJoinOptions } from './packet-inner-join.js';
export { default as PacketInnerJoinCalculator } from './packet-inner-join.js';
export type { PacketPresenceOptions } from './packet-presence.js';
export { default as PacketPresenceCalculator } from './packet-presence.js';
export type { PacketResamplerOptions, VideoHeader } from './packet-resampler.js';
export { default as PacketResamplerCalculator } from './packet-resampler.js';
export type { PacketSequencerOptions } from './packet-sequencer.js';
export { default as PacketSequencerCalculator } from './packet-sequencer.js';
export type { PacketThinnerOptions } from './packet-thinner.js';
export { default as PacketThinnerCalculator } from './packet-thinner.js';
export type { PassThroughOptions } from './pass-through.js';
export { default as PassThroughCalculator } from './pass-through.js';
export type { PoolCall, PoolFunction, PoolOptions } from './pool-calculator.js';
export { default as PoolCalculator } from './pool-calculator.js';
export type { PreprocessOptions } from './preprocess.js';
export { default as PreprocessCalculator } from './preprocess.js';
export type { PreviousLoopbackOptions } from './previous-loopback.js';
export { default as PreviousLoopbackCalculator } from './previous-loopback.js';
export type { QuantizeFloatVectorOptions } from './quantize-float-vector.js';
export { default as QuantizeFloatVectorCalculator } from './quantize-float-vector.js';
export type { ReplicaDispatchOptions } from './replica-dispatch.js';
export { default as ReplicaDispatchCalculator } from './replica-dispatch.js';
export type { ReplicaGatherOptions } from './replica-gather.js';
export { default as ReplicaGatherCalculator } from './replica-gather.js';
export type { RoundRobinDemuxOptions } from './round-robin-demux.js';
export { default as RoundRobinDemuxCalculator } from './round-robin-demux.js';
export type { SequenceShiftOptions } from './sequence-shift.js';
export { default as SequenceShiftCalculator } from './sequence-shift.js';
export type { SidePacketToStreamOptions } from './side-packet-to-stream.js';
export { default as SidePacketToStreamCalculator } from './side-packet-to-stream.js';
export type { SplitVectorOptions, SplitVectorRange, SplitVectorVariant } from './split-vector.js';
export { default as SplitVectorCalculator, splitVectorCalculator } from './split-vector.js';
export type { StreamToSidePacketOptions } from './stream-to-side-packet.js';
export { default as StreamToSidePacketCalculator } from './stream-to-side-packet.js';
export type { StringToIntOptions, StringToIntRange } from './string-to-int.js';
export { default as StringToIntCalculator, stringToIntCalculator } from './string-to-int.js';
export type { SyntheticFrameMeta, SyntheticPixelFormat, SyntheticVideoOptions } from './synthetic-video.js';
export {
  default as SyntheticVideoCalculator,
  renderSyntheticFrame,
  syntheticFrameTimestamp,
} from './synthetic-video.js';
export type { TimeShiftOptions } from './time-shift.js';
export { default as TimeShiftCalculator } from './time-shift.js';
export type { ValueOrDefaultOptions } from './value-or-default.js';
export { default as ValueOrDefaultCalculator } from './value-or-default.js';
export type { VectorIndicesOptions } from './vector-indices.js';
export { default as VectorIndicesCalculator, vectorIndicesCalculator } from './vector-indices.js';
export type { VectorSizeOptions } from './vector-size.js';
export { default as VectorSizeCalculator, vectorSizeCalculator } from './vector-size.js';

/** A registry entry for a calculator module. */
export interface CoreCalculatorModule {
  readonly name: string;
  /** `file:` URL of the module, `.ts` when weft runs from source, `.js` when compiled. */
  readonly module: string;
  /** The module export holding the definition: `default`, or a variant's own name. */
  readonly exportName: string;
}

/**
 * A definition with its file's base name, and the export holding it when not `default` (a file that
 * defines several variants of one calculator, each its own named export).
 */
export type CalculatorFile = readonly [{ readonly name: string }, string, string?];

// Each definition with its file's base name; the names come from the definitions so they cannot drift.
const FILES: readonly CalculatorFile[] = [
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
  [streamToSidePacket, 'stream-to-side-packet'],
  [immediateMux, 'immediate-mux'],
  [packetCloner, 'packet-cloner'],
  [packetThinner, 'packet-thinner'],
  [sequenceShift, 'sequence-shift'],
  [makePair, 'make-pair'],
  [defaultSidePacket, 'default-side-packet'],
  [countingSource, 'counting-source'],
  [packetResampler, 'packet-resampler'],
  ...definitionsIn(beginLoop, 'begin-loop'),
  ...definitionsIn(endLoop, 'end-loop'),
  ...definitionsIn(splitVector, 'split-vector'),
  ...definitionsIn(concatenateVector, 'concatenate-vector'),
  [bypass, 'bypass'],
  ...definitionsIn(clipVectorSize, 'clip-vector-size'),
  ...definitionsIn(getVectorItem, 'get-vector-item'),
  ...definitionsIn(vectorSize, 'vector-size'),
  ...definitionsIn(vectorIndices, 'vector-indices'),
  ...definitionsIn(mergeToVector, 'merge-to-vector'),
  [nonZero, 'non-zero'],
  [packetInnerJoin, 'packet-inner-join'],
  [packetSequencer, 'packet-sequencer'],
  ...definitionsIn(stringToInt, 'string-to-int'),
  [valueOrDefault, 'value-or-default'],
  [quantizeFloatVector, 'quantize-float-vector'],
  [dequantizeByteArray, 'dequantize-byte-array'],
  [beginItemLoop, 'begin-item-loop'],
  [endItemLoop, 'end-item-loop'],
];

/**
 * Registry entries for calculator definitions whose modules sit beside `baseUrl`, each given with its
 * file's base name. Worker threads import the module by URL, so the URL points at this build's own
 * files: `.ts` when weft runs from source (tsx, vitest), `.js` when compiled.
 */
export function calculatorModulesBeside(
  baseUrl: string,
  files: readonly CalculatorFile[],
): CoreCalculatorModule[] {
  const ext = baseUrl.endsWith('.ts') ? 'ts' : 'js';
  return files.map(([definition, file, exportName = 'default']) => ({
    name: definition.name,
    module: new URL(`./${file}.${ext}`, baseUrl).href,
    exportName,
  }));
}

/**
 * Every calculator definition a module of variants exports, each with the export that holds it, so
 * a variant added to such a file is registered without being listed here.
 */
function definitionsIn(mod: Readonly<Record<string, unknown>>, file: string): CalculatorFile[] {
  return Object.entries(mod)
    .filter(([, v]) => typeof v === 'object' && v !== null && 'contract' in v && 'create' in v)
    .map(([exportName, v]) => [v as { readonly name: string }, file, exportName]);
}

/** One entry per core calculator, for `registry.register(name, module, exportName)`. */
export function coreCalculatorModules(): CoreCalculatorModule[] {
  // The Redis calculators live in src/redis beside their client code; they load `redis` only in open.
  const redisBase = new URL(
    `../redis/index${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`,
    import.meta.url,
  );
  return [
    ...calculatorModulesBeside(import.meta.url, FILES),
    ...calculatorModulesBeside(redisBase.href, [
      [redisStreamSource, 'redis-stream-source'],
      [redisStreamSink, 'redis-stream-sink'],
    ]),
  ];
}
