import { describe, expect, it } from 'vitest';
import PassThroughCalculator from '../../src/calculators/pass-through.js';
import { Timestamp } from '../../src/core/timestamp.js';
import { CalculatorRunner, runCalculator } from '../../src/testing/calculator-runner.js';

const wiring = (inputs: number, outputs: number) => ({
  node: 'pt',
  inputs: { '': [...Array(inputs).keys()] },
  outputs: { '': [...Array(outputs).keys()] },
  inputSidePackets: {},
  outputSidePackets: {},
});

describe('PassThroughCalculator', () => {
  it('forwards each input to the output of the same index at its timestamp', async () => {
    const r = await runCalculator(PassThroughCalculator, {
      inputs: { '': 2 },
      outputs: { '': 2 },
      packets: {
        ':0': [
          [10, 'a'],
          [30, 'c'],
        ],
        ':1': [[20, { b: 1 }]],
      },
    });
    expect(r.outputs[':0']).toEqual([
      { timestamp: 10, value: 'a' },
      { timestamp: 30, value: 'c' },
    ]);
    expect(r.outputs[':1']).toEqual([{ timestamp: 20, value: { b: 1 } }]);
    expect(r.bounds).toEqual({ ':0': Timestamp.Done, ':1': Timestamp.Done });
  });

  it('carries input bounds to the outputs when no packet passes (offset 0)', async () => {
    const r = new CalculatorRunner(PassThroughCalculator, { inputs: { '': 2 }, outputs: { '': 2 } });
    await r.open();
    r.addPacket(':0', 5, 'x').setBound(':1', 40).setBound(':0', 50);
    await r.run();
    expect(r.outputs(':0')).toEqual([{ timestamp: 5, value: 'x' }]);
    expect(r.outputs(':1')).toEqual([]);
    expect(r.bound(':1')).toBe(40);
    await r.close();
    expect(r.closed(':0') && r.closed(':1')).toBe(true);
  });

  it('forwards frames with their own reference and leaks none', async () => {
    const r = new CalculatorRunner(PassThroughCalculator);
    await r.open();
    r.addFrame(':0', 7, new Uint8Array([1, 2, 3]));
    await r.run();
    await r.close();
    expect(r.outputs(':0')[0]?.bytes).toEqual(new Uint8Array([1, 2, 3]));
    expect(r.frames.inUse()).toBe(0);
  });

  it('rejects wiring with outputs unlike its inputs (MediaPipe: matching tags and indexes)', () => {
    const validate = PassThroughCalculator.contract.validate!;
    expect(validate(wiring(2, 2))).toBeUndefined();
    expect(validate(wiring(2, 1))).toMatch(
      /its output streams to use the tags and indexes of its input streams \(output streams: :0; input streams: :0 :1\)/,
    );
    expect(
      () => new CalculatorRunner(PassThroughCalculator, { inputs: { '': 1 }, outputs: { '': 3 } }),
    ).toThrow(expect.objectContaining({ code: 'ERR_WEFT_PORT_TAG' }));
  });
});
