// Ports MediaPipe's sequence_shift_calculator_test.cc (SequenceShiftCalculator: ZeroShift,
// PositiveShift, NegativeShift, SidePacketOffset), plus the default offset, the bound a zero shift
// carries, long shifts, the faults, and the frames the shift holds and releases.
import { describe, expect, it } from 'vitest';
import type { CalculatorGraph } from '../src/api/calculator-graph.js';
import { SequenceShiftCalculator } from '../src/calculators/index.js';
import { CalculatorRunner } from '../src/testing/calculator-runner.js';
import { bytesAt, EMPTY, failedIn, graphHarness } from './fixtures/mediapipe/graph-harness.js';

const { load } = graphHarness();

describe('SequenceShiftCalculator', () => {
  // MediaPipe's AddPackets: ten packets, value i at timestamp i.
  async function shift(node: string, sidePackets: Record<string, unknown> = {}, bounds = false) {
    const { g, seen } = load(
      `
      input_stream: "input" output_stream: "output"
      node { name: "shift" calculator: "SequenceShiftCalculator" input_stream: "input" output_stream: "output" ${node} }
    `,
      { bounds },
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

  // Each row: the test, the node's options or side packet, its side packets, and how many packets
  // come out, packet i as [timestamp, value].
  it.each([
    ['ZeroShift: every packet as it came', offset(0), {}, 10, (i: number): [number, number] => [i, i]],
    [
      'PositiveShift: packet i at the timestamp of packet i + 3; the last three are dropped',
      offset(3),
      {},
      7,
      (i: number): [number, number] => [i + 3, i],
    ],
    [
      'NegativeShift: packet i at the timestamp of packet i − 2; the first two are dropped',
      offset(-2),
      {},
      8,
      (i: number): [number, number] => [i, i + 2],
    ],
    [
      'SidePacketOffset: PACKET_OFFSET overrides the option (default −1)',
      'input_side_packet: "PACKET_OFFSET:packet_offset"',
      { packet_offset: -2 },
      8,
      (i: number): [number, number] => [i, i + 2],
    ],
    ['the default offset is −1', '', {}, 9, (i: number): [number, number] => [i, i + 1]],
  ])('%s', async (_, node, sidePackets, count, expected) => {
    const { g, seen } = await shift(node, sidePackets);
    await finish(g);
    expect(seen('output')).toEqual(range(count, expected));
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
    await expect(shift(node, side)).rejects.toMatchObject(failedIn('shift', 'open', message));
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
});
