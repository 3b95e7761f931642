import { describe, expect, it } from 'vitest';
import TimeShiftCalculator from '../../src/calculators/time-shift.js';
import { Timestamp } from '../../src/core/timestamp.js';
import { CalculatorRunner, runCalculator } from '../../src/testing/calculator-runner.js';

describe('TimeShiftCalculator', () => {
  it('shifts packets and bounds forward', async () => {
    const r = new CalculatorRunner(TimeShiftCalculator, { options: { shiftUs: 100 } });
    await r.open();
    r.addPacket(':0', 10, 'a').addPacket(':0', 20, 'b');
    await r.run();
    expect(r.outputs(':0')).toEqual([
      { timestamp: 110, value: 'a' },
      { timestamp: 120, value: 'b' },
    ]);
    r.setBound(':0', 50);
    await r.run();
    expect(r.bound(':0')).toBe(150);
    await r.close();
    expect(r.closed(':0')).toBe(true);
  });

  it('shifts backwards with a negative shift', async () => {
    const r = new CalculatorRunner(TimeShiftCalculator, { options: { shiftUs: -15 } });
    await r.open();
    r.addPacket(':0', 10, 'a').setBound(':0', 40);
    await r.run();
    expect(r.outputs(':0')).toEqual([{ timestamp: -5, value: 'a' }]);
    expect(r.bound(':0')).toBe(25);
    await r.close();
  });

  it('clamps shifted timestamps to [Min, Max]', async () => {
    const early = await runCalculator(TimeShiftCalculator, {
      options: { shiftUs: -10 },
      packets: { ':0': [[Timestamp.Min + 3, 'x']] },
    });
    expect(early.outputs[':0']).toEqual([{ timestamp: Timestamp.Min, value: 'x' }]);
    const late = await runCalculator(TimeShiftCalculator, {
      options: { shiftUs: 10 },
      packets: { ':0': [[Timestamp.Max - 2, 'y']] },
    });
    expect(late.outputs[':0']).toEqual([{ timestamp: Timestamp.Max, value: 'y' }]);
  });

  it('fails when two packets clamp onto the same timestamp', async () => {
    const run = runCalculator(TimeShiftCalculator, {
      options: { shiftUs: -10 },
      packets: {
        ':0': [
          [Timestamp.Min + 1, 'x'],
          [Timestamp.Min + 2, 'y'],
        ],
      },
    });
    await expect(run).rejects.toMatchObject({
      code: 'ERR_WEFT_CALCULATOR',
      cause: expect.objectContaining({ code: 'ERR_WEFT_INVALID_TIMESTAMP' }),
    });
  });

  it('accepts only an integer shift', () => {
    expect(() => new CalculatorRunner(TimeShiftCalculator, { options: { shiftUs: 1.5 } })).toThrow(
      expect.objectContaining({ code: 'ERR_WEFT_BAD_OPTIONS' }),
    );
  });
});
