// Ports MediaPipe's packet_presence_calculator_test.cc (PacketPresenceCalculator behind a
// GateCalculator; MediaPipe files it under PreviousLoopbackCalculator.CorrectTimestamps), plus the
// graph a user ported: PacketPresence behind PacketThinner, ASYNC and SYNC, paced and not. A
// bound-processing calculator with offset 0 is called at every timestamp its input settles, and
// emits there even when a packet and a later bound arrive together (MediaPipe's bound after
// Process(t) is t + 1 + offset).
import { describe, expect, it } from 'vitest';
import { PacketPresenceCalculator } from '../src/calculators/index.js';
import { CalculatorRunner } from '../src/testing/calculator-runner.js';
import { graphHarness, type Seen, timestamps } from './fixtures/mediapipe/graph-harness.js';

const { load } = graphHarness();

const presenceOf = (stream: string): string =>
  `node { calculator: "PacketPresenceCalculator" input_stream: "PACKET:${stream}" output_stream: "PRESENCE:p" }`;

describe('PacketPresenceCalculator', () => {
  it('CorrectTimestamps: behind a gate, false where it drops a packet, true where it passes one', async () => {
    const { g, seen } = load(`
      input_stream: "allow"
      input_stream: "value"
      output_stream: "p"
      node {
        calculator: "GateCalculator"
        input_stream: "value"
        input_stream: "ALLOW:allow"
        output_stream: "gated_value"
      }
      ${presenceOf('gated_value')}
    `);
    await g.startRun();
    const send = async (value: number, allow: boolean, ts: number): Promise<void> => {
      await g.addPacket('value', value, ts);
      await g.addPacket('allow', allow, ts);
      await g.waitUntilIdle();
    };
    await send(10, false, 10);
    expect(seen('p').splice(0)).toEqual([[10, false]]);
    await send(20, true, 11);
    expect(seen('p').splice(0)).toEqual([[11, true]]);
    g.closeAllInputStreams();
    await g.waitUntilDone();
  });

  it('true where PACKET has a packet, false where only its bound moved', async () => {
    const { g, seen } = load(`input_stream: "in" output_stream: "p" ${presenceOf('in')}`);
    await g.startRun();
    await g.addPacket('in', 'x', 10);
    await g.waitUntilIdle();
    await g.setInputStreamTimestampBound('in', 21);
    await g.waitUntilIdle();
    await g.addPacket('in', 'y', 30);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(seen('p')).toEqual([
      [10, true],
      [20, false],
      [30, true],
    ]);
  });

  it('a packet and a later bound sent together: the bound-only timestamp still gets its false', async () => {
    const { g, seen } = load(`input_stream: "in" output_stream: "p" ${presenceOf('in')}`);
    await g.startRun();
    await g.addPacket('in', 'x', 10);
    await g.setInputStreamTimestampBound('in', 21);
    // Closing at once could end the input before its bound is seen (in MediaPipe too).
    await g.waitUntilIdle();
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(seen('p')).toEqual([
      [10, true],
      [20, false],
    ]);
  });

  it('a packet and a later bound read in one run(): a call per settled timestamp, each emitting at its own', async () => {
    const r = new CalculatorRunner(PacketPresenceCalculator);
    await r.open();
    r.addPacket('PACKET', 10, 'x').setBound('PACKET', 21);
    await r.run();
    expect(r.outputs('PRESENCE')).toEqual([
      { timestamp: 10, value: true },
      { timestamp: 20, value: false },
    ]);
    expect(r.bound('PRESENCE')).toBe(21);
    r.addPacket('PACKET', 30, 'y').addPacket('PACKET', 31, 'z').setBound('PACKET', 40);
    await r.run();
    expect(r.outputs('PRESENCE').slice(2)).toEqual([
      { timestamp: 30, value: true },
      { timestamp: 31, value: true },
      { timestamp: 39, value: false },
    ]);
    await r.close();
  });
});

describe('PacketPresenceCalculator behind PacketThinnerCalculator', () => {
  const graph = (thinner: string): string => `
    input_stream: "in"
    output_stream: "p"
    node {
      calculator: "PacketThinnerCalculator"
      input_stream: "in"
      output_stream: "mid"
      options: { [mediapipe.PacketThinnerCalculatorOptions.ext]: { ${thinner} } }
    }
    ${presenceOf('mid')}
  `;

  // Packets at 0..39; `paced`: the graph is idle before each next packet.
  async function present(thinner: string, paced: boolean): Promise<Seen> {
    const { g, seen } = load(graph(thinner));
    await g.startRun();
    for (let ts = 0; ts < 40; ts++) {
      await g.addPacket('in', ts, ts);
      if (paced) await g.waitUntilIdle();
    }
    g.closeAllInputStreams();
    await g.waitUntilDone();
    return seen('p');
  }

  const at = (list: Seen, value: boolean): number[] => timestamps(list.filter(([, v]) => v === value));

  // ASYNC keeps 0, 10, 20, 30 and raises its bound a period past each. SYNC keeps the packet nearest
  // each multiple of 10 and sends it once the next interval begins (bound: that multiple), the last
  // one at 40 when it closes; its bound starts at its start time, 0, which settles -1.
  const KINDS = [
    ['ASYNC', 'thinner_type: ASYNC period: 10', [0, 10, 20, 30], [9, 19, 29, 39]],
    ['SYNC', 'thinner_type: SYNC period: 10', [0, 10, 20, 30, 40], [-1, 9, 19, 29, 39]],
  ] as const;

  it.each(KINDS)(
    '%s, paced: true at each kept packet, false where only the bound moved',
    async (_, thinner, kept, falses) => {
      const seen = await present(thinner, true);
      expect(at(seen, true)).toEqual(kept);
      expect(at(seen, false)).toEqual(falses);
      expect(timestamps(seen)).toEqual([...kept, ...falses].sort((a, b) => a - b));
    },
  );

  it.each(KINDS)(
    '%s, as fast as the input comes: the run ends, true at each kept packet',
    async (_, thinner, kept, falses) => {
      // A bound overtaken by a later packet need not be seen on its own (in MediaPipe too, where a
      // busy node finds the next packet queued): a false appears only where a bound alone settled.
      const seen = await present(thinner, false);
      expect(at(seen, true)).toEqual(kept);
      expect(falses).toEqual(expect.arrayContaining(at(seen, false)));
    },
  );
});
