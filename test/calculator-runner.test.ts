// The calculator runner: wiring from the contract, one-shot runs, port ids, frames and sources.
import { describe, expect, it } from 'vitest';
import { defineCalculator } from '../src/core/calculator.js';
import {
  BadOptionsError,
  GraphInvalidError,
  InvalidArgumentError,
  PortTagError,
  UnknownPortError,
  type WeftErrorClass,
} from '../src/core/errors.js';
import { Timestamp } from '../src/core/timestamp.js';
import { CalculatorRunner, canonicalId, runCalculator } from '../src/testing/calculator-runner.js';
import { FramePool } from '../src/transport/frame-pool.js';
import asyncDoubler from './fixtures/engine/async-doubler.js';
import counterSource from './fixtures/engine/counter-source.js';
import passThrough from './fixtures/engine/pass-through.js';
import { recorder } from './fixtures/engine/recorder.js';

const scaler = defineCalculator<{ factor: number }>({
  name: 'ScaleCalculator',
  contract: {
    inputs: { IN: 'one', EXTRA: 'optional' },
    outputs: { OUT: 'one', DEBUG: 'optional' },
    inputSidePackets: { OFFSET: 'optional' },
    outputSidePackets: { COUNT: 'one' },
    options: { factor: 2 },
    validateOptions: (o) => (o.factor === 0 ? 'factor must not be 0' : undefined),
  },
  create: () => {
    let n = 0;
    return {
      process(ctx) {
        n++;
        const base = ctx.sidePacket<number | undefined>('OFFSET') ?? 0;
        ctx
          .output('OUT')
          .add((ctx.input('IN').value as number) * ctx.options.factor + base, ctx.inputTimestamp);
      },
      close(ctx) {
        ctx.setSidePacket('COUNT', n);
      },
    };
  },
});

describe('runCalculator', () => {
  it('opens, feeds, closes and returns outputs, bounds, side packets and call counts', async () => {
    const result = await runCalculator(scaler, {
      options: { factor: 3 },
      sidePackets: { OFFSET: 1 },
      packets: {
        IN: [
          [10, 1],
          [20, 2],
        ],
      },
    });
    expect(result).toEqual({
      outputs: {
        OUT: [
          { timestamp: 10, value: 4 },
          { timestamp: 20, value: 7 },
        ],
      },
      bounds: { OUT: Timestamp.Done },
      outputSidePackets: { COUNT: 2 },
      calls: { open: 1, process: 2, close: 1 },
    });
  });

  it('runs a source until it returns STOP', async () => {
    const result = await runCalculator(counterSource, { options: { n: 4, step: 5 } });
    expect(result.outputs.OUT!.map((p) => [p.timestamp, p.value])).toEqual([
      [0, 0],
      [5, 1],
      [10, 2],
      [15, 3],
    ]);
    expect(result.calls).toEqual({ open: 1, process: 5, close: 1 });
  });

  it('gives up on a source that never stops', async () => {
    const endless = defineCalculator({
      name: 'EndlessCalculator',
      contract: { outputs: { OUT: 'one' } },
      create: () => ({ process() {} }),
    });
    await expect(runCalculator(endless, { maxSourceCalls: 10 })).rejects.toThrow(
      /did not return STOP within 10/,
    );
  });

  it('works with async calculators', async () => {
    const result = await runCalculator(asyncDoubler, { packets: { IN: [[1, 5]] } });
    expect(result.outputs.OUT!.map((p) => p.value)).toEqual(['opened', 10, 10]);
  });
});

describe('wiring', () => {
  it('wires one stream per required tag by default, none for optional ones', () => {
    const r = new CalculatorRunner(scaler);
    expect(r.node.inputs.map((p) => [p.tag, p.index, p.name])).toEqual([['IN', 0, 'in']]);
    expect(r.node.outputs.map((p) => p.tag)).toEqual(['OUT']);
    expect(r.node).toMatchObject({
      name: 'ScaleCalculator',
      options: { factor: 2 },
      timestampOffset: 0,
      inputStreamHandler: { name: 'DefaultInputStreamHandler' },
      isSource: false,
    });
  });

  it('wires counts given per tag, ports sorted by tag then index', async () => {
    const r = new CalculatorRunner(passThrough, { inputs: { IN: 3 }, outputs: { OUT: 3 }, name: 'pass' });
    expect(r.node.inputs.map((p) => p.name)).toEqual(['in', 'in_1', 'in_2']);
    await r.open();
    r.addPacket('IN:2', 1, 'c').addPacket('IN', 1, 'a').setBound('IN:1', 2);
    await r.run();
    expect([r.outputs('OUT'), r.outputs('OUT:0'), r.outputs('OUT:1'), r.outputs('OUT:2')]).toEqual([
      [{ timestamp: 1, value: 'a' }],
      [{ timestamp: 1, value: 'a' }],
      [],
      [{ timestamp: 1, value: 'c' }],
    ]);
    expect(r.bound('OUT:1')).toBe(2);
    expect(r.closed('OUT:1')).toBe(false);
    await r.close();
    expect(r.closed('OUT:1')).toBe(true);
  });

  it.each<[string, ConstructorParameters<typeof CalculatorRunner>[1], WeftErrorClass, RegExp]>([
    [
      'an undeclared tag',
      { inputs: { NOPE: 1 } },
      PortTagError,
      /tag "NOPE" is not declared by ScaleCalculator/,
    ],
    ['too many streams for a tag', { inputs: { IN: 2 } }, PortTagError, /IN/],
    ['an undeclared side packet', { sidePackets: { NOPE: 1 } }, PortTagError, /NOPE/],
    ['an unknown option', { options: { size: 1 } }, BadOptionsError, /size/],
    ['options the calculator rejects', { options: { factor: 0 } }, BadOptionsError, /factor must not be 0/],
    [
      'a bad handler',
      { inputStreamHandler: { name: 'DefaultInputStreamHandler', batchSize: 0 } },
      BadOptionsError,
      /batchSize/,
    ],
    ['a negative count', { inputs: { IN: -1 } }, InvalidArgumentError, /integer ≥ 0/],
    [
      'several problems at once',
      { inputs: { NOPE: 1 }, options: { factor: 0 } },
      GraphInvalidError,
      /2 problems/,
    ],
  ])('rejects %s like graph validation does', (_, options, cls, message) => {
    expect(() => new CalculatorRunner(scaler, options)).toThrow(cls);
    expect(() => new CalculatorRunner(scaler, options)).toThrow(message);
  });

  it('names unknown port ids with the ports that exist', async () => {
    const r = new CalculatorRunner(scaler);
    expect(() => r.addPacket('IN:1', 1, 1)).toThrow(UnknownPortError);
    expect(() => r.outputs('DEBUG')).toThrow(
      /output stream "DEBUG" is not wired on this node \(wired: OUT:0\)/,
    );
    expect(() => r.addPacket('IN:x', 1, 1)).toThrow(/not 'TAG', 'TAG:i' or ':i'/);
  });

  it('canonical ids: TAG for index 0, TAG:i above, :i untagged', () => {
    expect([canonicalId('OUT', 0), canonicalId('OUT', 2), canonicalId('', 0)]).toEqual([
      'OUT',
      'OUT:2',
      ':0',
    ]);
  });
});

describe('runner frames', () => {
  it('copies emitted frames into bytes and releases them', async () => {
    const pool = FramePool.create({ classes: [{ slotBytes: 8, slots: 2 }] });
    const r = new CalculatorRunner(passThrough, { frames: pool });
    await r.open();
    r.addFrame('IN', 1, Uint8Array.of(1, 2, 3));
    r.addFrame('IN', 2, Uint8Array.of(4));
    await r.run();
    expect(r.outputs('OUT').map((p) => [p.timestamp, [...(p.bytes ?? [])]])).toEqual([
      [1, [1, 2, 3]],
      [2, [4]],
    ]);
    await r.close();
    expect(pool.inUse()).toBe(0);
  });

  it('creates a small pool on demand', async () => {
    const r = new CalculatorRunner(passThrough);
    await r.open();
    r.addFrame('IN', 1, new Uint8Array(100).fill(9));
    await r.close();
    expect(r.outputs('OUT')[0]!.bytes).toEqual(new Uint8Array(100).fill(9));
    expect(r.frames.inUse()).toBe(0);
  });
});

describe('runner lifecycle', () => {
  it('counts calls, and close() on an open source ends it at once', async () => {
    const r = new CalculatorRunner(counterSource, { options: { n: 10 } });
    await r.open();
    await r.run();
    await r.close();
    expect(r.calls).toEqual({ open: 1, process: 1, close: 1 });
    expect(r.closed('OUT')).toBe(true);
  });

  it('records the calls a recorder sees through the runner', async () => {
    const spec = recorder({ inputs: { '': 'many' } });
    const r = new CalculatorRunner(spec.definition, { inputs: { '': 2 } });
    await r.open();
    r.addPacket(':0', 1, 'a').addPacket(':1', 1, 'b');
    await r.close();
    expect(spec.calls[1]!.inputs).toEqual({
      ':0': { empty: false, ts: 1, value: 'a' },
      ':1': { empty: false, ts: 1, value: 'b' },
    });
  });
});

describe('runner failures', () => {
  it('close() still closes the node when processing fails, and reports the failure', async () => {
    const spec = recorder({
      inputs: { IN: 'one' },
      outputs: { OUT: 'one' },
      onProcess: () => {
        throw new Error('broken');
      },
    });
    const r = new CalculatorRunner(spec.definition);
    await r.open();
    r.addPacket('IN', 1, 'x');
    await expect(r.close()).rejects.toThrow(/Calculator::Process\(\) for node "RecorderCalculator".*broken/);
    expect(r.state).toBe('failed');
    expect(r.closed('OUT')).toBe(true);
    expect(r.calls).toEqual({ open: 1, process: 1, close: 1 });
  });
});
