import { describe, expect, it } from 'vitest';
import FlowLimiterCalculator from '../../src/calculators/flow-limiter.js';
import { CalculatorRunner } from '../../src/testing/calculator-runner.js';

// Wired as in a graph: FINISHED is the back edge from the end of the guarded part.
function limiter(options: Record<string, unknown> = {}): CalculatorRunner {
  return new CalculatorRunner(FlowLimiterCalculator, {
    outputs: { '': 1, ALLOW: 1 },
    backEdges: ['FINISHED'],
    options,
  });
}

const values = (r: CalculatorRunner, output: string) => r.outputs(output).map((p) => [p.timestamp, p.value]);

describe('FlowLimiterCalculator', () => {
  it('drops frames while one is in flight; FINISHED frees the slot', async () => {
    const r = limiter();
    await r.open();
    r.addPacket(':0', 1, 'a');
    await r.run();
    r.addPacket(':0', 2, 'b');
    await r.run();
    expect(values(r, ':0')).toEqual([[1, 'a']]);
    // The dropped timestamp does not hold downstream back.
    expect(r.bound(':0')).toBe(3);
    r.addPacket('FINISHED', 1, true);
    await r.run();
    r.addPacket(':0', 3, 'c');
    await r.run();
    expect(values(r, ':0')).toEqual([
      [1, 'a'],
      [3, 'c'],
    ]);
    expect(values(r, 'ALLOW')).toEqual([
      [1, true],
      [2, false],
      [3, true],
    ]);
    await r.close();
  });

  it('queues up to maxInQueue, dropping the oldest queued frame', async () => {
    const r = limiter({ maxInQueue: 1 });
    await r.open();
    for (const [t, v] of [
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ] as const) {
      r.addPacket(':0', t, v);
      await r.run();
    }
    expect(values(r, ':0')).toEqual([[1, 'a']]);
    // c waits in the queue: the output may still carry it.
    expect(r.bound(':0')).toBe(3);
    r.addPacket('FINISHED', 1, true);
    await r.run();
    expect(values(r, ':0')).toEqual([
      [1, 'a'],
      [3, 'c'],
    ]);
    expect(values(r, 'ALLOW')).toEqual([
      [1, true],
      [2, false],
      [3, true],
    ]);
    await r.close();
  });

  it('lets maxInFlight frames through before dropping', async () => {
    const r = limiter({ maxInFlight: 2 });
    await r.open();
    r.addPacket(':0', 1, 'a').addPacket(':0', 2, 'b').addPacket(':0', 3, 'c');
    await r.run();
    expect(values(r, 'ALLOW')).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
    await r.close();
  });

  it('counts a FINISHED bound as finished when the next frame arrives', async () => {
    const r = limiter();
    await r.open();
    r.addPacket(':0', 1, 'a');
    await r.run();
    r.setBound('FINISHED', 2);
    await r.run();
    r.addPacket(':0', 2, 'b');
    await r.run();
    expect(values(r, ':0')).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    await r.close();
  });

  it('abandons frames in flight older than inFlightTimeoutUs', async () => {
    const r = limiter({ inFlightTimeoutUs: 10 });
    await r.open();
    r.addPacket(':0', 0, 'a').addPacket(':0', 5, 'b').addPacket(':0', 11, 'c');
    await r.run();
    expect(values(r, 'ALLOW')).toEqual([
      [0, true],
      [5, false],
      [11, true],
    ]);
    await r.close();
  });

  it('drops frames still queued at close, releasing them', async () => {
    const r = limiter({ maxInQueue: 1 });
    await r.open();
    r.addFrame(':0', 1, new Uint8Array([1])).addFrame(':0', 2, new Uint8Array([2]));
    await r.run();
    expect(r.frames.inUse()).toBe(1);
    await r.close();
    expect(r.outputs(':0').map((p) => p.bytes)).toEqual([new Uint8Array([1])]);
    expect(values(r, 'ALLOW')).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(r.frames.inUse()).toBe(0);
    expect(r.closed(':0') && r.closed('ALLOW')).toBe(true);
  });

  it('rejects options out of range', () => {
    for (const options of [{ maxInFlight: 0 }, { maxInQueue: -1 }, { inFlightTimeoutUs: 0.5 }]) {
      expect(() => limiter(options)).toThrow(expect.objectContaining({ code: 'ERR_WEFT_BAD_OPTIONS' }));
    }
  });
});
