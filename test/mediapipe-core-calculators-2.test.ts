// MediaPipe's core calculators with MediaPipe's contracts, part 2: StreamToSidePacket, ImmediateMux,
// PacketCloner, PacketThinner, SequenceShift, MakePair, DefaultSidePacket and CountingSource, each
// with MediaPipe's own tests (their inputs and expected outputs) ported to weft's CalculatorGraph.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import {
  ImmediateMuxCalculator,
  MakePairCalculator,
  PacketClonerCalculator,
  PacketThinnerCalculator,
  SequenceShiftCalculator,
  StreamToSidePacketCalculator,
} from '../src/calculators/index.js';
import { previousAllowedInStream } from '../src/core/timestamp.js';
import { CalculatorRunner } from '../src/testing/calculator-runner.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';

const { graphs } = closedAfterEach();

/** What an observer of bounds reports where the stream settled without a packet (MediaPipe's empty packet). */
const EMPTY = '<empty>';

type Seen = [number, unknown][];

/**
 * Parses a graph and records every graph output stream: packets as [timestamp, value]; with
 * `bounds`, also each bound moved without a packet, as [bound − 1, EMPTY] (MediaPipe's
 * `observe_timestamp_bounds`).
 */
function load(text: string, bounds = false): { g: CalculatorGraph; seen: (stream: string) => Seen } {
  const g = CalculatorGraph.fromText(text);
  graphs.push(g);
  const all = new Map<string, Seen>();
  for (const s of g.config.outputStreams) {
    const list: Seen = [];
    all.set(s, list);
    g.observeOutputStream(s, {
      packet: (ts, v) => list.push([ts, v]),
      ...(bounds ? { bound: (b: number) => list.push([previousAllowedInStream(b), EMPTY]) } : {}),
    });
  }
  return { g, seen: (s) => all.get(s)! };
}

const timestamps = (list: Seen): number[] => list.map(([ts]) => ts);

/** A graph the validation refuses: one problem, of `code`, naming node `node`, at config time. */
async function expectInvalid(text: string, code: string, node: string, message: string): Promise<void> {
  const g = CalculatorGraph.fromText(text);
  graphs.push(g);
  await expect(g.validate()).rejects.toMatchObject({
    code: 'ERR_WEFT_GRAPH_INVALID',
    problems: [
      expect.objectContaining({ code, node, phase: 'config', message: expect.stringContaining(message) }),
    ],
  });
}

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
    await expect(g.waitUntilDone()).rejects.toMatchObject({
      code: 'ERR_WEFT_CALCULATOR',
      node: 'to_side',
      phase: 'process',
      cause: { code: 'ERR_WEFT_INVALID_ARGUMENT' },
      message: expect.stringContaining('already set'),
    });
  });
});

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
    const { g, seen } = load(muxGraph(inputs, true), true);
    await runSets(g, sets);
    expect(timestamps(seen('output_packets_0'))).toEqual(expected);
  });

  it('without process_timestamp_bounds a bound never makes a packet late, and the output follows the lowest input bound', async () => {
    const { g, seen } = load(muxGraph(2, false), true);
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
});

describe('PacketClonerCalculator', () => {
  // MediaPipe runs these with and without the TICK tag (the legacy form: the last untagged input ticks).
  const tick = (tagged: boolean): string => (tagged ? 'TICK:tick' : 'tick');

  describe.each([
    ['tick as the last untagged input', false],
    ['TICK tag', true],
  ])('%s', (_, tagged) => {
    it('ClonesSingleInputSameTimestamps', async () => {
      const { g, seen } = load(`
        input_stream: 'in1' input_stream: 'tick' output_stream: 'out1'
        node {
          calculator: 'PacketClonerCalculator'
          input_stream: 'in1' input_stream: '${tick(tagged)}'
          output_stream: 'out1'
        }
      `);
      await g.startRun();
      await g.addPacket('in1', 1, 10000);
      await g.addPacket('tick', 1000, 10000);
      await g.waitUntilIdle();
      expect(seen('out1')).toEqual([[10000, 1]]);
      g.closeAllInputStreams();
      await g.waitUntilDone();
    });

    it('ClonesSingleInputEarlierTimestamps: ticks wait until in1 settles their timestamps', async () => {
      const { g, seen } = load(`
        input_stream: 'in1' input_stream: 'tick' output_stream: 'out1'
        node {
          calculator: 'PacketClonerCalculator'
          input_stream: 'in1' input_stream: '${tick(tagged)}'
          output_stream: 'out1'
        }
      `);
      await g.startRun();
      await g.addPacket('in1', 1, 5000);
      // Newer ticks: none of them may clone in1's packet before in1 settles their timestamps.
      for (const ts of [10000, 10001, 10002]) await g.addPacket('tick', ts - 9000, ts);
      await g.addPacket('in1', 2, 15000);
      await g.waitUntilIdle();
      expect(seen('out1')).toEqual([
        [10000, 1],
        [10001, 1],
        [10002, 1],
      ]);
      g.closeAllInputStreams();
      await g.waitUntilDone();
    });

    it('ClonesFiveInputs', async () => {
      // With the tag, TICK sits among the outputs (MediaPipe's "arbitrary location").
      const { g, seen } = load(`
        input_stream: 'in1' input_stream: 'in2' input_stream: 'in3' input_stream: 'in4'
        input_stream: 'in5' input_stream: 'tick'
        output_stream: 'out1' output_stream: 'out2' output_stream: 'out3' output_stream: 'out4'
        output_stream: 'out5'
        node {
          calculator: 'PacketClonerCalculator'
          input_stream: 'in1' input_stream: 'in2' input_stream: 'in3' input_stream: 'in4'
          input_stream: 'in5'
          ${tagged ? '' : "input_stream: 'tick'"}
          output_stream: 'out1' output_stream: 'out2' output_stream: 'out3'
          ${tagged ? "input_stream: 'TICK:tick'" : ''}
          output_stream: 'out4' output_stream: 'out5'
        }
      `);
      await g.startRun();
      const round = async (scale: number, ts: number): Promise<void> => {
        for (let i = 1; i <= 5; i++) await g.addPacket(`in${i}`, i * 10 * scale, ts);
        for (let k = 0; k < 3; k++) await g.addPacket('tick', 1000 * scale + k, ts + k);
        await g.waitUntilIdle();
      };
      const outs = (): Seen[] => [1, 2, 3, 4, 5].map((i) => seen(`out${i}`));
      await round(1, 10000);
      // Ticks 10001 and 10002 wait: the inputs to clone have not settled them yet.
      expect(outs()).toEqual([1, 2, 3, 4, 5].map((i) => [[10000, i * 10]]));
      await round(10, 20000);
      expect(outs()).toEqual(
        [1, 2, 3, 4, 5].map((i) => [
          [10000, i * 10],
          [10001, i * 10],
          [10002, i * 10],
          [20000, i * 100],
        ]),
      );
      g.closeAllInputStreams();
      await g.waitUntilDone();
    });

    it('ClonesTwoInputsWithImmediateInputStreamHandler', async () => {
      const { g, seen } = load(`
        input_stream: 'in1' input_stream: 'in2' input_stream: 'tick'
        output_stream: 'out1' output_stream: 'out2'
        node {
          calculator: 'PacketClonerCalculator'
          ${tagged ? "input_stream: 'TICK:tick'" : ''}
          input_stream: 'in1' input_stream: 'in2'
          ${tagged ? '' : "input_stream: 'tick'"}
          output_stream: 'out1' output_stream: 'out2'
          input_stream_handler { input_stream_handler: "ImmediateInputStreamHandler" }
        }
      `);
      await g.startRun();
      const send = async (list: [string, number, number][]): Promise<void> => {
        for (const [s, v, ts] of list) await g.addPacket(s, v, ts);
        await g.waitUntilIdle();
      };
      // No packets to clone.
      await send([['tick', 0, 0]]);
      // Cloning current packets.
      await send([
        ['in1', 1, 10000],
        ['in2', 10, 10000],
        ['tick', 1000, 10000],
      ]);
      // Cloning past packets.
      await send([['tick', 1500, 15000]]);
      await send([
        ['in1', 2, 10001],
        ['in2', 20, 10001],
        ['tick', 2000, 20000],
      ]);
      // Cloning future packets: they reach the cloner before the tick at 25000 does.
      await send([
        ['in1', 3, 30000],
        ['in2', 30, 30000],
      ]);
      await send([['tick', 3000, 25000]]);
      // Cloning packets having different timestamps.
      await send([
        ['in1', 4, 38000],
        ['in2', 40, 39000],
        ['tick', 4000, 40000],
      ]);
      expect(seen('out1')).toEqual([
        [10000, 1],
        [15000, 1],
        [20000, 2],
        [25000, 3],
        [40000, 4],
      ]);
      expect(seen('out2')).toEqual([
        [10000, 10],
        [15000, 10],
        [20000, 20],
        [25000, 30],
        [40000, 40],
      ]);
      g.closeAllInputStreams();
      await g.waitUntilDone();
    });
  });

  describe('PacketClonerCalculatorGatedInputTest', () => {
    const GATED = `
      input_stream: 'input' input_stream: 'input_enabled'
      input_stream: 'tick' input_stream: 'tick_enabled'
      output_stream: 'output'
      node {
        calculator: 'GateCalculator'
        input_stream: 'tick' input_stream: 'ALLOW:tick_enabled'
        output_stream: 'tick_gated'
      }
      node {
        calculator: 'GateCalculator'
        input_stream: 'input' input_stream: 'ALLOW:input_enabled'
        output_stream: 'input_gated'
      }
      node {
        calculator: 'PacketClonerCalculator'
        input_stream: 'input_gated' input_stream: 'TICK:tick_gated'
        output_stream: 'output'
      }
    `;

    async function run(sends: [string, unknown, number][]): Promise<Seen> {
      const { g, seen } = load(GATED, true);
      await g.startRun();
      for (const [s, v, ts] of sends) await g.addPacket(s, v, ts);
      await g.waitUntilIdle();
      const out = [...seen('output')];
      g.closeAllInputStreams();
      await g.waitUntilDone();
      return out;
    }

    it('PropagatesTimestampBoundsWithEmptyInput: a gated tick still settles the output', async () => {
      expect(
        await run([
          ['tick_enabled', false, 100],
          ['tick', 0, 100],
          ['input_enabled', false, 200],
          ['input', 1, 200],
        ]),
      ).toEqual([[100, EMPTY]]);
    });

    it('PropagatesTimestampBoundsWithInput', async () => {
      expect(
        await run([
          ['input_enabled', true, 100],
          ['input', 1, 100],
          ['tick_enabled', true, 100],
          ['tick', 0, 100],
          ['tick_enabled', false, 110],
          ['tick', 0, 110],
          ['input_enabled', false, 200],
          ['input', 2, 200],
        ]),
      ).toEqual([
        [100, 1],
        [110, EMPTY],
      ]);
    });

    it('PropagatesTimestampBoundsFromTick: only the tick’s own timestamps settle the output', async () => {
      expect(
        await run([
          ['input_enabled', true, 100],
          ['input', 1, 100],
          ['tick_enabled', true, 100],
          ['tick', 0, 100],
          ['input_enabled', true, 110],
          ['input', 2, 110],
          ['tick_enabled', false, 200],
          ['tick', 0, 200],
          ['input_enabled', false, 200],
          ['input', 2, 200],
        ]),
      ).toEqual([
        [100, 1],
        [200, EMPTY],
      ]);
    });
  });

  it('output_only_when_all_inputs_received: ticks before every input had a packet are dropped', async () => {
    const { g, seen } = load(`
      input_stream: 'a' input_stream: 'b' input_stream: 'tick'
      output_stream: 'out_a' output_stream: 'out_b'
      node {
        calculator: 'PacketClonerCalculator'
        input_stream: 'a' input_stream: 'b' input_stream: 'TICK:tick'
        output_stream: 'out_a' output_stream: 'out_b'
        options { [mediapipe.PacketClonerCalculatorOptions.ext] { output_only_when_all_inputs_received: true } }
      }
    `);
    await g.startRun();
    await g.addPacket('a', 'a1', 10);
    await g.setInputStreamTimestampBound('b', 11);
    await g.addPacket('tick', 't', 10);
    await g.addPacket('b', 'b1', 20);
    await g.setInputStreamTimestampBound('a', 21);
    await g.addPacket('tick', 't', 20);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(seen('out_a')).toEqual([[20, 'a1']]);
    expect(seen('out_b')).toEqual([[20, 'b1']]);
  });

  it('refuses outputs that do not match the inputs to clone, naming the node', async () => {
    await expectInvalid(
      `input_stream: 'a' input_stream: 'tick'
       node { name: 'cloner' calculator: 'PacketClonerCalculator' input_stream: 'a' input_stream: 'tick'
              output_stream: 'x' output_stream: 'y' }`,
      'ERR_WEFT_PORT_TAG',
      'cloner',
      'one untagged output per input to clone (1), not 2',
    );
  });
});

describe('PacketThinnerCalculator', () => {
  interface Thinner {
    readonly options?: string;
    readonly period?: unknown;
    readonly input: readonly number[];
  }

  // MediaPipe's SimpleRunner: packets "Frame #T" at each T, then the input closes.
  async function thin(t: Thinner, bounds = false): Promise<Seen> {
    const { g, seen } = load(
      `
      input_stream: "in"
      output_stream: "out"
      node {
        name: "thinner"
        calculator: "PacketThinnerCalculator"
        input_stream: "in"
        output_stream: "out"
        ${t.period === undefined ? '' : 'input_side_packet: "PERIOD:period"'}
        options { [mediapipe.PacketThinnerCalculatorOptions.ext] { ${t.options ?? ''} } }
      }
    `,
      bounds,
    );
    await g.startRun(t.period === undefined ? {} : { period: t.period });
    for (const ts of t.input) await g.addPacket('in', `Frame #${ts}`, ts);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    return seen('out');
  }

  const EVENS = [2, 4, 6, 8, 10, 12, 14];
  const PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29];

  it.each([
    [
      'StartAndEndTimeTest',
      { options: 'thinner_type: ASYNC period: 5 start_time: 4 end_time: 12', input: PRIMES },
      [5, 11],
    ],
    [
      'AsyncUniformStreamThinningTest',
      { options: 'thinner_type: ASYNC period: 5', input: EVENS },
      [2, 8, 14],
    ],
    [
      'ASyncUniformStreamThinningTestBySidePacket',
      { options: 'thinner_type: ASYNC start_time: 0 sync_output_timestamps: false', period: 5, input: EVENS },
      [2, 8, 14],
    ],
    [
      'SyncUniformStreamThinningTest1',
      { options: 'thinner_type: SYNC start_time: 0 period: 5 sync_output_timestamps: false', input: EVENS },
      [2, 6, 10, 14],
    ],
    [
      'SyncUniformStreamThinningTestBySidePacket1',
      { options: 'thinner_type: SYNC start_time: 0 sync_output_timestamps: false', period: 5, input: EVENS },
      [2, 6, 10, 14],
    ],
    [
      'SyncUniformStreamThinningTest2',
      { options: 'thinner_type: SYNC start_time: 0 period: 5 sync_output_timestamps: true', input: EVENS },
      [0, 5, 10, 15],
    ],
    [
      'PrimeStreamThinningTest1',
      { options: 'thinner_type: ASYNC period: 5', input: PRIMES },
      [2, 7, 13, 19, 29],
    ],
    [
      'PrimeStreamThinningTest2',
      { options: 'thinner_type: SYNC start_time: 0 period: 5 sync_output_timestamps: false', input: PRIMES },
      [2, 5, 11, 17, 19, 23, 29],
    ],
    [
      'BoundaryTimestampTest1',
      { options: 'thinner_type: SYNC start_time: -10 period: 5 sync_output_timestamps: true', input: [2, 3] },
      [0, 5],
    ],
    [
      'BoundaryTimestampTest2',
      {
        options: 'thinner_type: SYNC start_time: -144 period: 6 sync_output_timestamps: true',
        input: [-4, -3, 8, 9],
      },
      [-6, 0, 6, 12],
    ],
    // MediaPipe's FrameRateTests also check the VideoHeader's new frame rate: weft streams carry no
    // headers, so update_frame_rate is accepted and only the timestamps are compared.
    [
      'FrameRateTest1',
      { options: 'thinner_type: ASYNC period: 5 update_frame_rate: true', input: EVENS },
      [2, 8, 14],
    ],
    [
      'FrameRateTest2',
      {
        options: 'thinner_type: ASYNC period: 5 update_frame_rate: true',
        input: [8, 16, 24, 32, 40, 48, 56],
      },
      [8, 16, 24, 32, 40, 48, 56],
    ],
    [
      'FrameRateTest3',
      {
        options:
          'thinner_type: SYNC start_time: 0 period: 5 sync_output_timestamps: false update_frame_rate: true',
        input: EVENS,
      },
      [2, 6, 10, 14],
    ],
    [
      'FrameRateTest4',
      {
        options:
          'thinner_type: SYNC start_time: 0 period: 5 sync_output_timestamps: true update_frame_rate: true',
        input: EVENS,
      },
      [0, 5, 10, 15],
    ],
    [
      'FrameRateTest5',
      {
        options:
          'thinner_type: SYNC start_time: 0 period: 5 sync_output_timestamps: true update_frame_rate: true',
        input: [8, 16, 24, 32, 40, 48, 56],
      },
      [10, 15, 25, 30, 40, 50, 55],
    ],
  ] as const)('%s', async (_, t, expected) => {
    expect(timestamps(await thin(t))).toEqual(expected);
  });

  it('keeps each packet’s value, whatever timestamp it is emitted at', async () => {
    expect(
      await thin({
        options: 'thinner_type: SYNC start_time: 0 period: 5 sync_output_timestamps: true',
        input: EVENS,
      }),
    ).toEqual([
      [0, 'Frame #2'],
      [5, 'Frame #6'],
      [10, 'Frame #10'],
      [15, 'Frame #14'],
    ]);
  });

  it('ASYNC carries an input bound to the output (MediaPipe’s offset 0); SYNC does not', async () => {
    for (const [type, expected] of [
      [
        'ASYNC',
        [
          [-1, EMPTY],
          [2, 'a'],
          [6, EMPTY],
          [19, EMPTY],
        ],
      ],
      ['SYNC', [[-1, EMPTY]]],
    ] as const) {
      const { g, seen } = load(
        `
        input_stream: "in" output_stream: "out"
        node {
          calculator: "PacketThinnerCalculator" input_stream: "in" output_stream: "out"
          options { [mediapipe.PacketThinnerCalculatorOptions.ext] { thinner_type: ${type} period: 5 start_time: 0 } }
        }
      `,
        true,
      );
      await g.startRun();
      await g.addPacket('in', 'a', 2);
      await g.waitUntilIdle();
      await g.setInputStreamTimestampBound('in', 20);
      await g.waitUntilIdle();
      // Both open at start_time (bound 0). ASYNC: the packet, its refractory bound (7), then the
      // input's bound (20). SYNC holds the packet for its interval and moves its bound only with
      // packets.
      expect(seen('out')).toEqual(expected);
      g.closeAllInputStreams();
      await g.waitUntilDone();
    }
  });

  it('SYNC with end_time: the packet kept for the last interval comes out before the output closes', async () => {
    // MediaPipe closes the output first and then fails in Close emitting that packet.
    expect(
      timestamps(
        await thin({
          options: 'thinner_type: SYNC start_time: 0 period: 5 end_time: 12 sync_output_timestamps: true',
          input: EVENS,
        }),
      ),
    ).toEqual([0, 5, 10]);
  });

  it.each([
    [
      'a PERIOD side packet that is not an integer',
      { period: 'five', input: [1] },
      'PERIOD must be an integer',
    ],
    ['a zero period', { options: 'period: 0', input: [1] }, 'the period must be positive, not 0'],
    [
      'start_time not before end_time',
      { options: 'start_time: 5 end_time: 5', input: [1] },
      'must be earlier',
    ],
  ] as const)('%s fails the open, typed, naming the node', async (_, t, message) => {
    await expect(thin(t)).rejects.toMatchObject({
      code: 'ERR_WEFT_CALCULATOR',
      node: 'thinner',
      phase: 'open',
      cause: { code: 'ERR_WEFT_INVALID_ARGUMENT' },
      message: expect.stringContaining(message),
    });
  });

  it('an unknown thinner_type is refused at validation', async () => {
    await expectInvalid(
      `input_stream: "in"
       node { name: "thinner" calculator: "PacketThinnerCalculator" input_stream: "in" output_stream: "out"
              options { [mediapipe.PacketThinnerCalculatorOptions.ext] { thinner_type: EVERY_OTHER } } }`,
      'ERR_WEFT_BAD_OPTIONS',
      'thinner',
      'thinnerType must be one of ASYNC, SYNC, not EVERY_OTHER',
    );
  });
});

describe('SequenceShiftCalculator', () => {
  // MediaPipe's AddPackets: ten packets, value i at timestamp i.
  async function shift(node: string, sidePackets: Record<string, unknown> = {}, bounds = false) {
    const { g, seen } = load(
      `
      input_stream: "input" output_stream: "output"
      node { name: "shift" calculator: "SequenceShiftCalculator" input_stream: "input" output_stream: "output" ${node} }
    `,
      bounds,
    );
    await g.startRun(sidePackets);
    for (let i = 0; i < 10; i++) await g.addPacket('input', i, i);
    return { g, seen };
  }
  const offset = (n: number): string =>
    `options { [mediapipe.SequenceShiftCalculatorOptions.ext]: { packet_offset: ${n} } }`;
  const finish = async (g: CalculatorGraph): Promise<void> => {
    g.closeAllInputStreams();
    await g.waitUntilDone();
  };
  const range = (n: number, f: (i: number) => [number, number]): [number, number][] =>
    Array.from({ length: n }, (_, i) => f(i));

  it('ZeroShift: every packet as it came', async () => {
    const { g, seen } = await shift(offset(0));
    await finish(g);
    expect(seen('output')).toEqual(range(10, (i) => [i, i]));
  });

  it('PositiveShift: packet i at the timestamp of packet i + 3; the last three are dropped', async () => {
    const { g, seen } = await shift(offset(3));
    await finish(g);
    expect(seen('output')).toEqual(range(7, (i) => [i + 3, i]));
  });

  it('NegativeShift: packet i at the timestamp of packet i − 2; the first two are dropped', async () => {
    const { g, seen } = await shift(offset(-2));
    await finish(g);
    expect(seen('output')).toEqual(range(8, (i) => [i, i + 2]));
  });

  it('SidePacketOffset: PACKET_OFFSET overrides the option (default −1)', async () => {
    const { g, seen } = await shift('input_side_packet: "PACKET_OFFSET:packet_offset"', {
      packet_offset: -2,
    });
    await finish(g);
    expect(seen('output')).toEqual(range(8, (i) => [i, i + 2]));
  });

  it('the default offset is −1', async () => {
    const { g, seen } = await shift('');
    await finish(g);
    expect(seen('output')).toEqual(range(9, (i) => [i, i + 1]));
  });

  it('a zero shift carries an input bound to the output (MediaPipe’s offset 0); a non-zero one does not', async () => {
    for (const [n, expected] of [
      [0, [[19, EMPTY]]],
      [3, []],
    ] as const) {
      const { g, seen } = await shift(offset(n), {}, true);
      await g.setInputStreamTimestampBound('input', 20);
      await g.waitUntilIdle();
      expect(seen('output').filter(([, v]) => v === EMPTY)).toEqual(expected);
      await finish(g);
    }
  });

  it.each([
    [20, (i: number): [number, number] => [i + 20, i]],
    [-20, (i: number): [number, number] => [i, i + 20]],
  ])('a long shift (%i) holds as many packets as it takes, in order', async (n, expected) => {
    const r = new CalculatorRunner(SequenceShiftCalculator, { options: { packetOffset: n } });
    await r.open();
    for (let i = 0; i < 50; i++) r.addPacket(':0', i, i);
    r.closeInput(':0');
    await r.run();
    await r.close();
    expect(r.outputs(':0').map((p) => [p.timestamp, p.value])).toEqual(range(30, expected));
  });

  it.each([
    [
      'a PACKET_OFFSET that is not an integer',
      'input_side_packet: "PACKET_OFFSET:o"',
      { o: 'two' },
      'PACKET_OFFSET',
    ],
    [
      'emit_empty_packets_before_first_packet with a positive offset',
      'options { [mediapipe.SequenceShiftCalculatorOptions.ext]: { packet_offset: 2 emit_empty_packets_before_first_packet: true } }',
      {},
      'not supported',
    ],
  ] as const)('%s fails the open, typed, naming the node', async (_, node, side, message) => {
    await expect(shift(node, side)).rejects.toMatchObject({
      code: 'ERR_WEFT_CALCULATOR',
      node: 'shift',
      phase: 'open',
      cause: { code: 'ERR_WEFT_INVALID_ARGUMENT' },
      message: expect.stringContaining(message),
    });
  });
});

describe('MakePairCalculator', () => {
  const GRAPH = `
    input_stream: "a" input_stream: "b" output_stream: "pair"
    node { name: "pair" calculator: "MakePairCalculator" input_stream: "a" input_stream: "b" output_stream: "pair" }
  `;

  it('ProducesExpectedPairs', async () => {
    const { g, seen } = load(GRAPH);
    await g.startRun();
    await g.addPacket('a', 'first packet', 1);
    await g.addPacket('a', 'second packet', 5);
    await g.addPacket('b', 10, 1);
    await g.addPacket('b', 20, 5);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(seen('pair')).toEqual([
      [1, ['first packet', 10]],
      [5, ['second packet', 20]],
    ]);
  });

  it('a timestamp where only one input has a packet pairs it with null (MediaPipe: an empty packet)', async () => {
    const { g, seen } = load(GRAPH);
    await g.startRun();
    await g.addPacket('a', 'alone', 1);
    await g.addPacket('b', 2, 2);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(seen('pair')).toEqual([
      [1, ['alone', null]],
      [2, [null, 2]],
    ]);
  });

  it('refuses a node with one input, naming it', async () => {
    await expectInvalid(
      'input_stream: "a" node { name: "pair" calculator: "MakePairCalculator" input_stream: "a" output_stream: "p" }',
      'ERR_WEFT_PORT_TAG',
      'pair',
      '',
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
    await expect(g.startRun({ error_count: 0, error_on_open: true })).rejects.toMatchObject({
      code: 'ERR_WEFT_CALCULATOR',
      node: 'counter',
      phase: 'open',
      message: expect.stringContaining('expected error'),
    });
  });

  it.each([
    ['NegMaxCount', { max_count: -1, error_count: 0, batch_size: 0, increment: 0 }, 'MAX_COUNT'],
    ['NegErrorCount', { max_count: 0, error_count: -1, batch_size: 0, increment: 0 }, 'ERROR_COUNT'],
    ['NegBatchSize', { max_count: 0, error_count: 0, batch_size: -1, increment: 0 }, 'BATCH_SIZE'],
    ['NegIncrement', { max_count: 2, error_count: 2, batch_size: 1, increment: -1 }, 'INCREMENT'],
  ])('NegativeValueParamError: %s fails the open, typed, naming the node', async (_, side, tag) => {
    const { g } = load(source(['ERROR_COUNT', 'MAX_COUNT', 'BATCH_SIZE', 'INCREMENT']));
    await expect(g.startRun(side)).rejects.toMatchObject({
      code: 'ERR_WEFT_CALCULATOR',
      node: 'counter',
      phase: 'open',
      cause: { code: 'ERR_WEFT_INVALID_ARGUMENT' },
      message: expect.stringContaining(tag),
    });
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
      await expect(g.waitUntilDone()).rejects.toMatchObject({
        code: 'ERR_WEFT_CALCULATOR',
        node: 'counter',
        phase: 'process',
        message: expect.stringContaining('expected error'),
      });
      return;
    }
    await g.runToCompletion(side);
    expect(seen('output_stream').map(([, v]) => v)).toEqual(expected);
  });

  it('a MAX_COUNT that is not an integer fails the open, typed, naming the node', async () => {
    const { g } = load(source(['MAX_COUNT']));
    await expect(g.startRun({ max_count: 'ten' })).rejects.toMatchObject({
      code: 'ERR_WEFT_CALCULATOR',
      node: 'counter',
      phase: 'open',
      cause: { code: 'ERR_WEFT_INVALID_ARGUMENT' },
      message: expect.stringContaining('MAX_COUNT must be an integer'),
    });
  });
});

describe('frames through the calculators that hold them', () => {
  const bytesAt = (r: CalculatorRunner, output: string): [number, number[]][] =>
    r.outputs(output).map((p) => [p.timestamp, [...(p.bytes ?? [])]]);

  it('PacketClonerCalculator clones the latest frame at each tick and releases the ones it replaced', async () => {
    const r = new CalculatorRunner(PacketClonerCalculator, {
      inputs: { '': 1, TICK: 1 },
      outputs: { '': 1 },
    });
    await r.open();
    r.addFrame(':0', 1, Uint8Array.of(1));
    r.addPacket('TICK', 1, 't').addPacket('TICK', 2, 't');
    r.addFrame(':0', 3, Uint8Array.of(3));
    r.addPacket('TICK', 3, 't');
    r.closeInput(':0').closeInput('TICK');
    await r.run();
    await r.close();
    expect(bytesAt(r, ':0')).toEqual([
      [1, [1]],
      [2, [1]],
      [3, [3]],
    ]);
    expect(r.frames.inUse()).toBe(0);
  });

  it('SequenceShiftCalculator hands held frames on, and releases those never emitted', async () => {
    const r = new CalculatorRunner(SequenceShiftCalculator, { options: { packetOffset: 2 } });
    await r.open();
    for (let i = 0; i < 4; i++) r.addFrame(':0', i, Uint8Array.of(i));
    r.closeInput(':0');
    await r.run();
    await r.close();
    expect(bytesAt(r, ':0')).toEqual([
      [2, [0]],
      [3, [1]],
    ]);
    expect(r.frames.inUse()).toBe(0);
  });

  it('PacketThinnerCalculator (SYNC) keeps one frame per interval and releases the ones it drops', async () => {
    const r = new CalculatorRunner(PacketThinnerCalculator, {
      options: { thinnerType: 'SYNC', period: 5, startTime: 0 },
    });
    await r.open();
    for (const ts of [2, 4, 6, 8]) r.addFrame(':0', ts, Uint8Array.of(ts));
    r.closeInput(':0');
    await r.run();
    await r.close();
    // 4 and 6 share the interval around 5: the tie goes to 6, and 4's frame is released; 8 comes
    // out at close.
    expect(bytesAt(r, ':0')).toEqual([
      [0, [2]],
      [5, [6]],
      [10, [8]],
    ]);
    expect(r.frames.inUse()).toBe(0);
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

  it.each([
    ['StreamToSidePacketCalculator', StreamToSidePacketCalculator, 1, 'cannot become a side packet'],
    ['MakePairCalculator', MakePairCalculator, 2, 'cannot sit inside a pair'],
  ] as const)('%s refuses a frame, typed', async (name, def, inputs, message) => {
    const r = new CalculatorRunner(def, { inputs: { '': inputs }, name });
    await r.open();
    r.addFrame(':0', 1, Uint8Array.of(1));
    if (inputs === 2) r.setBound(':1', 2);
    await expect(r.run()).rejects.toMatchObject({
      code: 'ERR_WEFT_CALCULATOR',
      node: name,
      phase: 'process',
      cause: { code: 'ERR_WEFT_INVALID_ARGUMENT' },
      message: expect.stringContaining(message),
    });
    await r.close();
    expect(r.frames.inUse()).toBe(0);
  });
});
