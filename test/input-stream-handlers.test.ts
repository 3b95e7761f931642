// When process fires, and with which packets, under each input stream handler.
import { describe, expect, it } from 'vitest';
import type { InputStreamHandlerConfig } from '../src/core/input-stream-handler-config.js';
import { NodeEngine } from '../src/core/node-engine.js';
import { CalculatorRunner } from '../src/testing/calculator-runner.js';
import { FrameRef } from '../src/transport/codec.js';
import { FramePool } from '../src/transport/frame-pool.js';
import { makeNode } from './fixtures/engine/node.js';
import { type Call, processed, recorder } from './fixtures/engine/recorder.js';
import { RecordingSink } from './fixtures/engine/recording-sink.js';

type Feed = [input: string, timestamp: number][];

// Opens a recorder under `handler`, feeds `feed` with a run() after each packet, then closes.
async function drive(
  inputs: string[],
  handler: InputStreamHandlerConfig,
  feed: Feed,
  extra: { processTimestampBounds?: boolean } = {},
): Promise<{ calls: Call[]; runner: CalculatorRunner }> {
  const spec = recorder({
    inputs: Object.fromEntries(inputs.map((i) => [i, 'one'])),
    inputStreamHandler: handler,
    ...extra,
  });
  const runner = new CalculatorRunner(spec.definition);
  await runner.open();
  for (const [input, t] of feed) {
    runner.addPacket(input, t, `${input}${t}`);
    await runner.run();
  }
  await runner.close();
  return { calls: spec.calls.filter((c) => c.phase === 'process'), runner };
}

// Which inputs carried a packet in each call: 'A+B@3'.
const sets = (calls: Call[]): string[] =>
  calls.map(
    (c) =>
      `${Object.entries(c.inputs)
        .filter(([, p]) => !p.empty)
        .map(([id]) => id)
        .join('+')}@${c.ts}`,
  );

const DEFAULT = { name: 'DefaultInputStreamHandler' } as const;
const IMMEDIATE = { name: 'ImmediateInputStreamHandler' } as const;

describe('DefaultInputStreamHandler', () => {
  const a: Feed = [1, 3, 5, 7].map((t) => ['A', t]);
  const b: Feed = [2, 3, 6, 7].map((t) => ['B', t]);
  it.each([
    ['A first', [...a, ...b]],
    ['B first', [...b, ...a]],
    ['interleaved', a.flatMap((p, i) => [p, b[i]!])],
  ])('fires in timestamp order and drops nothing (%s)', async (_, feed) => {
    const { calls } = await drive(['A', 'B'], DEFAULT, feed);
    expect(sets(calls)).toEqual(['A@1', 'B@2', 'A+B@3', 'A@5', 'B@6', 'A+B@7']);
  });

  it('waits for every input to settle a timestamp', async () => {
    const spec = recorder({ inputs: { A: 'one', B: 'one' } });
    const r = new CalculatorRunner(spec.definition);
    await r.open();
    r.addPacket('A', 1, 'a').addPacket('A', 2, 'a');
    expect(await r.run()).toBe(0);
    r.setBound('B', 2);
    expect(processed(spec.calls)).toEqual([]);
    expect(await r.run()).toBe(1);
    expect(processed(spec.calls)).toEqual([1]);
  });

  it('batchSize gathers sets before process, holds the offset bound, and flushes at close', async () => {
    const spec = recorder({ inputs: { IN: 'one' }, outputs: { OUT: 'one' } });
    const r = new CalculatorRunner(spec.definition, {
      inputStreamHandler: { name: 'DefaultInputStreamHandler', batchSize: 3 },
    });
    await r.open();
    r.addPacket('IN', 1, 'a').addPacket('IN', 2, 'b');
    expect(await r.run()).toBe(0);
    expect(r.bound('OUT')).toBe(1);
    r.addPacket('IN', 3, 'c').addPacket('IN', 4, 'd');
    expect(await r.run()).toBe(3);
    expect(r.bound('OUT')).toBe(4);
    await r.close();
    expect(spec.calls.map((c) => `${c.phase}@${c.ts}`).slice(1, -1)).toEqual([
      'process@1',
      'process@2',
      'process@3',
      'process@4',
    ]);
    expect(spec.calls[4]!.inputs.IN).toMatchObject({ empty: false, value: 'd' });
  });
});

describe('ImmediateInputStreamHandler', () => {
  it('fires per packet with the other inputs empty; timestamps may go down', async () => {
    const { calls } = await drive(['A', 'B'], IMMEDIATE, [
      ['A', 10],
      ['B', 5],
      ['B', 6],
      ['A', 11],
    ]);
    expect(sets(calls)).toEqual(['A@10', 'B@5', 'B@6', 'A@11']);
    expect(calls[1]!.inputs.A).toMatchObject({ empty: true, ts: 10 });
  });

  it('fills every input that has a packet at the winning timestamp in one call', async () => {
    const spec = recorder({ inputs: { A: 'one', B: 'one' }, inputStreamHandler: IMMEDIATE });
    const r = new CalculatorRunner(spec.definition);
    await r.open();
    r.addPacket('A', 30, 'a').addPacket('B', 25, 'b').addPacket('B', 30, 'b');
    expect(await r.run()).toBe(2);
    expect(sets(spec.calls.slice(1))).toEqual(['B@25', 'A+B@30']);
  });

  it('with processTimestampBounds fires for each input’s newly settled timestamp', async () => {
    const spec = recorder({
      inputs: { A: 'one', B: 'one' },
      inputStreamHandler: IMMEDIATE,
      processTimestampBounds: true,
      timestampOffset: null,
    });
    const r = new CalculatorRunner(spec.definition);
    await r.open();
    r.setBound('A', 5);
    await r.run();
    r.setBound('B', 3);
    await r.run();
    expect(processed(spec.calls)).toEqual([4, 2]);
  });
});

describe('SyncSetInputStreamHandler', () => {
  const handler = { name: 'SyncSetInputStreamHandler', syncSets: [['A', 'B']] } as const;

  it('synchronises inputs within a set only; unlisted inputs form one more set', async () => {
    const { calls } = await drive(['A', 'B', 'C'], handler, [
      ['A', 1],
      ['C', 5],
      ['B', 1],
      ['C', 6],
      ['A', 2],
      ['B', 2],
    ]);
    expect(sets(calls)).toEqual(['C@5', 'A+B@1', 'C@6', 'A+B@2']);
  });

  it('takes one set per call, lowest timestamp first', async () => {
    const spec = recorder({ inputs: { A: 'one', B: 'one', C: 'one' }, inputStreamHandler: handler });
    const r = new CalculatorRunner(spec.definition);
    await r.open();
    r.addPacket('C', 7, 'c').addPacket('A', 3, 'a').addPacket('B', 3, 'b').addPacket('C', 8, 'c');
    r.addPacket('A', 9, 'a').addPacket('B', 9, 'b');
    expect(await r.run()).toBe(4);
    expect(sets(spec.calls.slice(1))).toEqual(['A+B@3', 'C@7', 'C@8', 'A+B@9']);
  });
});

describe('FixedSizeInputStreamHandler', () => {
  const burst: Feed = [
    ['A', 1],
    ['A', 2],
    ['A', 3],
    ['B', 1],
  ];
  it.each<[string, InputStreamHandlerConfig, Feed, string[]]>([
    [
      'drops older timestamps on every input once one queue reaches the trigger',
      { name: 'FixedSizeInputStreamHandler' },
      burst,
      ['A@3'],
    ],
    [
      'with fixedMinSize trims only once every input reaches the trigger',
      { name: 'FixedSizeInputStreamHandler', fixedMinSize: true },
      burst,
      ['A+B@1', 'A@2', 'A@3'],
    ],
    [
      'keeps up to targetQueueSize packets',
      { name: 'FixedSizeInputStreamHandler', triggerQueueSize: 3, targetQueueSize: 2 },
      [1, 2, 3, 4].map((t) => ['A', t] as [string, number]),
      ['A@3', 'A@4'],
    ],
  ])('%s', async (_, handler, feed, expected) => {
    // Feed everything first: trimming happens as packets queue, before anything runs.
    const spec = recorder({ inputs: { A: 'one', B: 'one' }, inputStreamHandler: handler });
    const r = new CalculatorRunner(spec.definition, { inputs: { A: 1, B: 1 } });
    await r.open();
    for (const [input, t] of feed) r.addPacket(input, t, t);
    await r.close();
    expect(sets(spec.calls.filter((c) => c.phase === 'process'))).toEqual(expected);
  });

  it('releases the frames of dropped packets', () => {
    const pool = FramePool.create({ classes: [{ slotBytes: 16, slots: 8 }] });
    const spec = recorder({ inputs: { A: 'one', B: 'one' } });
    const node = makeNode({ inputs: ['A', 'B'], handler: { name: 'FixedSizeInputStreamHandler' } });
    const engine = new NodeEngine(node, spec.definition, new RecordingSink(), pool);
    engine.open([]);
    const add = (input: number, t: number): void => {
      const h = pool.alloc(16, 0);
      engine.addPacket(input, t, new FrameRef(h), h);
    };
    for (const t of [1, 2, 3, 4]) add(0, t);
    expect([engine.queueSize(0), pool.inUse()]).toEqual([1, 1]);
    add(1, 2);
    expect([engine.queueSize(1), pool.inUse()]).toEqual([0, 1]);
    add(1, 4);
    expect(engine.run()).toBe(1);
    expect(pool.inUse()).toBe(0);
    engine.close();
  });
});
