// The node engine's lifecycle, errors, async calculators and the sink protocol, without threads.
import { describe, expect, it } from 'vitest';
import { type OutputPort, STOP } from '../src/core/calculator.js';
import { CalculatorError, InvalidArgumentError, UnknownPortError } from '../src/core/errors.js';
import { NodeEngine } from '../src/core/node-engine.js';
import { Timestamp } from '../src/core/timestamp.js';
import asyncDoubler from './fixtures/engine/async-doubler.js';
import counterSource from './fixtures/engine/counter-source.js';
import failing, { Boom } from './fixtures/engine/failing.js';
import { makeNode } from './fixtures/engine/node.js';
import { recorder } from './fixtures/engine/recorder.js';
import { RecordingSink } from './fixtures/engine/recording-sink.js';

function engineFor(
  spec: Parameters<typeof recorder>[0],
  node: Parameters<typeof makeNode>[0],
): { engine: NodeEngine; sink: RecordingSink; calls: ReturnType<typeof recorder>['calls'] } {
  const { definition, calls } = recorder(spec);
  const sink = new RecordingSink();
  return { engine: new NodeEngine(makeNode(node), definition, sink, null), sink, calls };
}

describe('lifecycle', () => {
  it('calls open, then process per set, then close once every input is done', () => {
    const { engine, sink, calls } = engineFor(
      {
        inputs: { IN: 'one' },
        outputs: { OUT: 'one' },
        onOpen: (ctx) => ctx.output('OUT').add('header', Timestamp.PreStream + 1),
        onProcess: (ctx) => ctx.output('OUT').add(ctx.input('IN').value, ctx.inputTimestamp),
      },
      { inputs: ['IN'], outputs: ['OUT'] },
    );
    engine.addPacket(0, 5, 'early', -1);
    expect(engine.state).toBe('created');
    engine.open([]);
    expect(engine.state).toBe('opened');
    expect(sink.of('packet')).toEqual([['packet', 0, Timestamp.Min, 'header', -1]]);
    engine.addPacket(0, 6, 'b', -1);
    expect(engine.run()).toBe(2);
    engine.closeInput(0);
    expect(engine.run()).toBe(0);
    expect(engine.state).toBe('closed');
    expect(calls.map((c) => [c.phase, c.ts])).toEqual([
      ['open', Timestamp.Unstarted],
      ['process', 5],
      ['process', 6],
      ['close', Timestamp.Done],
    ]);
    // open and close see empty inputs at Unset, as MediaPipe shows them (EmptyInputInOpen), even
    // with a packet at 5 already queued when open runs.
    expect(calls[0]!.inputs.IN).toEqual({ empty: true, ts: Timestamp.Unset, value: undefined });
    expect(calls[3]!.inputs.IN).toEqual({ empty: true, ts: Timestamp.Unset, value: undefined });
    expect(sink.events.at(-1)).toEqual(['close', 0]);
  });

  it('a source is called once per run() until it returns STOP, then closed', () => {
    const sink = new RecordingSink();
    const node = makeNode({ outputs: ['OUT'], options: { n: 2, step: 10 } });
    const engine = new NodeEngine(node, counterSource, sink, null);
    engine.open([]);
    expect([engine.run(), engine.run()]).toEqual([1, 1]);
    expect(engine.done).toBe(false);
    expect(engine.run()).toBe(1);
    expect(engine.done).toBe(true);
    expect(engine.state).toBe('closed');
    expect(engine.run()).toBe(0);
    expect(sink.events).toEqual([
      ['packet', 0, 0, 0, -1],
      ['packet', 0, 10, 1, -1],
      ['close', 0],
    ]);
  });

  it('close() ends a node that is still running: calls close once and closes every output', () => {
    const { engine, sink, calls } = engineFor(
      { inputs: { IN: 'one' } },
      { inputs: ['IN'], outputs: ['A', 'B'] },
    );
    engine.open([]);
    engine.addPacket(0, 1, 'x', -1);
    engine.close();
    engine.close();
    expect(calls.map((c) => c.phase)).toEqual(['open', 'close']);
    expect(sink.of('close')).toEqual([
      ['close', 0],
      ['close', 1],
    ]);
    expect(engine.queueSize(0)).toBe(0);
  });

  it('close() before open() closes the outputs without creating the calculator', () => {
    const { engine, sink, calls } = engineFor({}, { outputs: ['OUT'] });
    engine.close();
    expect(calls).toEqual([]);
    expect(engine.state).toBe('closed');
    expect(sink.of('close')).toEqual([['close', 0]]);
  });

  it('side packets are read in open and output side packets reach the sink', () => {
    const { engine, sink } = engineFor(
      {
        onOpen: (ctx) => {
          ctx.setSidePacket('TOTAL', ctx.sidePacket<number>('BASE') + ctx.sidePacket<number>('BASE', 1));
        },
      },
      { sidePackets: ['BASE:0', 'BASE:1'], outputSidePackets: ['TOTAL'] },
    );
    engine.open([40, 2]);
    expect(sink.of('side')).toEqual([['side', 0, 42]]);
  });
});

describe('context', () => {
  it('STOP from a node with inputs asks for the sources to stop, and the node goes on (MediaPipe)', () => {
    const { engine, calls } = engineFor(
      { inputs: { IN: 'one' }, onProcess: (ctx) => (ctx.inputTimestamp === 2 ? STOP : undefined) },
      { inputs: ['IN'] },
    );
    engine.open([]);
    for (const t of [1, 2, 3]) engine.addPacket(0, t, t, -1);
    expect(engine.run()).toBe(3);
    expect([engine.state, engine.done, engine.queueSize(0)]).toEqual(['opened', false, 0]);
    expect(engine.takeStopRequest()).toBe(true);
    expect(engine.takeStopRequest()).toBe(false);
    expect(calls.map((c) => c.phase)).toEqual(['open', 'process', 'process', 'process']);
  });

  it('an output used after its call returned is refused', () => {
    let port: OutputPort | undefined;
    const { engine } = engineFor(
      {
        inputs: { IN: 'one' },
        outputs: { OUT: 'one' },
        onProcess: (ctx) => {
          port = ctx.output('OUT');
        },
      },
      { inputs: ['IN'], outputs: ['OUT'] },
    );
    engine.open([]);
    engine.addPacket(0, 1, 1, -1);
    engine.run();
    expect(() => port!.add('late', 5)).toThrow(/output used outside open\/process\/close/);
  });

  it('an unwired optional side packet reads as undefined; an undeclared one is an error', () => {
    const seen: unknown[] = [];
    const { definition } = recorder({
      onOpen: (ctx) => {
        seen.push(ctx.sidePacket('OPTIONAL'));
        ctx.setSidePacket('MAYBE', 1);
        ctx.sidePacket('TYPO');
      },
    });
    const contract = { ...definition.contract, inputSidePackets: { OPTIONAL: 'optional' as const } };
    const withSide = {
      ...definition,
      contract: { ...contract, outputSidePackets: { MAYBE: 'optional' as const } },
    };
    const engine = new NodeEngine(makeNode({}), withSide, new RecordingSink(), null);
    const err = catchError(() => engine.open([]));
    expect(seen).toEqual([undefined]);
    expect(err.cause).toBeInstanceOf(UnknownPortError);
    expect((err.cause as Error).message).toContain('input side packet TYPO:0 is not wired');
  });

  it('frames are refused on an engine without a pool', () => {
    const { engine } = engineFor({ inputs: { IN: 'one' } }, { inputs: ['IN'] });
    expect(() => engine.addPacket(0, 1, 'frame', 3)).toThrow(/without a frame pool/);
  });
});

describe('calculator failures', () => {
  const node = (failIn: string) => makeNode({ inputs: ['IN'], outputs: ['OUT'], options: { failIn, at: 2 } });

  it('an open failure fails the node; process and close are never called', () => {
    const sink = new RecordingSink();
    const engine = new NodeEngine(node('open'), failing, sink, null);
    const err = catchError(() => engine.open([]));
    expect(err).toBeInstanceOf(CalculatorError);
    expect(err).toMatchObject({ node: 'n', phase: 'open', cause: expect.any(Boom) });
    expect(err.message).toContain('Calculator::Open() for node "n" (FailingCalculator) failed: cannot open');
    expect(engine.state).toBe('failed');
    engine.addPacket(0, 1, 1, -1);
    expect(engine.run()).toBe(0);
    engine.close();
    expect(engine.state).toBe('failed');
    expect(sink.events).toEqual([['close', 0]]);
  });

  it('a process failure is a CalculatorError with node, phase, calculator and the original stack', () => {
    const sink = new RecordingSink();
    const engine = new NodeEngine(node('process'), failing, sink, null);
    engine.open([]);
    engine.addPacket(0, 1, 'a', -1);
    engine.addPacket(0, 2, 'b', -1);
    engine.addPacket(0, 3, 'c', -1);
    const err = catchError(() => engine.run());
    expect(err).toBeInstanceOf(CalculatorError);
    expect(err).toMatchObject({ code: 'ERR_WEFT_CALCULATOR', node: 'n', phase: 'process' });
    const bare = 'Calculator::Process() for node "n" (FailingCalculator) failed: bad packet at 2';
    expect(err.message).toBe(`${bare} [node "n", phase process]`);
    const cause = err.cause as Error;
    expect(cause).toBeInstanceOf(Boom);
    expect(cause.stack).toContain('failing.ts');
    expect(engine.state).toBe('failed');
    expect(engine.queueSize(0)).toBe(0);
    expect(engine.run()).toBe(0);
    // The run ends: close is still called once (open succeeded), then the outputs close.
    engine.close();
    expect(sink.events).toEqual([
      ['packet', 0, 1, 'a', -1],
      ['close', 0],
    ]);
  });

  it('a close failure still closes the outputs', () => {
    const sink = new RecordingSink();
    const engine = new NodeEngine(node('close'), failing, sink, null);
    engine.open([]);
    engine.closeInput(0);
    const err = catchError(() => engine.run());
    expect(err).toMatchObject({ phase: 'close', message: expect.stringContaining('Calculator::Close()') });
    expect(engine.state).toBe('failed');
    expect(sink.events).toEqual([['close', 0]]);
  });

  it('misuse of the engine is an InvalidArgumentError', () => {
    const { engine } = engineFor({ inputs: { IN: 'one' } }, { inputs: ['IN'] });
    expect(() => engine.run()).toThrow(/before open/);
    expect(() => engine.addPacket(3, 1, 1, -1)).toThrow(InvalidArgumentError);
    engine.open([]);
    expect(() => engine.open([])).toThrow(/open\(\) called in state opened/);
  });
});

describe('async calculators', () => {
  it('run() returns a promise when process does, and never overlaps calls', async () => {
    const sink = new RecordingSink();
    const engine = new NodeEngine(
      makeNode({ inputs: ['IN'], outputs: ['OUT'], timestampOffset: null }),
      asyncDoubler,
      sink,
      null,
    );
    const opened = engine.open([]);
    expect(opened).toBeInstanceOf(Promise);
    await opened;
    for (const t of [1, 2, 3]) engine.addPacket(0, t, t, -1);
    const r = engine.run();
    expect(r).toBeInstanceOf(Promise);
    expect(() => engine.run()).toThrow(/still pending/);
    engine.addPacket(0, 4, 4, -1);
    await expect(r).resolves.toBe(4);
    engine.closeInput(0);
    await engine.run();
    expect(engine.state).toBe('closed');
    expect(sink.of('packet').map((e) => [e[2], e[3]])).toEqual([
      [-1, 'opened'],
      [1, 2],
      [2, 4],
      [3, 6],
      [4, 8],
      [5, 20],
    ]);
  });

  it('close() waits for a pending call', async () => {
    const sink = new RecordingSink();
    const engine = new NodeEngine(
      makeNode({ inputs: ['IN'], outputs: ['OUT'], timestampOffset: null }),
      asyncDoubler,
      sink,
      null,
    );
    await engine.open([]);
    engine.addPacket(0, 1, 1, -1);
    const run = engine.run();
    await engine.close();
    await expect(run).resolves.toBe(1);
    expect(engine.state).toBe('closed');
    expect(sink.of('packet').map((e) => e[3])).toEqual(['opened', 2, 2]);
  });

  it('a rejected process promise fails the node with a CalculatorError', async () => {
    const { engine } = engineFor(
      {
        inputs: { IN: 'one' },
        onProcess: async () => {
          await Promise.resolve();
          throw new Boom('late failure');
        },
      },
      { inputs: ['IN'] },
    );
    engine.open([]);
    engine.addPacket(0, 1, 1, -1);
    await expect(engine.run()).rejects.toMatchObject({ phase: 'process', cause: expect.any(Boom) });
    expect(engine.state).toBe('failed');
  });
});

describe('sink protocol', () => {
  it('sends a bound only when it is not last packet + 1, at most once per run()', () => {
    let n = 0;
    const { engine, sink } = engineFor(
      {
        inputs: { IN: 'one' },
        outputs: { OUT: 'one' },
        onProcess: (ctx) => {
          // Every other packet passes; the rest only advance the bound, several times per call.
          if (n++ % 2 === 0) ctx.output('OUT').add(n, ctx.inputTimestamp);
          else for (let b = 1; b <= 3; b++) ctx.output('OUT').setNextTimestampBound(ctx.inputTimestamp + b);
        },
      },
      { inputs: ['IN'], outputs: ['OUT'], timestampOffset: null },
    );
    engine.open([]);
    for (const t of [10, 20, 30, 40]) engine.addPacket(0, t, t, -1);
    engine.run();
    expect(sink.events).toEqual([
      ['packet', 0, 10, 1, -1],
      ['packet', 0, 30, 3, -1],
      ['bound', 0, 43],
    ]);
    engine.run();
    expect(sink.events).toHaveLength(3);
  });

  it('coalesces offset bounds of many bound-only updates into one', () => {
    const { engine, sink } = engineFor({ inputs: { IN: 'one' } }, { inputs: ['IN'], outputs: ['OUT'] });
    engine.open([]);
    for (const b of [5, 6, 7, 8]) engine.setBound(0, b);
    expect(engine.run()).toBe(0);
    expect(sink.events).toEqual([['bound', 0, 8]]);
  });

  it('an output side packet may be set only once', () => {
    const { engine } = engineFor(
      {
        onOpen: (ctx) => {
          ctx.setSidePacket('OUT', 1);
          ctx.setSidePacket('OUT', 2);
        },
      },
      { outputSidePackets: ['OUT'] },
    );
    const err = catchError(() => engine.open([]));
    expect((err.cause as Error).message).toContain('output side packet OUT:0 was already set');
  });
});

function catchError(f: () => unknown): Error {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}
