// MediaPipe's core calculators with MediaPipe's contracts (calculators/core): ConstantSidePacket,
// SidePacketToStream, PacketPresence, wired as MediaPipe's graphs wire them.
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

describe('PacketPresenceCalculator', () => {
  it('true where PACKET has a packet, false where only its bound moved', async () => {
    const { g, seen } = load(`
      input_stream: "in"
      output_stream: "presence"
      node { calculator: "PacketPresenceCalculator" input_stream: "PACKET:in" output_stream: "PRESENCE:presence" }
    `);
    await g.startRun();
    await g.addPacket('in', 'x', 10);
    await g.waitUntilIdle();
    await g.setInputStreamTimestampBound('in', 21);
    await g.waitUntilIdle();
    await g.addPacket('in', 'y', 30);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(seen('presence')).toEqual([
      [10, true],
      [20, false],
      [30, true],
    ]);
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
