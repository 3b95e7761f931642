// Ports the rest of MediaPipe's packet_resampler_calculator_test.cc (PacketResamplerCalculator):
// the VideoHeader tests (UseInputFrameRateHeaderHasSameFramerate, ...HasSmallerFramerate,
// UseInputFrameRateMaxFrameRateSmallerThanInput, MaxFrameRateOutputHeader, SetVideoHeader),
// OptionsSidePacket, and jitter (weft's, deterministic by SEED), plus the faults: a bad option or
// side packet fails the open typed, naming the node.
import { describe, expect, it } from 'vitest';
import { Timestamp } from '../src/core/timestamp.js';
import { failedIn, feed, graphHarness } from './fixtures/mediapipe/graph-harness.js';
import { expected, frames, resampler } from './fixtures/mediapipe/packet-resampler.js';

const { load, expectInvalid } = graphHarness();

describe('PacketResamplerCalculator', () => {
  // Each row: MediaPipe's test, options, input VideoHeader frame rate, input timestamps, expected
  // frames and timestamps, and the output VideoHeader's frame rate (undefined: no such output).
  it.each([
    [
      'UseInputFrameRateHeaderHasSameFramerate',
      'use_input_frame_rate: true frame_rate: 1000.0',
      200,
      [0, 5000, 10010, 15001, 19990],
      [0, 5000, 10010, 15001, 19990],
      [0, 5000, 10000, 15000, 20000],
      undefined,
    ],
    [
      'UseInputFrameRateHeaderHasSmallerFramerate',
      'use_input_frame_rate: true frame_rate: 1000.0',
      100,
      [0, 5000, 10010, 15001],
      [0, 10010, 15001],
      [0, 10000, 20000],
      undefined,
    ],
    [
      'UseInputFrameRateMaxFrameRateSmallerThanInput',
      'use_input_frame_rate: true frame_rate: 1000.0 max_frame_rate: 50.0',
      100,
      [0, 5000, 10010, 15001, 20010],
      [0, 20010],
      [0, 20000],
      undefined,
    ],
    [
      'MaxFrameRateOutputHeader',
      'use_input_frame_rate: true frame_rate: 1000.0 max_frame_rate: 50.0',
      100,
      [0, 5000, 10010, 15001, 20010],
      [0, 20010],
      [0, 20000],
      50,
    ],
    ['SetVideoHeader', 'frame_rate: 50.0', 1, [0, 5000, 10010, 15001, 19990], [0, 19990], [0, 20000], 50],
  ] as const)('%s', async (_, options, inRate, input, frameTs, outTs, outRate) => {
    const { g, seen } = load(
      resampler(options, { tagged: true, headerIn: true, headerOut: outRate !== undefined }),
    );
    const header = { width: 10, height: 100, frameRate: inRate, duration: 1.0, format: 'SRGB' };
    await feed(g, [['in_video_header', header, Timestamp.PreStream], ...frames(input)]);
    expect(seen('out')).toEqual(expected(frameTs, outTs));
    if (outRate !== undefined) {
      expect(seen('out_video_header')).toEqual([[Timestamp.PreStream, { ...header, frameRate: outRate }]]);
    }
  });

  it('a VIDEO_HEADER output without an input header: an empty header with the output rate', async () => {
    const { g, seen } = load(resampler('frame_rate: 25', { tagged: true, headerOut: true }));
    await feed(g, frames([0, 40000]));
    expect(seen('out')).toEqual(expected([0, 40000], [0, 40000]));
    expect(seen('out_video_header')).toEqual([
      [Timestamp.PreStream, { format: 'UNKNOWN', width: 0, height: 0, duration: 0, frameRate: 25 }],
    ]);
  });

  it.each([
    ['merged over the node’s options', { frameRate: 30 }],
    ['snake_case keys, as MediaPipe writes them', { frame_rate: 30, base_timestamp: 0 }],
  ])('OptionsSidePacket: %s', async (_, options) => {
    const { g, seen } = load(resampler('frame_rate: 60 base_timestamp: 0', { side: ['options'] }));
    await g.startRun({ options });
    for (const [s, v, ts] of frames([-222, 15000, 32000, 49999, 150000])) await g.addPacket(s, v, ts);
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(seen('out')).toHaveLength(6);
  });

  it.each([
    ['an unset frame rate', '', {}, 'frame rate must be greater than zero'],
    ['a frame rate above 1e6', 'frame_rate: 2000000', {}, 'at most 1000000'],
    ['jitter without a SEED', 'frame_rate: 30 jitter: 0.2', {}, 'needs a SEED side packet'],
    ['a malformed OPTIONS side packet', 'frame_rate: 30', { options: 5 }, 'OPTIONS must be an object'],
  ])('fault: %s fails open, naming the node', async (_, options, side, message) => {
    const { g } = load(resampler(options, { side: 'options' in side ? ['options'] : [] }));
    await expect(g.startRun(side)).rejects.toMatchObject(failedIn('resampler', 'open', message));
  });

  it('fault: a jitter outside [0, 1] is refused with the graph', async () => {
    await expectInvalid(
      resampler('frame_rate: 30 jitter: 1.5'),
      'ERR_WEFT_BAD_OPTIONS',
      'resampler',
      'jitter',
    );
  });

  describe('jitter (weft: deterministic by SEED, not MediaPipe’s random sequence)', () => {
    // 100 packets 10 ms apart, resampled to 10 fps: 10 periods of 100000 µs.
    const input = Array.from({ length: 100 }, (_, i) => i * 10000);
    const sample = async (options: string, seed: string, from = 0): Promise<number[]> => {
      const { g, seen } = load(resampler(options, { side: ['seed'] }));
      await g.startRun({ seed });
      for (const [s, v, ts] of frames(input.filter((ts) => ts >= from))) await g.addPacket(s, v, ts);
      g.closeAllInputStreams();
      await g.waitUntilDone();
      for (const [, v] of seen('out')) expect(v).toMatch(/^Frame #\d+$/);
      return seen('out').map(([ts]) => ts);
    };

    it.each([
      ['without reflection', 'frame_rate: 10 jitter: 0.2'],
      ['with reflection (legacy)', 'frame_rate: 10 jitter: 0.2 jitter_with_reflection: true'],
      ['reproducible sampling', 'frame_rate: 10 jitter: 0.2 reproducible_sampling: true'],
    ])('%s: the same seed samples the same timestamps', async (_, options) => {
      const a = await sample(options, 'video-1');
      expect(a.length).toBeGreaterThanOrEqual(9);
      expect(await sample(options, 'video-1')).toEqual(a);
    });

    it('without reflection: one period ± jitter between samples', async () => {
      const ts = await sample('frame_rate: 10 jitter: 0.2', 'video-2');
      for (let i = 1; i < ts.length; i++) {
        const gap = ts[i]! - ts[i - 1]!;
        expect(gap).toBeGreaterThanOrEqual(80000 - 1);
        expect(gap).toBeLessThanOrEqual(120000);
      }
    });

    it('with reflection: every sample inside its own period from the first packet', async () => {
      const ts = await sample('frame_rate: 10 jitter: 0.2 jitter_with_reflection: true', 'video-3');
      ts.forEach((t, k) => {
        expect(t).toBeGreaterThanOrEqual(k * 100000);
        expect(t).toBeLessThan((k + 1) * 100000);
      });
    });

    it('reproducible sampling: a stream joined mid-way samples as the whole stream does', async () => {
      const options = 'frame_rate: 10 jitter: 0.2 reproducible_sampling: true';
      const whole = await sample(options, 'video-4');
      const late = await sample(options, 'video-4', 300000);
      expect(late.filter((t) => t >= 500000)).toEqual(whole.filter((t) => t >= 500000));
      whole.forEach((t, k) => {
        expect(t).toBeGreaterThanOrEqual(k * 100000);
        expect(t).toBeLessThan((k + 1) * 100000);
      });
    });
  });
});
