// Ports MediaPipe's non_zero_calculator_test.cc (NonZeroCalculator),
// quantize_float_vector_calculator_test.cc (QuantizeFloatVectorCalculator) and
// dequantize_byte_array_calculator_test.cc (DequantizeByteArrayCalculator), plus NonZero's side
// packet form and port checks, and the faults: malformed input fails the run typed, naming the node.
import { describe, expect, it } from 'vitest';
import {
  describeRegisteredNames,
  failedIn,
  graphHarness,
  run,
  runFailing,
  type Seen,
  single,
} from './fixtures/mediapipe/graph-harness.js';

const { load, expectInvalid } = graphHarness();

describe('NonZeroCalculator', () => {
  const nonZero = () =>
    load(
      single(
        `calculator: "NonZeroCalculator"
         input_stream: "INPUT:input" output_stream: "OUTPUT:output" output_stream: "OUTPUT_BOOL:output_bool"`,
        ['input'],
        ['output', 'output_bool'],
      ),
    );
  const values = (list: Seen) => list.map(([, v]) => v);

  it.each([
    ['ProducesZeroOutputForZeroInput', [0], [0], [false]],
    [
      'ProducesNonZeroOutputForNonZeroInput',
      [1, 2, 3, -4, 5],
      [1, 1, 1, 1, 1],
      [true, true, true, true, true],
    ],
    [
      'SwitchesBetweenNonZeroAndZeroOutput',
      [1, 0, 3, 0, 5],
      [1, 0, 1, 0, 1],
      [true, false, true, false, true],
    ],
  ])('%s', async (_, input, expected, expectedBool) => {
    const l = nonZero();
    await run(l, { input: input.map((v, ts) => [ts, v] as const) });
    expect(values(l.seen('output'))).toEqual(expected);
    expect(values(l.seen('output_bool'))).toEqual(expectedBool);
    expect(l.seen('output').map(([ts]) => ts)).toEqual(input.map((_, ts) => ts));
  });

  it('INPUT as a side packet (the side fallback): one answer at timestamp 0, then the node ends', async () => {
    const l = load(
      single(
        'calculator: "NonZeroCalculator" input_side_packet: "INPUT:n" output_stream: "OUTPUT_BOOL:b"',
        [],
        ['b'],
      ),
    );
    await l.g.runToCompletion({ n: 7 });
    expect(l.seen('b')).toEqual([[0, true]]);
  });

  it.each([
    ['no output', 'input_stream: "INPUT:i"', 'at least one output stream is expected'],
    [
      'INPUT both as stream and side packet',
      'input_stream: "INPUT:i" input_side_packet: "INPUT:s" output_stream: "OUTPUT:o"',
      'INPUT as one input stream or one input side packet',
    ],
  ])('%s: refused with the graph', async (_, ports, message) => {
    await expectInvalid(
      `input_stream: "i"\nnode { name: "node" calculator: "NonZeroCalculator" ${ports} }`,
      'ERR_WEFT_PORT_TAG',
      'node',
      message,
    );
  });

  it('a non-number INPUT fails the run, typed, naming the node', async () => {
    expect(await runFailing(nonZero(), { input: [[0, 'zero']] })).toMatchObject(
      failedIn('node', 'process', 'must be a number'),
    );
  });
});

const quantize = (options: string) =>
  single(
    `calculator: "QuantizeFloatVectorCalculator"
     input_stream: "FLOAT_VECTOR:float_vector" output_stream: "ENCODED:encoded"
     options { [mediapipe.QuantizeFloatVectorCalculatorOptions.ext]: { ${options} } }`,
    ['float_vector'],
    ['encoded'],
  );
const dequantize = (options: string) =>
  single(
    `calculator: "DequantizeByteArrayCalculator"
     input_stream: "ENCODED:encoded" output_stream: "FLOAT_VECTOR:float_vector"
     options { [mediapipe.DequantizeByteArrayCalculatorOptions.ext]: { ${options} } }`,
    ['encoded'],
    ['float_vector'],
  );

// Both tests' WrongConfig, WrongConfig2 and WrongConfig3: options refused with the graph. Each row:
// the calculator, its graph, and its tests (the test, the options, the error).
type WrongConfigs = readonly (readonly [string, string, string])[];
describe.each<[string, (options: string) => string, WrongConfigs]>([
  [
    'QuantizeFloatVectorCalculator',
    quantize,
    [
      [
        'WrongConfig',
        'min_quantized_value: 1',
        'Both max_quantized_value and min_quantized_value must be provided',
      ],
      [
        'WrongConfig2',
        'max_quantized_value: -1 min_quantized_value: 1',
        'max_quantized_value must be greater than min_quantized_value',
      ],
      [
        'WrongConfig3',
        'max_quantized_value: 1 min_quantized_value: 1',
        'max_quantized_value must be greater than min_quantized_value',
      ],
    ],
  ],
  [
    'DequantizeByteArrayCalculator',
    dequantize,
    [
      [
        'WrongConfig',
        'max_quantized_value: 2',
        'Both max_quantized_value and min_quantized_value must be provided',
      ],
      [
        'WrongConfig2',
        'max_quantized_value: -2 min_quantized_value: 2',
        'max_quantized_value must be greater than min_quantized_value',
      ],
      [
        'WrongConfig3',
        'max_quantized_value: 1 min_quantized_value: 1',
        'max_quantized_value must be greater than min_quantized_value',
      ],
    ],
  ],
])('%s', (_, graph, rows) => {
  it.each(rows)('%s: refused with the graph', async (_, options, message) => {
    await expectInvalid(graph(options), 'ERR_WEFT_BAD_OPTIONS', 'node', message);
  });
});

describe('QuantizeFloatVectorCalculator', () => {
  it('TestEmptyVector', async () => {
    const l = load(quantize('max_quantized_value: 1 min_quantized_value: -1'));
    await run(l, { float_vector: [[0, []]] });
    expect(l.seen('encoded')).toEqual([[0, new Uint8Array(0)]]);
  });

  it('TestNonEmptyVector: 0, -64, 64, -32, 32 over [-64, 64] give 127, 0, 255, 63, 191', async () => {
    const l = load(quantize('max_quantized_value: 64 min_quantized_value: -64'));
    await run(l, { float_vector: [[0, [0, -64, 64, -32, 32]]] });
    expect(l.seen('encoded')).toEqual([[0, Uint8Array.of(0x7f, 0x00, 0xff, 0x3f, 0xbf)]]);
  });

  it('TestSaturation', async () => {
    const l = load(quantize('max_quantized_value: 64 min_quantized_value: -64'));
    await run(l, { float_vector: [[0, Float32Array.of(-65, 65)]] });
    expect(l.seen('encoded')).toEqual([[0, Uint8Array.of(0x00, 0xff)]]);
  });

  it('a non-array FLOAT_VECTOR fails the run, typed, naming the node', async () => {
    const l = load(quantize('max_quantized_value: 64 min_quantized_value: -64'));
    expect(await runFailing(l, { float_vector: [[0, 3.5]] })).toMatchObject(
      failedIn('node', 'process', 'must be an array'),
    );
  });
});

describe('DequantizeByteArrayCalculator', () => {
  it('TestDequantization: 0x7F, 0xFF, 0x00, 0x01 over [-2, 2] give about 0, 2, -2, -1.976', async () => {
    const l = load(dequantize('max_quantized_value: 2 min_quantized_value: -2'));
    await run(l, { encoded: [[0, Uint8Array.of(0x7f, 0xff, 0x00, 0x01)]] });
    const out = l.seen('float_vector');
    expect(out.map(([ts]) => ts)).toEqual([0]);
    const floats = out[0]![1] as Float32Array;
    expect(floats).toBeInstanceOf(Float32Array);
    const expected = [0, 2, -2, -1.976];
    expect(floats.length).toBe(expected.length);
    for (const [i, f] of floats.entries()) expect(Math.abs(f - expected[i]!)).toBeLessThan(0.01);
  });

  it('a string ENCODED fails the run, typed, naming the node', async () => {
    const l = load(dequantize('max_quantized_value: 2 min_quantized_value: -2'));
    expect(await runFailing(l, { encoded: [[0, '\x7f\xff']] })).toMatchObject(
      failedIn('node', 'process', 'must be a Uint8Array'),
    );
  });
});

describeRegisteredNames([
  'NonZeroCalculator',
  'QuantizeFloatVectorCalculator',
  'DequantizeByteArrayCalculator',
]);
