// Frame ownership in the node engine, against a real FramePool: every reference is released exactly
// once (a second release would throw FrameStaleError), whatever path the packet takes.
import { describe, expect, it } from 'vitest';
import type { CalculatorContext } from '../src/core/calculator.js';
import { NodeEngine } from '../src/core/node-engine.js';
import { FrameRef } from '../src/transport/codec.js';
import { FramePool } from '../src/transport/frame-pool.js';
import failing from './fixtures/engine/failing.js';
import { makeNode } from './fixtures/engine/node.js';
import passThrough from './fixtures/engine/pass-through.js';
import { recorder } from './fixtures/engine/recorder.js';
import { RecordingSink } from './fixtures/engine/recording-sink.js';

type Definition = ConstructorParameters<typeof NodeEngine>[1];

function setup(definition: Definition = passThrough, node = makeNode({ inputs: ['IN'], outputs: ['OUT'] })) {
  const pool = FramePool.create({ name: 'engine-test', classes: [{ slotBytes: 64, slots: 8 }] });
  // Like a downstream consumer: every frame handed to the sink is released once.
  const sink = new RecordingSink((h) => pool.release(h));
  const engine = new NodeEngine(node, definition, sink, pool);
  const frame = (byte: number): [FrameRef, number] => {
    const h = pool.alloc(4, 0);
    pool.bytes(h).fill(byte, 0, 4);
    return [new FrameRef(h), h];
  };
  const add = (t: number, byte = t): void => engine.addPacket(0, t, ...frame(byte));
  return { pool, sink, engine, add };
}

describe('frames', () => {
  it('a forwarded frame keeps its bytes; the input reference is released after process', () => {
    const { pool, sink, engine, add } = setup();
    engine.open([]);
    add(1, 7);
    add(2, 8);
    expect(pool.inUse()).toBe(2);
    expect(engine.run()).toBe(2);
    // The frame crosses as its handle alone: no FrameRef is made per frame on the way out.
    expect(sink.of('packet').map(([, , t, v, h]) => [t, v, (h as number) >= 0])).toEqual([
      [1, undefined, true],
      [2, undefined, true],
    ]);
    expect(pool.inUse()).toBe(0);
    engine.close();
    expect(pool.inUse()).toBe(0);
  });

  it('a calculator that ignores its input frames leaks nothing', () => {
    const { definition } = recorder({ inputs: { IN: 'one' } });
    const { pool, engine, add } = setup(definition);
    engine.open([]);
    for (const t of [1, 2, 3]) add(t);
    engine.run();
    expect(pool.inUse()).toBe(0);
  });

  it('a retained frame lives until the calculator releases it', () => {
    let kept = -1;
    const { definition } = recorder({
      inputs: { IN: 'one' },
      onProcess: (ctx: CalculatorContext) => {
        kept = ctx.input('IN').frame;
        ctx.frames.retain(kept);
      },
      onClose: (ctx: CalculatorContext) => ctx.frames.release(kept),
    });
    const { pool, engine, add } = setup(definition);
    engine.open([]);
    add(1);
    engine.run();
    expect(pool.inUse()).toBe(1);
    engine.close();
    expect(pool.inUse()).toBe(0);
  });

  it.each([
    ['closing the node', (e: NodeEngine) => e.close()],
    ['a process failure', (e: NodeEngine) => expect(() => e.run()).toThrow(/bad packet at 2/)],
  ])('queued frames are released by %s', (_, end) => {
    const { pool, engine, add } = setup(
      failing,
      makeNode({ inputs: ['IN'], outputs: ['OUT'], options: { failIn: 'process', at: 2 } }),
    );
    engine.open([]);
    for (const t of [2, 3, 4]) add(t);
    end(engine);
    expect(engine.queueSize(0)).toBe(0);
    expect(pool.inUse()).toBe(0);
  });

  it('a rejected frame packet, and one reaching a closed node, are released', () => {
    const { pool, engine, add } = setup();
    engine.open([]);
    add(5);
    expect(() => add(4)).toThrow(/minimum expected timestamp is 6 but received 4/);
    expect(pool.inUse()).toBe(1);
    engine.close();
    add(9);
    expect(pool.inUse()).toBe(0);
  });

  it('a frame that cannot be emitted is released by addFrame', () => {
    const { definition } = recorder({
      inputs: { IN: 'one' },
      outputs: { OUT: 'one' },
      onProcess: (ctx: CalculatorContext) => {
        const h = ctx.frames.alloc(8);
        ctx.output('OUT').close();
        ctx.output('OUT').addFrame(h, ctx.inputTimestamp);
      },
    });
    const { pool, engine } = setup(definition);
    engine.open([]);
    engine.addPacket(0, 1, 'not a frame', -1);
    expect(() => engine.run()).toThrow(/closed stream/);
    expect(pool.inUse()).toBe(0);
  });

  it('a FrameRef passed to add() is a frame packet', () => {
    const { definition } = recorder({
      outputs: { OUT: 'one' },
      onOpen: (ctx: CalculatorContext) => ctx.output('OUT').add(new FrameRef(ctx.frames.alloc(8)), 0),
    });
    const { pool, sink, engine } = setup(definition, makeNode({ outputs: ['OUT'] }));
    engine.open([]);
    expect(sink.of('packet')[0]![4]).toBeGreaterThanOrEqual(0);
    expect(pool.inUse()).toBe(0);
  });
});
