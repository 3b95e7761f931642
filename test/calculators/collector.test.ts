import { describe, expect, it } from 'vitest';
import CollectorCalculator from '../../src/calculators/collector.js';
import { CalculatorRunner, runCalculator } from '../../src/testing/calculator-runner.js';

describe('CollectorCalculator', () => {
  it('sets COLLECTED at close to every packet, in timestamp then input order', async () => {
    const r = await runCalculator(CollectorCalculator, {
      inputs: { '': 2 },
      packets: {
        ':0': [
          [1, 'a'],
          [3, 'c'],
        ],
        ':1': [
          [1, 'x'],
          [2, { y: 2 }],
        ],
      },
    });
    expect(r.outputSidePackets.COLLECTED).toEqual([
      { timestamp: 1, value: 'a', input: 0 },
      { timestamp: 1, value: 'x', input: 1 },
      { timestamp: 2, value: { y: 2 }, input: 1 },
      { timestamp: 3, value: 'c', input: 0 },
    ]);
  });

  it('keeps the newest maxPackets', async () => {
    const packets: [number, unknown][] = [1, 2, 3, 4, 5].map((t) => [t, t * 10]);
    const r = await runCalculator(CollectorCalculator, {
      options: { maxPackets: 2 },
      packets: { ':0': packets },
    });
    expect(r.outputSidePackets.COLLECTED).toEqual([
      { timestamp: 4, value: 40, input: 0 },
      { timestamp: 5, value: 50, input: 0 },
    ]);
    const none = await runCalculator(CollectorCalculator, {
      options: { maxPackets: 0 },
      packets: { ':0': packets },
    });
    expect(none.outputSidePackets.COLLECTED).toEqual([]);
  });

  it('records frames by handle and keeps none alive', async () => {
    const r = new CalculatorRunner(CollectorCalculator);
    await r.open();
    r.addFrame(':0', 1, new Uint8Array([9]));
    await r.run();
    expect(r.frames.inUse()).toBe(0);
    await r.close();
    const [record] = r.outputSidePackets().COLLECTED as { value: { frame: number } }[];
    expect(record?.value).toEqual({ frame: expect.any(Number) });
  });

  it('rejects a negative limit other than -1', () => {
    expect(() => new CalculatorRunner(CollectorCalculator, { options: { maxPackets: -2 } })).toThrow(
      expect.objectContaining({ code: 'ERR_WEFT_BAD_OPTIONS' }),
    );
  });
});
