import { describe, expect, it } from 'vitest';
import AdderCalculator from '../../src/calculators/adder.js';
import { CalculatorRunner, runCalculator } from '../../src/testing/calculator-runner.js';

describe('AdderCalculator', () => {
  it('sums the non-empty inputs at each timestamp', async () => {
    const r = await runCalculator(AdderCalculator, {
      inputs: { '': 2 },
      packets: {
        ':0': [
          [10, 1],
          [20, 2],
        ],
        ':1': [
          [10, 5],
          [30, 7],
        ],
      },
    });
    expect(r.outputs[':0']).toEqual([
      { timestamp: 10, value: 6 },
      { timestamp: 20, value: 2 },
      { timestamp: 30, value: 7 },
    ]);
  });

  it('emits nothing where every input is empty, but moves the output bound', async () => {
    const r = new CalculatorRunner(AdderCalculator, { inputs: { '': 2 } });
    await r.open();
    r.setBound(':0', 100).setBound(':1', 100);
    await r.run();
    expect(r.outputs(':0')).toEqual([]);
    expect(r.bound(':0')).toBe(100);
    await r.close();
  });

  it('emits 0 at a settled timestamp with no packets when emitEmpty is set', async () => {
    const r = new CalculatorRunner(AdderCalculator, { inputs: { '': 2 }, options: { emitEmpty: true } });
    await r.open();
    r.setBound(':0', 100).setBound(':1', 100);
    await r.run();
    expect(r.outputs(':0')).toEqual([{ timestamp: 99, value: 0 }]);
    await r.close();
  });

  it('fails process on a value that is not a number, naming the input and timestamp', async () => {
    const run = runCalculator(AdderCalculator, { inputs: { '': 2 }, packets: { ':1': [[4, '3']] } });
    await expect(run).rejects.toMatchObject({
      code: 'ERR_WEFT_CALCULATOR',
      message: expect.stringMatching(/input 1 at 4 is string, not a number/),
    });
  });
});
