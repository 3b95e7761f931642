import { describe, expect, it } from 'vitest';
import MergeCalculator from '../../src/calculators/merge.js';
import { Timestamp } from '../../src/core/timestamp.js';
import { CalculatorRunner, runCalculator } from '../../src/testing/calculator-runner.js';

describe('MergeCalculator', () => {
  it('forwards the non-empty input with the lowest index at each timestamp', async () => {
    const r = await runCalculator(MergeCalculator, {
      inputs: { '': 3 },
      packets: {
        ':0': [[20, 'a20']],
        ':1': [
          [10, 'b10'],
          [20, 'b20'],
        ],
        ':2': [
          [10, 'c10'],
          [30, 'c30'],
        ],
      },
    });
    expect(r.outputs[':0']).toEqual([
      { timestamp: 10, value: 'b10' },
      { timestamp: 20, value: 'a20' },
      { timestamp: 30, value: 'c30' },
    ]);
    expect(r.bounds[':0']).toBe(Timestamp.Done);
  });

  it('waits for every input to settle a timestamp, and carries the joined bound (offset 0)', async () => {
    const r = new CalculatorRunner(MergeCalculator, { inputs: { '': 2 } });
    await r.open();
    r.addPacket(':1', 10, 'b');
    await r.run();
    expect(r.outputs(':0')).toEqual([]);
    r.setBound(':0', 15);
    await r.run();
    expect(r.outputs(':0')).toEqual([{ timestamp: 10, value: 'b' }]);
    r.setBound(':1', 25);
    await r.run();
    expect(r.bound(':0')).toBe(15);
    await r.close();
  });

  it('needs at least one input (MediaPipe: "Needs at least one input stream")', async () => {
    expect(() => new CalculatorRunner(MergeCalculator, { inputs: { '': 0 } })).toThrow(
      expect.objectContaining({ code: 'ERR_WEFT_PORT_TAG' }),
    );
    const r = new CalculatorRunner(MergeCalculator, { inputs: { '': 1 } });
    await r.open();
    r.addPacket(':0', 4, 'd');
    await r.run();
    await r.close();
    expect(r.outputs(':0')).toEqual([{ timestamp: 4, value: 'd' }]);
  });
});
