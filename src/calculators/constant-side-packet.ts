/**
 * ConstantSidePacketCalculator: output side packets whose values are written in the node's options
 * (MediaPipe's ConstantSidePacketCalculator, with its contract).
 *
 * Threading: the definition is plain data plus functions; an instance runs on its actor's thread.
 */
import { defineCalculator, STOP } from '../core/calculator.js';
import { InvalidArgumentError } from '../core/errors.js';

/**
 * Options: one `packet` per `PACKET` output side packet, each holding one typed value. Plain data,
 * structured-cloneable; any thread.
 */
export interface ConstantSidePacketOptions {
  /**
   * One value (a message with one of `intValue`, `int64Value`, `uint64Value`, `floatValue`,
   * `doubleValue`, `boolValue`, `stringValue`, `stringVectorValue`, `intVectorValue`,
   * `floatVectorValue` and MediaPipe's message-valued fields), or a list of them.
   */
  readonly packet: unknown;
}

// MediaPipe's value fields; a vector's values sit in its `stringValue`, `intValue` or `floatValue`
// field (as the proto names them), or `value`.
const VALUE_FIELDS = [
  'intValue',
  'int64Value',
  'uint64Value',
  'floatValue',
  'doubleValue',
  'boolValue',
  'stringValue',
  'stringVectorValue',
  'intVectorValue',
  'floatVectorValue',
  'classificationListValue',
  'landmarkListValue',
  'matrixDataValue',
  'timeSeriesHeaderValue',
] as const;

/**
 * Sets `PACKET:i` to the value of the i-th `packet` of its options, in `open`.
 *
 * - Outputs: side packets `PACKET:0..n`, as many as `packet` entries (checked at open).
 * - Options: see {@link ConstantSidePacketOptions}; a vector value becomes an array.
 * - Errors: a count mismatch, or a `packet` without a value, fails `open` naming the entry.
 * - Threading: runs on its actor's thread.
 */
export default defineCalculator<ConstantSidePacketOptions>({
  name: 'ConstantSidePacketCalculator',
  description: 'Sets its PACKET output side packets to the values written in its options.',
  contract: {
    // Other tags are accepted and never set (MediaPipe: ProcessingPacketsWithCorrectTagOnly).
    outputSidePackets: { PACKET: { min: 1, max: 64 }, '*': 'many' },
    options: { packet: [] },
    validateOptions: (o) => {
      for (const [i, p] of packets(o).entries())
        if (packetValue(p) === NONE) return `packet ${i} holds no value`;
      return undefined;
    },
  },
  create: () => ({
    open(ctx) {
      const list = packets(ctx.options);
      const n = ctx.outputSidePacketCount('PACKET');
      if (list.length !== n) {
        throw new InvalidArgumentError(
          `${list.length} packet entries in the options for ${n} PACKET side packets`,
        );
      }
      for (const [i, p] of list.entries()) ctx.setSidePacket('PACKET', packetValue(p), i);
    },
    // No streams: nothing to process (MediaPipe never calls it); weft's first call ends the node.
    process: () => STOP,
  }),
});

const NONE = Symbol('no value');

function packets(o: ConstantSidePacketOptions): unknown[] {
  return Array.isArray(o.packet) ? o.packet : o.packet === undefined ? [] : [o.packet];
}

function packetValue(p: unknown): unknown {
  if (typeof p !== 'object' || p === null) return NONE;
  const r = p as Record<string, unknown>;
  for (const f of VALUE_FIELDS) {
    const v = r[f];
    if (v === undefined) continue;
    if (f.endsWith('VectorValue') && typeof v === 'object' && v !== null) {
      // StringVectorValue's repeated field is string_value, IntVectorValue's int_value,
      // FloatVectorValue's float_value (constant_side_packet_calculator.proto).
      const fields = v as Record<string, unknown>;
      const inner = fields.stringValue ?? fields.intValue ?? fields.floatValue ?? fields.value ?? [];
      return Array.isArray(inner) ? inner : [inner];
    }
    return v;
  }
  return NONE;
}
