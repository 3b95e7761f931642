// MediaPipe's core calculators with MediaPipe's contracts (calculators/core): ConstantSidePacket,
// SidePacketToStream, wired as MediaPipe's graphs wire them (PacketPresence: its own file).
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { Timestamp } from '../src/core/timestamp.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';

const { graphs } = closedAfterEach();

function load(text: string): { g: CalculatorGraph; seen: (stream: string) => [number, unknown][] } {
  const g = CalculatorGraph.fromText(text);
  graphs.push(g);
  const all = new Map<string, [number, unknown][]>();
  for (const s of g.config.outputStreams) {
    const list: [number, unknown][] = [];
    all.set(s, list);
    g.observeOutputStream(s, (ts, v) => list.push([ts, v]));
  }
  return { g, seen: (s) => all.get(s)! };
}

describe('ConstantSidePacketCalculator → SidePacketToStreamCalculator', () => {
  it('values written in options become side packets, then packets at the tag’s timestamp', async () => {
    const { g, seen } = load(`
      output_stream: "ints"
      output_stream: "strings"
      node {
        calculator: "ConstantSidePacketCalculator"
        output_side_packet: "PACKET:0:an_int"
        output_side_packet: "PACKET:1:a_string"
        options: {
          [mediapipe.ConstantSidePacketCalculatorOptions.ext]: {
            packet { int_value: 2 }
            packet { string_value: "two" }
          }
        }
      }
      node {
        calculator: "SidePacketToStreamCalculator"
        input_side_packet: "an_int"
        input_side_packet: "a_string"
        output_stream: "AT_PRESTREAM:0:ints"
        output_stream: "AT_PRESTREAM:1:strings"
      }
    `);
    await g.runToCompletion();
    expect(seen('ints')).toEqual([[Timestamp.PreStream, 2]]);
    expect(seen('strings')).toEqual([[Timestamp.PreStream, 'two']]);
  });

  it('EveryPossibleType, the vectors: int, float and string vectors keep their values', async () => {
    const { g } = load(`
      output_side_packet: "ints" output_side_packet: "floats" output_side_packet: "strings"
      node {
        calculator: "ConstantSidePacketCalculator"
        output_side_packet: "PACKET:0:ints" output_side_packet: "PACKET:1:floats"
        output_side_packet: "PACKET:2:strings"
        options: {
          [mediapipe.ConstantSidePacketCalculatorOptions.ext]: {
            packet { int_vector_value { int_value: 1 int_value: 2 } }
            packet { float_vector_value { float_value: 1.5 float_value: 2.5 } }
            packet { string_vector_value { string_value: "a" string_value: "b" } }
          }
        }
      }
    `);
    await g.runToCompletion();
    expect(g.outputSidePackets()).toEqual({ ints: [1, 2], floats: [1.5, 2.5], strings: ['a', 'b'] });
  });

  it.each([
    ['AT_ZERO', 0],
    ['AT_POSTSTREAM', Timestamp.PostStream],
  ])('%s', async (tag, ts) => {
    const { g, seen } = load(`
      input_side_packet: "side"
      output_stream: "out"
      node { calculator: "SidePacketToStreamCalculator" input_side_packet: "side" output_stream: "${tag}:out" }
    `);
    await g.runToCompletion({ side: 'v' });
    expect(seen('out')).toEqual([[ts, 'v']]);
  });

  it('AT_TIMESTAMP: at the TIMESTAMP side packet', async () => {
    const { g, seen } = load(`
      output_stream: "out"
      node {
        calculator: "SidePacketToStreamCalculator"
        input_side_packet: "side" input_side_packet: "TIMESTAMP:at"
        output_stream: "AT_TIMESTAMP:out"
      }
    `);
    await g.runToCompletion({ side: 'v', at: 1234 });
    expect(seen('out')).toEqual([[1234, 'v']]);
  });

  it.each([
    ['AT_TICK', [1, 5, 9]],
    ['AT_FIRST_TICK', [1]],
  ])('%s: at the TICK input’s timestamps', async (tag, expected) => {
    const { g, seen } = load(`
      input_stream: "tick"
      output_stream: "out"
      node {
        calculator: "SidePacketToStreamCalculator"
        input_stream: "TICK:tick" input_side_packet: "side" output_stream: "${tag}:out"
      }
    `);
    await g.startRun({ side: 'v' });
    for (const ts of [1, 5, 9]) await g.addPacket('tick', true, ts);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(seen('out')).toEqual(expected.map((ts) => [ts, 'v']));
  });

  it('a TICK input without a tick output fails the open, saying so', async () => {
    const { g } = load(`
      input_stream: "tick"
      output_stream: "out"
      node {
        calculator: "SidePacketToStreamCalculator"
        input_stream: "TICK:tick" input_side_packet: "side" output_stream: "AT_ZERO:out"
      }
    `);
    await expect(g.startRun({ side: 1 })).rejects.toMatchObject({
      code: 'ERR_WEFT_CALCULATOR',
      phase: 'open',
      message: expect.stringContaining('TICK'),
    });
  });
});

describe('PreviousLoopbackCalculator', () => {
  it('CorrectTimestamps: each MAIN packet gets the LOOP packet of the previous one', async () => {
    const { g, seen } = load(`
      input_stream: "in"
      output_stream: "out"
      output_stream: "previous2"
      node {
        calculator: "PreviousLoopbackCalculator"
        input_stream: "MAIN:in"
        input_stream: "LOOP:out"
        input_stream_info: { tag_index: "LOOP" back_edge: true }
        output_stream: "PREV_LOOP:previous"
      }
      node {
        calculator: "PassThroughCalculator"
        input_stream: "in" input_stream: "previous"
        output_stream: "out" output_stream: "previous2"
      }
    `);
    await g.startRun();
    const expectedPrevious: [number, unknown][] = [];
    for (const [n, previous] of [
      [1, undefined],
      [2, 1],
      [5, 2],
      [15, 5],
    ] as const) {
      await g.addPacket('in', n, n);
      await g.waitUntilIdle();
      if (previous !== undefined) expectedPrevious.push([n, previous]);
      expect(seen('out').at(-1)).toEqual([n, n]);
      expect(seen('previous2')).toEqual(expectedPrevious);
    }
    g.closeAllInputStreams();
    await g.waitUntilDone();
  });
});

describe('RoundRobinDemuxCalculator → MuxCalculator', () => {
  it('deals packets to its outputs in turn, and SELECT muxes them back in order', async () => {
    const { g, seen } = load(`
      input_stream: "in"
      output_stream: "even"
      output_stream: "odd"
      output_stream: "merged"
      node {
        calculator: "RoundRobinDemuxCalculator"
        input_stream: "in"
        output_stream: "OUTPUT:0:even" output_stream: "OUTPUT:1:odd" output_stream: "SELECT:select"
      }
      node {
        calculator: "MuxCalculator"
        input_stream: "INPUT:0:even" input_stream: "INPUT:1:odd" input_stream: "SELECT:select"
        output_stream: "OUTPUT:merged"
      }
    `);
    await g.startRun();
    for (let ts = 0; ts < 6; ts++) await g.addPacket('in', ts * 10, ts);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(seen('even')).toEqual([
      [0, 0],
      [2, 20],
      [4, 40],
    ]);
    expect(seen('odd')).toEqual([
      [1, 10],
      [3, 30],
      [5, 50],
    ]);
    expect(seen('merged').map(([ts]) => ts)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('PassThroughCalculator with tags and side packets', () => {
  it('pairs the k-th input with the k-th output by MediaPipe’s order (tags sorted, untagged first)', async () => {
    const { g, seen } = load(`
      input_stream: "video" input_stream: "meta" input_stream: "plain"
      input_side_packet: "config"
      output_stream: "video_out" output_stream: "meta_out" output_stream: "plain_out"
      output_side_packet: "config_out"
      node {
        calculator: "PassThroughCalculator"
        input_stream: "VIDEO:video" input_stream: "FIRST_INPUT:meta" input_stream: "plain"
        output_stream: "VIDEO:video_out" output_stream: "FIRST_INPUT:meta_out" output_stream: "plain_out"
        input_side_packet: "CONFIG:config" output_side_packet: "CONFIG:config_out"
      }
    `);
    await g.startRun({ config: { fps: 30 } });
    await g.addPacket('video', 'frame', 1);
    await g.addPacket('meta', 'header', 1);
    await g.addPacket('plain', 7, 2);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(seen('video_out')).toEqual([[1, 'frame']]);
    expect(seen('meta_out')).toEqual([[1, 'header']]);
    expect(seen('plain_out')).toEqual([[2, 7]]);
    expect(g.outputSidePackets()).toEqual({ config_out: { fps: 30 } });
  });

  it('refuses outputs whose tags or indexes differ from the inputs (pass_through_calculator.cc)', async () => {
    for (const [input, output, shown] of [
      ['IN:a', 'OUT:b', /output streams: OUT:0; input streams: IN:0/],
      ['a', 'OUT:b', /output streams: OUT:0; input streams: :0/],
    ] as const) {
      const { g } = load(`
        input_stream: "a"
        node { calculator: "PassThroughCalculator" input_stream: "${input}" output_stream: "${output}" }
      `);
      await expect(g.validate()).rejects.toMatchObject({
        code: 'ERR_WEFT_GRAPH_INVALID',
        message: expect.stringMatching(shown),
      });
    }
  });

  it('checks side packets only when it has output side packets, as MediaPipe does', async () => {
    const { g } = load(`
      input_stream: "a" input_side_packet: "s" output_stream: "b"
      node { calculator: "PassThroughCalculator" input_stream: "a" output_stream: "b" input_side_packet: "s" }
    `);
    await expect(g.validate()).resolves.toBeDefined();
    const { g: bad } = load(`
      input_side_packet: "s" output_side_packet: "t"
      node { calculator: "PassThroughCalculator" input_side_packet: "S:s" output_side_packet: "T:t" }
    `);
    await expect(bad.validate()).rejects.toMatchObject({
      message: expect.stringMatching(/output side packets: T:0; input side packets: S:0/),
    });
  });

  it('a node with side packets only is opened and closed, never run as a source (SharePacketGeneratorGraph)', async () => {
    const { g, seen } = load(`
      input_side_packet: "max_count5"
      output_stream: "count5"
      node { calculator: "PassThroughCalculator" input_side_packet: "MAX_COUNT:max_count5"
             output_side_packet: "MAX_COUNT:max_count6" }
      node { calculator: "CountingSourceCalculator" output_stream: "count5"
             input_side_packet: "MAX_COUNT:max_count6" }
    `);
    await g.runToCompletion({ max_count5: 3 });
    expect(seen('count5').map(([, v]) => v)).toEqual([0, 1, 2]);
  });
});

describe('ConstantSidePacketCalculator', () => {
  it('ProcessingPacketsWithCorrectTagOnly: side packets of other tags are accepted and never set', async () => {
    const { g } = load(`
      output_side_packet: "int_packet" output_side_packet: "float_packet"
      output_side_packet: "bool_packet" output_side_packet: "string_packet"
      node {
        calculator: "ConstantSidePacketCalculator"
        output_side_packet: "PACKET:0:int_packet"
        output_side_packet: "no_tag0"
        output_side_packet: "PACKET:1:float_packet"
        output_side_packet: "INCORRECT_TAG:0:name1"
        output_side_packet: "PACKET:2:bool_packet"
        output_side_packet: "PACKET:3:string_packet"
        output_side_packet: "no_tag2"
        output_side_packet: "INCORRECT_TAG:1:name2"
        options: {
          [mediapipe.ConstantSidePacketCalculatorOptions.ext]: {
            packet { int_value: 256 }
            packet { float_value: 0.5 }
            packet { bool_value: false }
            packet { string_value: "string" }
          }
        }
      }
    `);
    await g.runToCompletion();
    expect(g.outputSidePackets()).toEqual({
      int_packet: 256,
      float_packet: 0.5,
      bool_packet: false,
      string_packet: 'string',
    });
  });

  it('IncorrectConfig_MorePacketsThanOptions: one packet written once is a list of one, and too few', async () => {
    const { g } = load(`
      node {
        calculator: "ConstantSidePacketCalculator"
        output_side_packet: "PACKET:0:int_packet" output_side_packet: "PACKET:1:float_packet"
        options: { [mediapipe.ConstantSidePacketCalculatorOptions.ext]: { packet { int_value: 256 } } }
      }
    `);
    await expect(g.startRun()).rejects.toMatchObject({
      phase: 'open',
      message: expect.stringContaining('1 packet entries in the options for 2 PACKET side packets'),
    });
  });
});

describe('MuxCalculator with a SELECT side packet', () => {
  it('InputSidePacketSelector_DefaultInputStreamHandler: every packet of the selected input', async () => {
    // MediaPipe's kTestGraphConfig2: a vector split into three streams, one chosen for the run.
    for (const selector of [0, 1, 2]) {
      const { g, seen } = load(`
        input_side_packet: "input_selector"
        input_stream: "input"
        output_stream: "test_output"
        node {
          calculator: "SplitIntVectorCalculator"
          input_stream: "input"
          output_stream: "stream0" output_stream: "stream1" output_stream: "stream2"
          options {
            [mediapipe.SplitVectorCalculatorOptions.ext] {
              ranges: { begin: 0 end: 1 } ranges: { begin: 1 end: 2 } ranges: { begin: 2 end: 3 }
              element_only: true
            }
          }
        }
        node {
          calculator: "MuxCalculator"
          input_stream: "INPUT:0:stream0" input_stream: "INPUT:1:stream1" input_stream: "INPUT:2:stream2"
          input_side_packet: "SELECT:input_selector"
          output_stream: "OUTPUT:test_output"
          input_stream_handler { input_stream_handler: "DefaultInputStreamHandler" }
        }
      `);
      await g.startRun({ input_selector: selector });
      for (let ts = 0; ts < 3; ts++) await g.addPacket('input', [ts * 10, ts * 10 + 1, ts * 10 + 2], ts);
      g.closeAllInputStreams();
      await g.waitUntilDone();
      expect(seen('test_output')).toEqual([0, 1, 2].map((ts) => [ts, ts * 10 + selector]));
      await g.close();
    }
  });

  it('a SELECT side packet naming no INPUT fails the open, typed', async () => {
    const { g } = load(`
      input_stream: "a" output_stream: "out"
      node { name: "mux" calculator: "MuxCalculator" input_stream: "INPUT:0:a" input_side_packet: "SELECT:s"
             output_stream: "OUTPUT:out" input_stream_handler { input_stream_handler: "DefaultInputStreamHandler" } }
    `);
    await expect(g.startRun({ s: 3 })).rejects.toMatchObject({
      code: 'ERR_WEFT_CALCULATOR',
      node: 'mux',
      phase: 'open',
      message: expect.stringContaining('names no INPUT'),
    });
  });
});
