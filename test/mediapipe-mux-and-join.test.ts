// Ports MediaPipe's tests of the calculators that join or interleave streams:
// immediate_mux_calculator_test.cc (ImmediateMuxCalculator), make_pair_calculator_test.cc
// (MakePairCalculator), packet_inner_join_calculator_test.cc (PacketInnerJoinCalculator) and
// packet_sequencer_calculator_test.cc (PacketSequencerCalculator), plus the frames ImmediateMux
// forwards or drops and the frame MakePair refuses.
import { describe, expect, it } from 'vitest';
import type { CalculatorGraph } from '../src/api/calculator-graph.js';
import { defaultRegistry } from '../src/api/graph-preparation.js';
import { ImmediateMuxCalculator, MakePairCalculator } from '../src/calculators/index.js';
import { Timestamp } from '../src/core/timestamp.js';
import { CalculatorRunner } from '../src/testing/calculator-runner.js';
import {
  bytesAt,
  describeRegisteredNames,
  EMPTY,
  expectFrameRefused,
  graphHarness,
  run,
  single,
  timestamps,
} from './fixtures/mediapipe/graph-harness.js';

const { load, expectInvalid } = graphHarness();

describe('ImmediateMuxCalculator', () => {
  const muxGraph = (
    inputs: number,
    processBounds: boolean,
    outputs = 'output_stream: "output_packets_0"',
  ) => `
    ${Array.from({ length: inputs }, (_, i) => `input_stream: "input_packets_${i}"`).join('\n')}
    output_stream: "output_packets_0"
    node {
      name: "mux"
      calculator: "ImmediateMuxCalculator"
      input_stream_handler { input_stream_handler: "ImmediateInputStreamHandler" }
      ${Array.from({ length: inputs }, (_, i) => `input_stream: "input_packets_${i}"`).join('\n')}
      ${outputs}
      ${
        processBounds
          ? `node_options {
               [type.googleapis.com/mediapipe.ImmediateMuxCalculatorOptions] { process_timestamp_bounds: true }
             }`
          : ''
      }
    }
  `;

  // One step per input of a set: a packet (value 999) at T, a bound at T, or nothing.
  type Step = readonly ['packet' | 'bound', number] | null;
  const packet = (ts: number): Step => ['packet', ts];
  const bound = (ts: number): Step => ['bound', ts];

  // MediaPipe's RunGraph: each step of each set sent alone, the graph idle between steps.
  async function runSets(g: CalculatorGraph, sets: readonly (readonly Step[])[]): Promise<void> {
    await g.startRun();
    for (const set of sets) {
      await g.waitUntilIdle();
      for (const [i, step] of set.entries()) {
        if (step?.[0] === 'packet') await g.addPacket(`input_packets_${i}`, 999, step[1]);
        else if (step?.[0] === 'bound') await g.setInputStreamTimestampBound(`input_packets_${i}`, step[1]);
        await g.waitUntilIdle();
      }
    }
    g.closeAllInputStreams();
    await g.waitUntilDone();
  }

  it.each([
    [
      'IncreasingTimestamps',
      [
        [packet(10000), null],
        [packet(20000), null],
        [null, packet(30000)],
        [null, packet(40000)],
      ],
      [10000, 20000, 30000, 40000],
    ],
    [
      'SupersededTimestamp: 20000 comes after 30000 went out, and is dropped',
      [
        [packet(10000), null],
        [packet(30000), null],
        [null, packet(20000)],
        [null, packet(40000)],
      ],
      [10000, 30000, 40000],
    ],
    [
      'SimultaneousTimestamps: 20000 comes after 40000 went out, and is dropped',
      [
        [packet(10000), null],
        [packet(40000), packet(20000)],
        [null, packet(30000)],
      ],
      [10000, 40000],
    ],
  ] as const)('%s', async (_, sets, expected) => {
    const { g, seen } = load(muxGraph(2, false));
    await runSets(g, sets);
    expect(timestamps(seen('output_packets_0'))).toEqual(expected);
  });

  it.each([
    [
      'TimestampBoundUpdateForOneInput: a bound of 20000 comes out as an empty packet at 19999',
      1,
      [[packet(10000)], [bound(20000)]],
      [10000, 19999],
    ],
    [
      'TimestampBoundUpdateOneSide: the bound passed on makes the later packet at 15000 late',
      2,
      [
        [packet(10000), null],
        [null, bound(20000)],
        [packet(15000), null],
      ],
      [10000, 19999],
    ],
    [
      'TimestampBoundUpdateBothSides: the same bound a second time passes nothing on',
      2,
      [
        [packet(10000), null],
        [null, bound(20000)],
        [bound(20000), null],
        [null, bound(30000)],
      ],
      [10000, 19999, 29999],
    ],
    [
      'TimestampBoundUpdateInterleavedWithPackets: a packet at a bound passed on is still in time',
      2,
      [
        [packet(10000), null],
        [null, bound(15000)],
        [packet(15000), null],
        [bound(16000), null],
      ],
      [10000, 14999, 15000, 15999],
    ],
  ] as const)('%s', async (_, inputs, sets, expected) => {
    const { g, seen } = load(muxGraph(inputs, true), { bounds: true });
    await runSets(g, sets);
    expect(timestamps(seen('output_packets_0'))).toEqual(expected);
  });

  it('without process_timestamp_bounds a bound never makes a packet late, and the output follows the lowest input bound', async () => {
    const { g, seen } = load(muxGraph(2, false), { bounds: true });
    await runSets(g, [
      [packet(10000), null],
      [null, bound(20000)],
      [bound(30000), null],
      [null, packet(25000)],
    ]);
    // With the option, 25000 would be dropped (the bounds passed on reached 30000); without it,
    // MediaPipe's offset 0 carries only the lowest input bound (20000) to the output.
    expect(seen('output_packets_0')).toEqual([
      [10000, 999],
      [19999, EMPTY],
      [25000, 999],
    ]);
  });

  it('a second output gets true for every packet that arrived, forwarded or dropped, at its own bound', async () => {
    const { g, seen } = load(
      `${muxGraph(2, false, 'output_stream: "output_packets_0" output_stream: "finished"')} output_stream: "finished"`,
    );
    await runSets(g, [
      [packet(10000), null],
      [null, packet(5000)],
      [packet(20000), null],
    ]);
    expect(timestamps(seen('output_packets_0'))).toEqual([10000, 20000]);
    expect(seen('finished')).toEqual([
      [10000, true],
      [10001, true],
      [20000, true],
    ]);
  });

  it('refuses a third output, naming the node', async () => {
    await expectInvalid(
      `input_stream: "x" input_stream: "y"
       node { name: "mux" calculator: "ImmediateMuxCalculator" input_stream: "x" input_stream: "y"
              output_stream: "a" output_stream: "b" output_stream: "c" }`,
      'ERR_WEFT_PORT_TAG',
      'mux',
      'ImmediateMuxCalculator',
    );
  });

  it('ImmediateMuxCalculator forwards frames and releases the ones it drops', async () => {
    const r = new CalculatorRunner(ImmediateMuxCalculator, { inputs: { '': 2 } });
    await r.open();
    r.addFrame(':0', 10, Uint8Array.of(10));
    await r.run();
    r.addFrame(':1', 5, Uint8Array.of(5));
    r.closeInput(':0').closeInput(':1');
    await r.run();
    await r.close();
    expect(bytesAt(r, ':0')).toEqual([[10, [10]]]);
    expect(r.frames.inUse()).toBe(0);
  });
});

describe('MakePairCalculator', () => {
  const GRAPH = `
    input_stream: "a" input_stream: "b" output_stream: "pair"
    node { name: "pair" calculator: "MakePairCalculator" input_stream: "a" input_stream: "b" output_stream: "pair" }
  `;

  it.each([
    [
      'ProducesExpectedPairs',
      [
        ['a', 'first packet', 1],
        ['a', 'second packet', 5],
        ['b', 10, 1],
        ['b', 20, 5],
      ],
      [
        [1, ['first packet', 10]],
        [5, ['second packet', 20]],
      ],
    ],
    [
      'a timestamp where only one input has a packet pairs it with null (MediaPipe: an empty packet)',
      [
        ['a', 'alone', 1],
        ['b', 2, 2],
      ],
      [
        [1, ['alone', null]],
        [2, [null, 2]],
      ],
    ],
  ] as const)('%s', async (_, packets, expected) => {
    const { g, seen } = load(GRAPH);
    await g.startRun();
    for (const [s, v, ts] of packets) await g.addPacket(s, v, ts);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(seen('pair')).toEqual(expected);
  });

  it('refuses a node with one input, naming it', async () => {
    await expectInvalid(
      'input_stream: "a" node { name: "pair" calculator: "MakePairCalculator" input_stream: "a" output_stream: "p" }',
      'ERR_WEFT_PORT_TAG',
      'pair',
      '',
    );
  });

  it('MakePairCalculator refuses a frame, typed', async () => {
    await expectFrameRefused(MakePairCalculator, 'MakePairCalculator', 2, 'cannot sit inside a pair');
  });
});

describe('PacketInnerJoinCalculator', () => {
  it.each([
    ['AllMatching', [0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]],
    ['NoneMatching', [0, 2], [1, 3], []],
    ['SomeMatching', [0, 1, 2, 3, 4, 6], [0, 2, 4, 5, 6], [0, 2, 4, 6]],
  ])('%s', async (_, first, second, expected) => {
    const l = load(
      single(
        'calculator: "PacketInnerJoinCalculator" input_stream: "in0" input_stream: "in1" output_stream: "out0" output_stream: "out1"',
        ['in0', 'in1'],
        ['out0', 'out1'],
      ),
    );
    // PacketFrom(i): the value i at timestamp i.
    await run(l, { in0: first.map((i) => [i, i] as const), in1: second.map((i) => [i, i] as const) });
    expect(l.seen('out0')).toEqual(expected.map((i) => [i, i]));
    expect(l.seen('out1')).toEqual(expected.map((i) => [i, i]));
  });

  it('more inputs than outputs: refused with the graph', async () => {
    await expectInvalid(
      single(
        'calculator: "PacketInnerJoinCalculator" input_stream: "a" input_stream: "b" output_stream: "o"',
        ['a', 'b'],
        ['o'],
      ),
      'ERR_WEFT_PORT_TAG',
      'node',
      'The number of input and output streams must match',
    );
  });
});

describe('PacketSequencerCalculator', () => {
  it('IsRegistered', () => {
    expect(defaultRegistry().has('PacketSequencerCalculator')).toBe(true);
  });

  it('ChannelEarly: control packets get low timestamps, then ones following the latest tick', async () => {
    const l = load(
      single(
        `calculator: "PacketSequencerCalculator"
         input_stream: "INPUT:select" input_stream: "TICK:0:frame" input_stream: "TICK:1:mask"
         output_stream: "OUTPUT:select_timed"`,
        ['select', 'frame', 'mask'],
        ['select_timed'],
      ),
    );
    await l.g.startRun();
    // Some control packets arrive.
    await l.g.addPacket('select', 'p0_t10', 10);
    await l.g.addPacket('select', 'p0_t20', 20);
    await l.g.waitUntilIdle();
    // The control packets are assigned low timestamps.
    expect(l.seen('select_timed')).toEqual([
      [Timestamp.Min, 'p0_t10'],
      [Timestamp.Min + 1, 'p0_t20'],
    ]);
    // Some frame packets arrive.
    await l.g.addPacket('mask', 'p2_t10', 10);
    await l.g.addPacket('frame', 'p1_t20', 20);
    await l.g.waitUntilIdle();
    // Some more control packets arrive.
    await l.g.addPacket('select', 'p0_t30', 30);
    await l.g.addPacket('select', 'p0_t40', 40);
    await l.g.waitUntilIdle();
    // New control packets are assigned timestamps following Timestamp(20).
    expect(l.seen('select_timed').slice(2)).toEqual([
      [21, 'p0_t30'],
      [22, 'p0_t40'],
    ]);
    l.g.closeAllInputStreams();
    await l.g.waitUntilDone();
  });

  it('INPUT and OUTPUT counts that differ: refused with the graph', async () => {
    await expectInvalid(
      single(
        'calculator: "PacketSequencerCalculator" input_stream: "INPUT:a" input_stream: "TICK:t"',
        ['a', 't'],
        [],
      ),
      'ERR_WEFT_PORT_TAG',
      'node',
      'one OUTPUT per INPUT',
    );
  });
});

describeRegisteredNames(['PacketInnerJoinCalculator', 'PacketSequencerCalculator']);
