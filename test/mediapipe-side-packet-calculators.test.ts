// Ports MediaPipe's tests of the side-packet calculators: stream_to_side_packet_calculator_test.cc
// (StreamToSidePacketCalculator), default_side_packet_calculator_test.cc
// (DefaultSidePacketCalculator) and counting_source_calculator_test.cc (CountingSourceCalculator),
// plus contract tests of StringToIntCalculator and its kin, which MediaPipe does not test.
import { describe, expect, it } from 'vitest';
import { StreamToSidePacketCalculator } from '../src/calculators/index.js';
import {
  describeRegisteredNames,
  expectFrameRefused,
  failedIn,
  graphHarness,
} from './fixtures/mediapipe/graph-harness.js';

const { load, expectInvalid } = graphHarness();

describe('StreamToSidePacketCalculator', () => {
  const GRAPH = `
    input_stream: "stream"
    output_side_packet: "side_packet"
    node {
      name: "to_side"
      calculator: "StreamToSidePacketCalculator"
      input_stream: "stream"
      output_side_packet: "side_packet"
    }
  `;

  it('StreamToSidePacketCalculatorWithEmptyStreamFails: the run ends, the side packet is never set', async () => {
    const { g } = load(GRAPH);
    // MediaPipe's runner reports the unset side packet as Unavailable; weft's run leaves it out.
    expect(await g.runToCompletion()).toEqual({});
  });

  it('StreamToSidePacketCalculatorWithSinglePacketCreatesSidePacket', async () => {
    const { g } = load(GRAPH);
    await g.startRun();
    await g.addPacket('stream', 'test', 1);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(g.outputSidePackets()).toEqual({ side_packet: 'test' });
  });

  it('StreamToSidePacketCalculatorWithMultiplePacketsFails: the second packet fails the node, typed', async () => {
    const { g } = load(GRAPH);
    await g.startRun();
    await g.addPacket('stream', 'test1', 1);
    // The run may already have failed and refuse the rest: the outcome is waitUntilDone's.
    await g.addPacket('stream', 'test2', 2).catch(() => false);
    await expect(g.waitUntilDone()).rejects.toMatchObject(failedIn('to_side', 'process', 'already set'));
  });

  it('StreamToSidePacketCalculator refuses a frame, typed', async () => {
    await expectFrameRefused(
      StreamToSidePacketCalculator,
      'StreamToSidePacketCalculator',
      1,
      'cannot become a side packet',
    );
  });
});

describe('DefaultSidePacketCalculator', () => {
  const GRAPH = `
    input_side_packet: "optional_input"
    input_side_packet: "default_input"
    output_side_packet: "output_value"
    node {
      calculator: "DefaultSidePacketCalculator"
      input_side_packet: "OPTIONAL_VALUE:optional_input"
      input_side_packet: "DEFAULT_VALUE:default_input"
      output_side_packet: "VALUE:output_value"
    }
  `;

  it.each([
    ['OutputsOptionalStringWhenSpecified', 'default string', 'optional string', 'optional string'],
    ['OutputsDefaultStringWhenOnlyDefaultSpecified', 'default string', undefined, 'default string'],
    ['OutputsOptionalIntWhenSpecified', 123, 456, 456],
    ['OutputsDefaultIntWhenOnlyDefaultSpecified', 123, undefined, 123],
    ['OutputsOptionalFloatWhenSpecified', 1.1, 2.2, 2.2],
    ['OutputsDefaultFloatWhenOnlyDefaultSpecified', 1.1, undefined, 1.1],
  ])('%s', async (_, defaultValue, optionalValue, expected) => {
    const { g } = load(GRAPH);
    const side: Record<string, unknown> = { default_input: defaultValue };
    if (optionalValue !== undefined) side.optional_input = optionalValue;
    expect(await g.runToCompletion(side)).toEqual({ output_value: expected });
  });

  it('NoDefaultValueFails', async () => {
    await expectInvalid(
      `node {
         name: "defaulted"
         calculator: "DefaultSidePacketCalculator"
         input_side_packet: "OPTIONAL_VALUE:segmentation_mask_optional"
         output_side_packet: "VALUE:segmentation_mask_enabled"
       }`,
      'ERR_WEFT_PORT_TAG',
      'defaulted',
      'DEFAULT_VALUE',
    );
  });
});

// MediaPipe has no test for it; these check absl::SimpleAtoi's rules and the six registered types.
describe('StringToIntCalculator', () => {
  const parse = async (name: string, s: unknown) => {
    const l = load(
      `output_side_packet: "index"
       node { name: "node" calculator: "${name}" input_side_packet: "string" output_side_packet: "index" }`,
    );
    return l.g.runToCompletion({ string: s });
  };

  it.each([
    ['StringToIntCalculator', '42', 42],
    ['StringToIntCalculator', ' \t-17\n', -17],
    ['StringToIntCalculator', '+007', 7],
    ['StringToIntCalculator', '-2147483648', -2147483648],
    ['StringToUintCalculator', '4294967295', 4294967295],
    ['StringToInt32Calculator', '2147483647', 2147483647],
    ['StringToUint32Calculator', '0', 0],
    ['StringToInt64Calculator', '-9007199254740991', -9007199254740991],
    ['StringToUint64Calculator', '9007199254740991', 9007199254740991],
  ])('%s parses %j into %d', async (name, s, expected) => {
    expect(await parse(name, s)).toEqual({ index: expected });
  });

  it.each([
    ['StringToIntCalculator', 'abc', 'could not be parsed as an integer'],
    ['StringToIntCalculator', '12abc', 'could not be parsed as an integer'],
    ['StringToIntCalculator', '0x10', 'could not be parsed as an integer'],
    ['StringToIntCalculator', '', 'could not be parsed as an integer'],
    ['StringToIntCalculator', '2147483648', 'could not be parsed as an integer'],
    ['StringToUintCalculator', '-1', 'could not be parsed as an integer'],
    ['StringToUint32Calculator', '-0', 'could not be parsed as an integer'],
    ['StringToUint64Calculator', '18446744073709551616', 'could not be parsed as an integer'],
    ['StringToInt64Calculator', '9007199254740992', 'beyond ±(2^53 − 1)'],
    ['StringToIntCalculator', 42, 'must be a string'],
  ])('%s refuses %j: the open fails, typed, naming the node', async (name, s, message) => {
    await expect(parse(name, s)).rejects.toMatchObject(failedIn('node', 'open', message));
  });
});

describe('CountingSourceCalculator', () => {
  const ALL_TAGS = ['ERROR_COUNT', 'MAX_COUNT', 'BATCH_SIZE', 'INITIAL_VALUE', 'INCREMENT'] as const;
  const source = (tags: readonly string[]): string => `
    output_stream: "output_stream"
    node {
      name: "counter"
      calculator: "CountingSourceCalculator"
      ${tags.map((t) => `input_side_packet: "${t}:${t.toLowerCase()}"`).join('\n')}
      output_stream: "output_stream"
    }
  `;
  const expectedError = (phase: 'open' | 'process') => ({
    code: 'ERR_WEFT_CALCULATOR',
    node: 'counter',
    phase,
    message: expect.stringContaining('expected error'),
  });

  it('ErrorCountAndMaxCountNotSet: the graph is invalid', async () => {
    await expectInvalid(
      source(['INITIAL_VALUE']),
      'ERR_WEFT_PORT_TAG',
      'counter',
      'MAX_COUNT or an ERROR_COUNT',
    );
  });

  it('ExpectedErrorAfterSetErrorOnOpen', async () => {
    const { g } = load(source(['ERROR_COUNT', 'ERROR_ON_OPEN']));
    await expect(g.startRun({ error_count: 0, error_on_open: true })).rejects.toMatchObject(
      expectedError('open'),
    );
  });

  it.each([
    ['NegMaxCount', { max_count: -1, error_count: 0, batch_size: 0, increment: 0 }, 'MAX_COUNT'],
    ['NegErrorCount', { max_count: 0, error_count: -1, batch_size: 0, increment: 0 }, 'ERROR_COUNT'],
    ['NegBatchSize', { max_count: 0, error_count: 0, batch_size: -1, increment: 0 }, 'BATCH_SIZE'],
    ['NegIncrement', { max_count: 2, error_count: 2, batch_size: 1, increment: -1 }, 'INCREMENT'],
  ])('NegativeValueParamError: %s fails the open, typed, naming the node', async (_, side, tag) => {
    const { g } = load(source(['ERROR_COUNT', 'MAX_COUNT', 'BATCH_SIZE', 'INCREMENT']));
    await expect(g.startRun(side)).rejects.toMatchObject(failedIn('counter', 'open', tag));
  });

  it.each([
    ['MaxCountTestBasicWithBatchSize1Increment1', 0, 3, 1, 1, [0, 1, 2]],
    ['MaxCountTestWithNegativeInitialValue', -2, 5, 1, 1, [-2, -1, 0, 1, 2]],
    ['MaxCountTestWithIncrement2', 0, 3, 1, 2, [0, 2, 4]],
    ['MaxCountTestWithBatchSize2Increment2', 0, 3, 2, 2, [0, 2, 4, 6, 8, 10]],
  ])('VerifyOutputWithMaxCountSet: %s', async (_, initial, max, batch, inc, expected) => {
    const { g, seen } = load(source(['MAX_COUNT', 'BATCH_SIZE', 'INITIAL_VALUE', 'INCREMENT']));
    await g.runToCompletion({ max_count: max, batch_size: batch, initial_value: initial, increment: inc });
    // Each value at its own timestamp.
    expect(seen('output_stream')).toEqual(expected.map((v) => [v, v]));
  });

  it.each([
    ['ErrorCountLargerThanMaxCountWithBatchSize1', 0, 3, 5, 1, 1, [0, 1, 2]],
    ['ErrorCountLargerThanMaxCountWithBatchSize2', 0, 3, 5, 2, 2, [0, 2, 4, 6, 8, 10]],
    ['ErrorCountSmallerThanMaxCountProduceNoOutput0', 0, 5, 2, 1, 1, undefined],
    ['ErrorCountSmallerThanMaxCountProduceNoOutput1', 0, 3, 2, 2, 2, undefined],
  ])('VerifyOutputWithErrorCountSet: %s', async (_, initial, max, error, batch, inc, expected) => {
    const { g, seen } = load(source(ALL_TAGS));
    const side = {
      error_count: error,
      max_count: max,
      batch_size: batch,
      initial_value: initial,
      increment: inc,
    };
    if (expected === undefined) {
      await g.startRun(side);
      await expect(g.waitUntilDone()).rejects.toMatchObject(expectedError('process'));
      return;
    }
    await g.runToCompletion(side);
    expect(seen('output_stream').map(([, v]) => v)).toEqual(expected);
  });

  it('a MAX_COUNT that is not an integer fails the open, typed, naming the node', async () => {
    const { g } = load(source(['MAX_COUNT']));
    await expect(g.startRun({ max_count: 'ten' })).rejects.toMatchObject(
      failedIn('counter', 'open', 'MAX_COUNT must be an integer'),
    );
  });
});

describeRegisteredNames([
  'StringToIntCalculator',
  'StringToUintCalculator',
  'StringToInt32Calculator',
  'StringToUint32Calculator',
  'StringToInt64Calculator',
  'StringToUint64Calculator',
]);
