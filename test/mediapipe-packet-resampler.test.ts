// Ports the timestamp tests of MediaPipe's packet_resampler_calculator_test.cc
// (PacketResamplerCalculator: NoPacketsInStream through OutputTimestampRangeAligned, by
// SimpleRunner: which frame comes out at which timestamp). Video headers, the OPTIONS side packet,
// jitter and the faults are in mediapipe-packet-resampler-options.test.ts.
import { describe, expect, it } from 'vitest';
import { feed, graphHarness } from './fixtures/mediapipe/graph-harness.js';
import { expected, frames, resampler } from './fixtures/mediapipe/packet-resampler.js';

const { load } = graphHarness();

describe('PacketResamplerCalculator', () => {
  // Each row: MediaPipe's test (and block), options, input timestamps, expected frames and timestamps.
  it.each([
    ['NoPacketsInStream', 'frame_rate: 30', [], [], []],
    ['SinglePacketInStream 1 period', 'frame_rate: 30', [0], [0], [0]],
    ['SinglePacketInStream 0 < ts < first limit', 'frame_rate: 30', [1000], [1000], [1000]],
    ['SinglePacketInStream ts > first limit', 'frame_rate: 30', [16668], [16668], [16668]],
    ['TwoPacketsInStream 1 period', 'frame_rate: 30', [0, 16666], [0], [0]],
    ['TwoPacketsInStream left extreme', 'frame_rate: 30', [0, 16667], [0, 16667], [0, 33333]],
    ['TwoPacketsInStream right extreme', 'frame_rate: 30', [0, 49999], [0, 49999], [0, 33333]],
    ['TwoPacketsInStream filling 1', 'frame_rate: 30', [0, 50000], [0, 0, 50000], [0, 33333, 66667]],
    [
      'TwoPacketsInStream filling 2',
      'frame_rate: 30',
      [2000, 118666],
      [2000, 2000, 2000, 118666],
      [2000, 35333, 68667, 102000],
    ],
    [
      'InputAtExactFrequencyMiddlepoints',
      'frame_rate: 30',
      [0, 33333, 66667, 100000, 133333, 166667, 200000],
      [0, 33333, 66667, 100000, 133333, 166667, 200000],
      [0, 33333, 66667, 100000, 133333, 166667, 200000],
    ],
    [
      'MultiplePacketsForPeriods',
      'frame_rate: 30',
      [0, 16666, 16667, 20000, 33300, 49999, 50000, 66600],
      [0, 33300, 66600],
      [0, 33333, 66667],
    ],
    [
      'FillPeriodsWithLatestPacket 1',
      'frame_rate: 30',
      [0, 5000, 16666, 83334],
      [0, 16666, 16666, 83334],
      [0, 33333, 66667, 100000],
    ],
    [
      'FillPeriodsWithLatestPacket 2',
      'frame_rate: 30',
      [0, 16666, 16667, 25000, 33000, 35000, 135000],
      [0, 33000, 35000, 35000, 135000],
      [0, 33333, 66667, 100000, 133333],
    ],
    [
      'FillPeriodsWithLatestPacket 3',
      'frame_rate: 30',
      [0, 15000, 32000, 49999, 150000],
      [0, 32000, 49999, 49999, 49999, 150000],
      [0, 33333, 66667, 100000, 133333, 166667],
    ],
    [
      'SuperHighFrameRate 500000',
      'frame_rate: 500000',
      [0, 10, 13],
      [0, 0, 0, 0, 0, 10, 10, 13],
      [0, 2, 4, 6, 8, 10, 12, 14],
    ],
    [
      'SuperHighFrameRate 1000000',
      'frame_rate: 1000000',
      [0, 10, 13],
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 10, 10, 13],
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
    ],
    ['NegativeTimestampTest 1 period', 'frame_rate: 30', [-200, -20, 16466], [-200], [-200]],
    ['NegativeTimestampTest 2 periods', 'frame_rate: 30', [-200, -20, 16467], [-200, 16467], [-200, 33133]],
    [
      'NegativeTimestampTest filling',
      'frame_rate: 30',
      [-500, 66667],
      [-500, -500, 66667],
      [-500, 32833, 66167],
    ],
    [
      'NegativeTimestampTest initial < -period',
      'frame_rate: 30',
      [-50000, -33334, 33334],
      [-50000, -33334, -33334, 33334],
      [-50000, -16667, 16667, 50000],
    ],
    ['ExactFramesPerSecond', 'frame_rate: 50', [0, 9999, 29999], [0, 29999], [0, 20000]],
    [
      'ExactFramesPerSecond filling',
      'frame_rate: 50',
      [0, 10000, 50000],
      [0, 10000, 10000, 50000],
      [0, 20000, 40000, 60000],
    ],
    [
      'FrameRateTest same rate (the stream header part is not portable)',
      'frame_rate: 50, output_header: UPDATE_VIDEO_HEADER',
      [0, 10000, 30000, 50000, 60000],
      [0, 10000, 30000, 60000],
      [0, 20000, 40000, 60000],
    ],
    [
      'FrameRateTest new rate',
      'frame_rate: 50, output_header: UPDATE_VIDEO_HEADER',
      [0, 5000, 10010, 15001, 19990],
      [0, 19990],
      [0, 20000],
    ],
    [
      'FrameRateTest PASS_HEADER',
      'frame_rate: 50, output_header: PASS_HEADER',
      [0, 5000, 10010, 15001, 19990],
      [0, 19990],
      [0, 20000],
    ],
    [
      'FlushLastPacketWithoutRound',
      'frame_rate: 1',
      [0, 333333, 666667, 1000000, 1333333],
      [0, 1000000],
      [0, 1000000],
    ],
    [
      'FlushLastPacketWithRound',
      'frame_rate: 1',
      [0, 333333, 666667, 1000000, 1333333, 1666667],
      [0, 1000000, 1666667],
      [0, 1000000, 2000000],
    ],
    [
      'DoNotFlushLastPacketWithoutRound',
      'frame_rate: 1 flush_last_packet: false',
      [0, 333333, 666667, 1000000, 1333333],
      [0, 1000000],
      [0, 1000000],
    ],
    [
      'DoNotFlushLastPacketWithRound',
      'frame_rate: 1 flush_last_packet: false',
      [0, 333333, 666667, 1000000, 1333333, 1666667],
      [0, 1000000],
      [0, 1000000],
    ],
    [
      'InputAtExactFrequencyMiddlepointsAligned without base',
      'frame_rate: 30',
      [33111, 66667, 100000, 133333, 166667, 200000],
      [33111, 66667, 100000, 133333, 166667, 200000],
      [33111, 66444, 99778, 133111, 166444, 199778],
    ],
    [
      'InputAtExactFrequencyMiddlepointsAligned base 0',
      'frame_rate: 30 base_timestamp: 0',
      [33111, 66667, 100000, 133333, 166667, 200000],
      [33111, 66667, 100000, 133333, 166667, 200000],
      [33333, 66666, 100000, 133333, 166666, 200000],
    ],
    [
      'MultiplePacketsForPeriodsAligned without base',
      'frame_rate: 30',
      [-222, 16666, 16667, 20000, 33300, 49999, 50000, 66600],
      [-222, 33300, 66600],
      [-222, 33111, 66445],
    ],
    [
      'MultiplePacketsForPeriodsAligned base 900011',
      'frame_rate: 30 base_timestamp: 900011',
      [-222, 16666, 16667, 20000, 33300, 49999, 50000, 66600],
      [-222, 33300, 66600],
      [11, 33344, 66678],
    ],
    [
      'MultiplePacketsForPeriodsAligned base 11',
      'frame_rate: 30 base_timestamp: 11',
      [899888, 916666, 916667, 920000, 933300, 949999, 950000, 966600],
      [899888, 933300, 966600],
      [900011, 933344, 966678],
    ],
    [
      'FillPeriodsWithLatestPacketAligned without base',
      'frame_rate: 30',
      [-222, 15000, 32000, 49999, 150000],
      [-222, 32000, 49999, 49999, 49999, 150000],
      [-222, 33111, 66445, 99778, 133111, 166445],
    ],
    [
      'FillPeriodsWithLatestPacketAligned base 0',
      'frame_rate: 30 base_timestamp: 0',
      [-222, 15000, 32000, 49999, 150000],
      [-222, 32000, 49999, 49999, 49999, 150000],
      [0, 33333, 66667, 100000, 133333, 166667],
    ],
    [
      'FirstInputAfterMiddlepointAligned',
      'frame_rate: 30 base_timestamp: 0',
      [66667, 100020, 133333, 166667],
      [66667, 100020, 133333, 166667],
      [66667, 100000, 133334, 166667],
    ],
    [
      'FirstInputAfterMiddlepointAligned seek',
      'frame_rate: 30 base_timestamp: 0',
      [100020, 133333, 166667],
      [100020, 133333, 166667],
      [100000, 133333, 166667],
    ],
    [
      'OutputTimestampRangeAligned start and end',
      'frame_rate: 30 base_timestamp: 0 start_time: 40000 end_time: 160000',
      [-222, 15000, 32000, 49999, 150000],
      [49999, 49999, 49999],
      [66667, 100000, 133333],
    ],
    [
      'OutputTimestampRangeAligned round_limits',
      'frame_rate: 30 base_timestamp: 0 start_time: 40000 end_time: 160000 round_limits: true',
      [-222, 15000, 32000, 49999, 150000],
      [32000, 49999, 49999, 49999, 150000],
      [33333, 66667, 100000, 133333, 166667],
    ],
  ] as const)('%s', async (_, options, input, frameTs, outTs) => {
    const { g, seen } = load(resampler(options));
    await feed(g, frames(input));
    expect(seen('out')).toEqual(expected(frameTs, outTs));
  });
});
