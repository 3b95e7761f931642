import { describe, expect, it } from 'vitest';
import CounterSourceCalculator from '../../src/calculators/counter-source.js';
import { Timestamp } from '../../src/core/timestamp.js';
import { CalculatorRunner, runCalculator } from '../../src/testing/calculator-runner.js';

describe('CounterSourceCalculator', () => {
  it('emits count packets, one per process call, then closes its output', async () => {
    const r = await runCalculator(CounterSourceCalculator);
    expect(r.outputs[':0']).toEqual(Array.from({ length: 10 }, (_, i) => ({ timestamp: i, value: i })));
    expect(r.bounds[':0']).toBe(Timestamp.Done);
    expect(r.calls).toEqual({ open: 1, process: 10, close: 1 });
  });

  it('follows start, step, firstTimestamp and intervalUs', async () => {
    const r = await runCalculator(CounterSourceCalculator, {
      options: { count: 3, start: 5, step: 2, firstTimestamp: 100, intervalUs: 10 },
    });
    expect(r.outputs[':0']).toEqual([
      { timestamp: 100, value: 5 },
      { timestamp: 110, value: 7 },
      { timestamp: 120, value: 9 },
    ]);
  });

  it('takes the count from the COUNT side packet, and stops at once for 0', async () => {
    const two = await runCalculator(CounterSourceCalculator, { sidePackets: { COUNT: 2 } });
    expect(two.outputs[':0']).toHaveLength(2);
    const none = await runCalculator(CounterSourceCalculator, { sidePackets: { COUNT: 0 } });
    expect(none.outputs[':0']).toEqual([]);
    expect(none.bounds[':0']).toBe(Timestamp.Done);
  });

  it('fails open on a COUNT that is not a count', async () => {
    const r = new CalculatorRunner(CounterSourceCalculator, { sidePackets: { COUNT: -1 } });
    await expect(r.open()).rejects.toMatchObject({
      code: 'ERR_WEFT_CALCULATOR',
      message: expect.stringMatching(/COUNT side packet must be an integer ≥ 0, not -1/),
    });
  });

  it('rejects options that would not give increasing timestamps in range', () => {
    for (const options of [{ intervalUs: 0 }, { count: 1.5 }, { firstTimestamp: Timestamp.Max, count: 2 }]) {
      expect(() => new CalculatorRunner(CounterSourceCalculator, { options })).toThrow(
        expect.objectContaining({ code: 'ERR_WEFT_BAD_OPTIONS' }),
      );
    }
  });
});
