import { describe, expect, it } from 'vitest';
import GateCalculator from '../../src/calculators/gate.js';
import type { NodeWiring } from '../../src/core/calculator.js';
import { CalculatorRunner, runCalculator } from '../../src/testing/calculator-runner.js';

const data: [number, unknown][] = [
  [1, 'a'],
  [2, 'b'],
  [3, 'c'],
];

function wiring(inputs: Record<string, number[]>, sides: Record<string, number[]> = {}): NodeWiring {
  return { node: 'g', inputs, outputs: { '': [0] }, inputSidePackets: sides, outputSidePackets: {} };
}

describe('GateCalculator', () => {
  it('passes data while ALLOW is true and reports state changes', async () => {
    const r = await runCalculator(GateCalculator, {
      inputs: { '': 1, ALLOW: 1 },
      outputs: { '': 1, STATE_CHANGE: 1 },
      packets: {
        ':0': data,
        ALLOW: [
          [1, true],
          [2, false],
          [3, true],
        ],
      },
    });
    expect(r.outputs[':0']).toEqual([
      { timestamp: 1, value: 'a' },
      { timestamp: 3, value: 'c' },
    ]);
    expect(r.outputs.STATE_CHANGE).toEqual([
      { timestamp: 2, value: false },
      { timestamp: 3, value: true },
    ]);
  });

  it('advances the output bound past a dropped packet', async () => {
    const r = new CalculatorRunner(GateCalculator, { inputs: { '': 1, DISALLOW: 1 } });
    await r.open();
    r.addPacket(':0', 2, 'b').addPacket('DISALLOW', 2, true);
    await r.run();
    expect(r.outputs(':0')).toEqual([]);
    expect(r.bound(':0')).toBe(3);
    r.addPacket(':0', 5, 'e').addPacket('DISALLOW', 5, false);
    await r.run();
    expect(r.outputs(':0')).toEqual([{ timestamp: 5, value: 'e' }]);
    await r.close();
  });

  it('treats an empty control as disallow unless emptyPacketsAsAllow', async () => {
    for (const emptyPacketsAsAllow of [false, true]) {
      const r = new CalculatorRunner(GateCalculator, {
        inputs: { '': 1, ALLOW: 1 },
        options: { emptyPacketsAsAllow },
      });
      await r.open();
      r.addPacket(':0', 7, 'x').setBound('ALLOW', 8);
      await r.run();
      expect(r.outputs(':0')).toEqual(emptyPacketsAsAllow ? [{ timestamp: 7, value: 'x' }] : []);
      expect(r.bound(':0')).toBe(8);
      await r.close();
    }
  });

  it('takes a fixed decision from an ALLOW or DISALLOW side packet', async () => {
    const closed = await runCalculator(GateCalculator, {
      inputs: { '': 2 },
      outputs: { '': 2 },
      sidePackets: { ALLOW: false },
      packets: { ':0': data, ':1': [[4, 'd']] },
    });
    expect(closed.outputs).toMatchObject({ ':0': [], ':1': [] });
    const open = await runCalculator(GateCalculator, {
      sidePackets: { DISALLOW: false },
      packets: { ':0': data },
    });
    expect(open.outputs[':0']?.map((p) => p.value)).toEqual(['a', 'b', 'c']);
  });

  it('accepts at most one control and as many outputs as data inputs', () => {
    const validate = GateCalculator.contract.validate!;
    expect(validate(wiring({ '': [0], ALLOW: [0] }))).toBeUndefined();
    expect(validate(wiring({ '': [0] }, { DISALLOW: [0] }))).toBeUndefined();
    expect(validate(wiring({ '': [0] }))).toBeUndefined();
    expect(validate(wiring({ '': [0], ALLOW: [0] }, { DISALLOW: [0] }))).toMatch(
      /at most one control, has input stream ALLOW, input side packet DISALLOW/,
    );
    expect(validate(wiring({ '': [0, 1], ALLOW: [0] }))).toMatch(/as many untagged outputs as data inputs/);
  });

  it('without a control, the allow option decides (MediaPipe: AllowWithOption / DisallowWithOption)', async () => {
    for (const allow of [true, false]) {
      const r = await runCalculator(GateCalculator, { options: { allow }, packets: { ':0': data } });
      expect(r.outputs[':0']?.map((p) => p.value)).toEqual(allow ? ['a', 'b', 'c'] : []);
    }
  });

  it('a disallowing side packet closes the outputs (MediaPipe: DisallowBySidePacket)', async () => {
    const r = new CalculatorRunner(GateCalculator, { sidePackets: { ALLOW: false } });
    await r.open();
    r.addPacket(':0', 1, 'a');
    await r.run();
    expect(r.closed(':0')).toBe(true);
    await r.close();
  });

  it('initialGateState: STATE_CHANGE reports a first decision that differs from it', async () => {
    const r = await runCalculator(GateCalculator, {
      inputs: { '': 1, ALLOW: 1 },
      outputs: { '': 1, STATE_CHANGE: 1 },
      options: { initialGateState: 'GATE_ALLOW' },
      packets: { ':0': [[1, 'a']], ALLOW: [[1, false]] },
    });
    expect(r.outputs.STATE_CHANGE).toEqual([{ timestamp: 1, value: false }]);
    await expect(
      runCalculator(GateCalculator, { options: { initialGateState: 'OPEN' }, packets: { ':0': data } }),
    ).rejects.toMatchObject({ code: 'ERR_WEFT_BAD_OPTIONS', message: expect.stringMatching(/OPEN/) });
  });

  it('fails on a control value that is not a boolean', async () => {
    const run = runCalculator(GateCalculator, { sidePackets: { ALLOW: 1 }, packets: { ':0': data } });
    await expect(run).rejects.toMatchObject({
      message: expect.stringMatching(/ALLOW is number, not a boolean/),
    });
  });
});
