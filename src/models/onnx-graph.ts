/**
 * Minimal helpers for writing ONNX models in code: tensors, nodes, value infos and the model
 * envelope, written as protobuf with @bufbuild/protobuf's wire writer by the field numbers of
 * ONNX's `onnx.proto` (IR version 8). Enough for the small test and demo models weft builds itself
 * (no model hub is reachable, and no binary is checked in); not a general ONNX authoring API.
 *
 * Why a wire writer and field numbers rather than a generated schema: the only schema package for
 * Node (onnx-proto) brings protobufjs 6 with an install script and `@types/node` as a dependency,
 * which broke consumers' type checks; the writer has no dependencies, and the handful of messages
 * below is all a model of this kind needs.
 *
 * Threading: pure functions, any thread. Only the model builders import this module, never a
 * calculator, so workers that only run a model do not load it.
 */
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import type { InputElementType } from '../calculators/inference-batch.js';
import { InvalidArgumentError } from '../core/errors.js';

/** ONNX `TensorProto.DataType` codes weft's models use. */
export const DataType = { FLOAT: 1, UINT8: 2 } as const;

/** ONNX `AttributeProto.AttributeType` codes weft's models use. */
export const AttributeType = { FLOAT: 1, INT: 2, INTS: 7 } as const;

/** A dimension: a fixed size, or a symbolic name such as `'N'` for a dynamic batch. */
export type Dim = number | string;

/** An attribute value: ints, floats and lists of them are all the tiny models need. */
export type AttributeValue = number | readonly number[] | { readonly float: number };

/** An initializer: little-endian raw data of `dataType`. */
export interface TensorPart {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: number;
  readonly rawData: Uint8Array;
}

/** A graph node. */
export interface NodePart {
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

/** A graph input or output: a tensor of `elemType` with the given (possibly symbolic) shape. */
export interface ValueInfoPart {
  readonly name: string;
  readonly elemType: number;
  readonly dims: readonly Dim[];
}

/** A model's parts before encoding. */
export interface ModelParts {
  readonly name: string;
  readonly nodes: readonly NodePart[];
  readonly initializers: readonly TensorPart[];
  readonly inputs: readonly ValueInfoPart[];
  readonly outputs: readonly ValueInfoPart[];
  /** Default opset of the `ai.onnx` domain. Default 13. */
  readonly opset?: number;
  /** Default 8 (onnxruntime 1.30 reads up to 11). */
  readonly irVersion?: number;
  readonly docString?: string;
}

/** A float32 initializer. The values are stored as little-endian `raw_data` (bit-exact). */
export function floatTensor(name: string, dims: readonly number[], values: Float32Array): TensorPart {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== values.length) {
    throw new InvalidArgumentError(
      `tensor ${name}: dims ${dims.join('x')} need ${size} values, got ${values.length}`,
    );
  }
  // Float32Array is little-endian on every platform Node supports; copy so the part owns its bytes.
  const raw = new Uint8Array(values.slice().buffer);
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData: raw };
}

/** A graph node. Integer-valued numbers become INT(S) attributes; `{ float }` forces FLOAT. */
export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attributes: Readonly<Record<string, AttributeValue>> = {},
): NodePart {
  return { opType, inputs: [...inputs], outputs: [...outputs], name: outputs[0] ?? opType, attributes };
}

/**
 * Element types of graph inputs and outputs the tiny models use: those inference can feed. Plain
 * data; any thread.
 */
export type ElementType = InputElementType;

/** A graph input or output of `type` (default float32) with the given (possibly symbolic) shape. */
export function valueInfo(name: string, dims: readonly Dim[], type: ElementType = 'float32'): ValueInfoPart {
  return { name, elemType: dataType(type), dims: [...dims] };
}

/** The ONNX `TensorProto.DataType` code of an element type (for a Cast's `to`, a value info). */
export function dataType(type: ElementType): number {
  return type === 'uint8' ? DataType.UINT8 : DataType.FLOAT;
}

const LEN = WireType.LengthDelimited;
const VARINT = WireType.Varint;

/** Encodes a model as ONNX protobuf bytes. Deterministic: the same parts give the same bytes. */
export function encodeModel(parts: ModelParts): Uint8Array {
  const w = new BinaryWriter();
  // ModelProto: ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7, opset_import 8.
  w.tag(1, VARINT).int64(parts.irVersion ?? 8);
  w.tag(2, LEN).string('weft');
  w.tag(3, LEN).string('0.1');
  if (parts.docString) w.tag(6, LEN).string(parts.docString);
  w.tag(7, LEN).fork();
  writeGraph(w, parts);
  w.join();
  // OperatorSetIdProto: domain 1, version 2.
  w.tag(8, LEN)
    .fork()
    .tag(1, LEN)
    .string('')
    .tag(2, VARINT)
    .int64(parts.opset ?? 13)
    .join();
  return w.finish();
}

// GraphProto: node 1, name 2, initializer 5, input 11, output 12.
function writeGraph(w: BinaryWriter, parts: ModelParts): void {
  for (const n of parts.nodes) {
    w.tag(1, LEN).fork();
    writeNode(w, n);
    w.join();
  }
  w.tag(2, LEN).string(parts.name);
  for (const t of parts.initializers) {
    // TensorProto: dims 1, data_type 2, name 8, raw_data 9.
    w.tag(5, LEN).fork();
    for (const d of t.dims) w.tag(1, VARINT).int64(d);
    w.tag(2, VARINT).int32(t.dataType).tag(8, LEN).string(t.name).tag(9, LEN).bytes(t.rawData);
    w.join();
  }
  for (const v of parts.inputs) writeValueInfo(w, 11, v);
  for (const v of parts.outputs) writeValueInfo(w, 12, v);
}

// NodeProto: input 1, output 2, name 3, op_type 4, attribute 5. AttributeProto: name 1, f 2, i 3,
// ints 8, type 20.
function writeNode(w: BinaryWriter, n: NodePart): void {
  for (const i of n.inputs) w.tag(1, LEN).string(i);
  for (const o of n.outputs) w.tag(2, LEN).string(o);
  w.tag(3, LEN).string(n.name).tag(4, LEN).string(n.opType);
  for (const [name, v] of Object.entries(n.attributes)) {
    w.tag(5, LEN).fork().tag(1, LEN).string(name);
    if (typeof v === 'number') w.tag(3, VARINT).int64(v).tag(20, VARINT).int32(AttributeType.INT);
    else if (Array.isArray(v)) {
      for (const x of v as readonly number[]) w.tag(8, VARINT).int64(x);
      w.tag(20, VARINT).int32(AttributeType.INTS);
    } else
      w.tag(2, WireType.Bit32)
        .float((v as { float: number }).float)
        .tag(20, VARINT)
        .int32(AttributeType.FLOAT);
    w.join();
  }
}

// ValueInfoProto: name 1, type 2. TypeProto: tensor_type 1. TypeProto.Tensor: elem_type 1, shape 2.
// TensorShapeProto: dim 1. Dimension: dim_value 1, dim_param 2.
function writeValueInfo(w: BinaryWriter, field: number, v: ValueInfoPart): void {
  w.tag(field, LEN).fork().tag(1, LEN).string(v.name);
  w.tag(2, LEN).fork().tag(1, LEN).fork().tag(1, VARINT).int32(v.elemType);
  w.tag(2, LEN).fork();
  for (const d of v.dims) {
    w.tag(1, LEN).fork();
    if (typeof d === 'number') w.tag(1, VARINT).int64(d);
    else w.tag(2, LEN).string(d);
    w.join();
  }
  w.join().join().join().join();
}
