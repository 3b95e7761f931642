// Ports MediaPipe's packet_thinner_calculator_test.cc (PacketThinnerCalculator, ASYNC and SYNC:
// StartAndEndTimeTest, the uniform, prime and boundary thinning tests and the FrameRateTests, whose
// header half weft cannot port), plus the bounds each type passes on, the faults, and the frames
// the thinner keeps or releases.
import { describe, expect, it } from 'vitest';
import { PacketThinnerCalculator } from '../src/calculators/index.js';
import { CalculatorRunner } from '../src/testing/calculator-runner.js';
import {
  bytesAt,
  EMPTY,
  failedIn,
  graphHarness,
  type Seen,
  timestamps,
} from './fixtures/mediapipe/graph-harness.js';

const { load, expectInvalid } = graphHarness();

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
      { bounds },
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
        { bounds: true },
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
    await expect(thin(t)).rejects.toMatchObject(failedIn('thinner', 'open', message));
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
});
