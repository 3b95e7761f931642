// Ports MediaPipe's packet_cloner_calculator_test.cc (PacketClonerCalculator, with and without the
// TICK tag, and PacketClonerCalculatorGatedInputTest), plus the output_only_when_all_inputs_received
// option, the port checks, and the frames the cloner holds and releases.
import { describe, expect, it } from 'vitest';
import { PacketClonerCalculator } from '../src/calculators/index.js';
import { CalculatorRunner } from '../src/testing/calculator-runner.js';
import { bytesAt, EMPTY, graphHarness, type Seen } from './fixtures/mediapipe/graph-harness.js';

const { load, expectInvalid } = graphHarness();

describe('PacketClonerCalculator', () => {
  // MediaPipe runs these with and without the TICK tag (the legacy form: the last untagged input ticks).
  const tick = (tagged: boolean): string => (tagged ? 'TICK:tick' : 'tick');
  // One input to clone, in1 to out1.
  const singleCloner = (tagged: boolean): string => `
    input_stream: 'in1' input_stream: 'tick' output_stream: 'out1'
    node {
      calculator: 'PacketClonerCalculator'
      input_stream: 'in1' input_stream: '${tick(tagged)}'
      output_stream: 'out1'
    }
  `;

  describe.each([
    ['tick as the last untagged input', false],
    ['TICK tag', true],
  ])('%s', (_, tagged) => {
    it('ClonesSingleInputSameTimestamps', async () => {
      const { g, seen } = load(singleCloner(tagged));
      await g.startRun();
      await g.addPacket('in1', 1, 10000);
      await g.addPacket('tick', 1000, 10000);
      await g.waitUntilIdle();
      expect(seen('out1')).toEqual([[10000, 1]]);
      g.closeAllInputStreams();
      await g.waitUntilDone();
    });

    it('ClonesSingleInputEarlierTimestamps: ticks wait until in1 settles their timestamps', async () => {
      const { g, seen } = load(singleCloner(tagged));
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

    async function run(sends: readonly (readonly [string, unknown, number])[]): Promise<Seen> {
      const { g, seen } = load(GATED, { bounds: true });
      await g.startRun();
      for (const [s, v, ts] of sends) await g.addPacket(s, v, ts);
      await g.waitUntilIdle();
      const out = [...seen('output')];
      g.closeAllInputStreams();
      await g.waitUntilDone();
      return out;
    }

    it.each([
      [
        'PropagatesTimestampBoundsWithEmptyInput: a gated tick still settles the output',
        [
          ['tick_enabled', false, 100],
          ['tick', 0, 100],
          ['input_enabled', false, 200],
          ['input', 1, 200],
        ],
        [[100, EMPTY]],
      ],
      [
        'PropagatesTimestampBoundsWithInput',
        [
          ['input_enabled', true, 100],
          ['input', 1, 100],
          ['tick_enabled', true, 100],
          ['tick', 0, 100],
          ['tick_enabled', false, 110],
          ['tick', 0, 110],
          ['input_enabled', false, 200],
          ['input', 2, 200],
        ],
        [
          [100, 1],
          [110, EMPTY],
        ],
      ],
      [
        'PropagatesTimestampBoundsFromTick: only the tick’s own timestamps settle the output',
        [
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
        ],
        [
          [100, 1],
          [200, EMPTY],
        ],
      ],
    ] as const)('%s', async (_, sends, expected) => {
      expect(await run(sends)).toEqual(expected);
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
});
