/**
 * Minimal helpers for writing ONNX models in code: tensors, nodes, value infos and the model
 * envelope, encoded with the `onnx-proto` protobuf schema. Enough for the small test and demo models
 * weft builds itself (no model hub is reachable, and no binary is checked in); not a general ONNX
 * authoring API.
 *
 * Threading: pure functions, any thread. Only the model builders import this module, never a
 * calculator, so workers that only run a model do not load protobufjs.
 */

import type { onnx as Onnx } from 'onnx-proto';
import onnxProto from 'onnx-proto';
import type { InputElementType } from '../calculators/inference-batch.js';

const { onnx } = onnxProto;

/** The ONNX schema namespace (`onnx.ModelProto`, `onnx.TensorProto`, ...), for callers that decode. */
export { onnx };

/** A dimension: a fixed size, or a symbolic name such as `'N'` for a dynamic batch. */
export type Dim = number | string;

/** An attribute value: ints, floats and lists of them are all the tiny models need. */
export type AttributeValue = number | readonly number[] | { readonly float: number };

/** A model's parts before encoding. */
export interface ModelParts {
  readonly name: string;
  readonly nodes: readonly Onnx.INodeProto[];
  readonly initializers: readonly Onnx.ITensorProto[];
  readonly inputs: readonly Onnx.IValueInfoProto[];
  readonly outputs: readonly Onnx.IValueInfoProto[];
  /** Default opset of the `ai.onnx` domain. Default 13. */
  readonly opset?: number;
  /** Default 8 (onnxruntime 1.30 reads up to 11). */
  readonly irVersion?: number;
  readonly docString?: string;
}

/** A float32 initializer. The values are stored as little-endian `raw_data` (bit-exact). */
export function floatTensor(name: string, dims: readonly number[], values: Float32Array): Onnx.ITensorProto {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== values.length) {
    throw new RangeError(`tensor ${name}: dims ${dims.join('x')} need ${size} values, got ${values.length}`);
  }
  // Copy into a fresh buffer: the protobuf writer reads the whole view, and Float32Array is
  // little-endian on every platform Node supports.
  const raw = new Uint8Array(values.slice().buffer);
  return { name, dims: [...dims], dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw };
}

/** A graph node. Integer-valued numbers become INT(S) attributes; `{ float }` forces FLOAT. */
export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attributes: Readonly<Record<string, AttributeValue>> = {},
): Onnx.INodeProto {
  const T = onnx.AttributeProto.AttributeType;
  const attribute: Onnx.IAttributeProto[] = Object.entries(attributes).map(([name, v]) => {
    if (typeof v === 'number') return { name, type: T.INT, i: v };
    if (Array.isArray(v)) return { name, type: T.INTS, ints: [...(v as readonly number[])] };
    return { name, type: T.FLOAT, f: (v as { float: number }).float };
  });
  return { opType, input: [...inputs], output: [...outputs], name: outputs[0] ?? opType, attribute };
}

/** Element types of graph inputs and outputs the tiny models use: those inference can feed. */
export type ElementType = InputElementType;

/** A graph input or output of `type` (default float32) with the given (possibly symbolic) shape. */
export function valueInfo(
  name: string,
  dims: readonly Dim[],
  type: ElementType = 'float32',
): Onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: dataType(type),
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** The ONNX `TensorProto.DataType` code of an element type (for a Cast's `to`, a value info). */
export function dataType(type: ElementType): number {
  return type === 'uint8' ? onnx.TensorProto.DataType.UINT8 : onnx.TensorProto.DataType.FLOAT;
}

/** Encodes a model as ONNX protobuf bytes. Deterministic: the same parts give the same bytes. */
export function encodeModel(parts: ModelParts): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: parts.irVersion ?? 8,
    producerName: 'weft',
    producerVersion: '0.1',
    docString: parts.docString ?? '',
    opsetImport: [{ domain: '', version: parts.opset ?? 13 }],
    graph: {
      name: parts.name,
      node: [...parts.nodes],
      initializer: [...parts.initializers],
      input: [...parts.inputs],
      output: [...parts.outputs],
    },
  });
  // protobufjs returns a Node Buffer on Node; hand out a plain Uint8Array view of the same bytes.
  const bytes = onnx.ModelProto.encode(model).finish();
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
