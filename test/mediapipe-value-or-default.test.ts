// Ports MediaPipe's value_or_default_calculator_test.cc (ValueOrDefaultCalculator: NoInputs,
// NeverDefault, DefaultAndValues, TimestampsMismatch, FlagValue, FullTest), plus its port check.
import { describe, expect, it } from 'vitest';
import {
  describeRegisteredNames,
  graphHarness,
  run,
  single,
  timestamps,
  values,
} from './fixtures/mediapipe/graph-harness.js';

const { load, expectInvalid } = graphHarness();

describe('ValueOrDefaultCalculator', () => {
  const DEFAULT = 0;
  const orDefault = () =>
    load(
      single(
        `calculator: "ValueOrDefaultCalculator"
         input_stream: "IN:in" input_stream: "TICK:tick" input_side_packet: "default"
         output_stream: "OUT:out" output_stream: "FLAG:used_default"`,
        ['in', 'tick'],
        ['out', 'used_default'],
      ),
    );
  // Values for IN: default + 1 onwards, so none is the default.
  const range = (n: number) => Array.from({ length: n }, (_, i) => DEFAULT + 1 + i);
  const ticksAt = (ts: readonly number[]) => ts.map((t) => [t, false] as const);
  const at = (ts: readonly number[], values: readonly number[]) => ts.map((t, i) => [t, values[i]] as const);

  // Each row: the test, the ticks, and the timestamps of IN's packets (none of them on a tick).
  it.each([
    ['NoInputs: the default at every tick, flagged', [0, 1, 2, 5, 8, 12, 33, 231], []],
    [
      'TimestampsMismatch: inputs off the ticks never come out',
      [1, 2, 5, 8, 12, 33, 231],
      [0, 3, 4, 6, 7, 9, 10, 11, 13, 14, 15, 16, 232],
    ],
  ])('%s', async (_, ticks, inTicks) => {
    const l = orDefault();
    await run(l, { tick: ticksAt(ticks), in: at(inTicks, range(inTicks.length)) }, { default: DEFAULT });
    expect(timestamps(l.seen('out'))).toEqual(ticks);
    expect(values(l.seen('out'))).toEqual(ticks.map(() => DEFAULT));
    expect(timestamps(l.seen('used_default'))).toEqual(ticks);
  });

  it('NeverDefault: inputs on time come out as they are', async () => {
    const ticks = [0, 1, 2, 5, 8, 12, 33, 231];
    const l = orDefault();
    await run(l, { tick: ticksAt(ticks), in: at(ticks, range(ticks.length)) }, { default: DEFAULT });
    expect(timestamps(l.seen('out'))).toEqual(ticks);
    expect(values(l.seen('out'))).toEqual(range(ticks.length));
    expect(l.seen('used_default')).toEqual([]);
  });

  it('DefaultAndValues', async () => {
    const ticks = [0, 1, 5, 8, 12, 231];
    const inTicks = [1, 5, 12];
    const l = orDefault();
    await run(l, { tick: ticksAt(ticks), in: at(inTicks, range(inTicks.length)) }, { default: DEFAULT });
    expect(timestamps(l.seen('out'))).toEqual(ticks);
    expect(timestamps(l.seen('used_default'))).toEqual([0, 8, 231]);
    expect(values(l.seen('out'))).toEqual([DEFAULT, 1, 2, DEFAULT, 3, DEFAULT]);
  });

  it('FlagValue: true', async () => {
    const l = orDefault();
    await run(l, { tick: ticksAt([0]) }, { default: DEFAULT });
    expect(values(l.seen('used_default'))).toEqual([true]);
  });

  it('FullTest', async () => {
    const ticks = [1, 2, 5, 8, 12, 33, 231];
    const inTicks = [0, 2, 4, 6, 8, 9, 12, 33, 54, 232];
    const l = orDefault();
    await run(l, { tick: ticksAt(ticks), in: at(inTicks, range(inTicks.length)) }, { default: DEFAULT });
    expect(timestamps(l.seen('out'))).toEqual(ticks);
    expect(values(l.seen('out'))).toEqual([DEFAULT, 2, DEFAULT, 5, 7, 8, DEFAULT]);
    expect(timestamps(l.seen('used_default'))).toEqual([1, 5, 231]);
    expect(values(l.seen('used_default'))).toEqual([true, true, true]);
  });

  it('without FLAG: refused with the graph, as MediaPipe requires every port', async () => {
    await expectInvalid(
      single(
        'calculator: "ValueOrDefaultCalculator" input_stream: "IN:in" input_stream: "TICK:tick" input_side_packet: "d" output_stream: "OUT:out"',
        ['in', 'tick'],
        ['out'],
      ),
      'ERR_WEFT_PORT_TAG',
      'node',
      'FLAG',
    );
  });
});

describeRegisteredNames(['ValueOrDefaultCalculator']);
