// Timestamp bounds inside and between nodes: propagation, offsets, settled timestamps, back edges,
// and the errors for timestamps that break the order.
import { describe, expect, it } from 'vitest';
import AdderCalculator from '../src/calculators/adder.js';
import {
  InvalidTimestampError,
  StreamClosedError,
  TimestampOrderError,
  UnknownPortError,
  type WeftErrorClass,
} from '../src/core/errors.js';
import { NodeEngine } from '../src/core/node-engine.js';
import { Timestamp } from '../src/core/timestamp.js';
import { CalculatorRunner } from '../src/testing/calculator-runner.js';
import evenFilter from './fixtures/engine/even-filter.js';
import { makeNode } from './fixtures/engine/node.js';
import { type Call, processed, type RecorderSpec, recorder } from './fixtures/engine/recorder.js';
import { RecordingSink } from './fixtures/engine/recording-sink.js';

const join = (extra: Partial<RecorderSpec> = {}) => recorder({ inputs: { A: 'one', B: 'one' }, ...extra });
const processCalls = (calls: Call[]) => calls.filter((c) => c.phase === 'process');

// Feeds what runner `from` emitted on `output` into `input` of runner `to`, bound included.
function forward(from: CalculatorRunner, output: string, to: CalculatorRunner, input: string): void {
  for (const p of from.outputs(output)) to.addPacket(input, p.timestamp, p.value);
  if (from.bound(output) > Timestamp.PreStream) to.setBound(input, from.bound(output));
}

describe('bound propagation', () => {
  it('through a chain: a filter that drops packets still lets the join downstream fire', async () => {
    const filter = new CalculatorRunner(evenFilter);
    const j = join();
    const sink = new CalculatorRunner(j.definition);
    await filter.open();
    await sink.open();
    for (const t of [1, 2, 3]) {
      filter.addPacket('IN', t, t);
      sink.addPacket('B', t, t);
    }
    expect(await filter.run()).toBe(3);
    expect(filter.outputs('OUT')).toEqual([{ timestamp: 2, value: 2 }]);
    expect(filter.bound('OUT')).toBe(4);
    forward(filter, 'OUT', sink, 'A');
    expect(await sink.run()).toBe(3);
    // Where the filter sent nothing, A is empty at its (next packet or bound) − 1.
    expect(processCalls(j.calls).map((c) => [c.ts, c.inputs.A])).toEqual([
      [1, { empty: true, ts: 1, value: undefined }],
      [2, { empty: false, ts: 2, value: 2 }],
      [3, { empty: true, ts: 3, value: undefined }],
    ]);
  });

  it('a join fires when one input only sends bounds', async () => {
    const j = join();
    const r = new CalculatorRunner(j.definition);
    await r.open();
    r.addPacket('B', 10, 'b');
    expect(await r.run()).toBe(0);
    r.setBound('A', 11);
    expect(await r.run()).toBe(1);
    expect(processCalls(j.calls)[0]).toMatchObject({
      ts: 10,
      inputs: { A: { empty: true, ts: 10 }, B: { ts: 10 } },
    });
  });

  it('inputs without a packet are empty at their (head or bound) − 1', async () => {
    const j = recorder({ inputs: { A: 'one', B: 'one', C: 'one' } });
    const r = new CalculatorRunner(j.definition);
    await r.open();
    r.addPacket('A', 10, 'a').addPacket('B', 20, 'b').setBound('C', 15);
    expect(await r.run()).toBe(1);
    expect(processCalls(j.calls)[0]!.inputs).toEqual({
      A: { empty: false, ts: 10, value: 'a' },
      B: { empty: true, ts: 19, value: undefined },
      C: { empty: true, ts: 14, value: undefined },
    });
  });
});

describe('timestamp offset', () => {
  it.each([
    [0, 21],
    [5, 26],
    [-5, 16],
    [null, Timestamp.PreStream],
  ])('offset %s: a packet at 20 that emits nothing leaves the output bound at %s', async (offset, bound) => {
    const r = new CalculatorRunner(
      recorder({ inputs: { IN: 'one' }, outputs: { OUT: 'one' }, timestampOffset: offset }).definition,
    );
    await r.open();
    r.addPacket('IN', 20, 'x');
    await r.run();
    expect(r.bound('OUT')).toBe(bound);
  });

  it('follows bound-only input updates without a process call, held back by queued packets', async () => {
    const spec = recorder({ inputs: { A: 'one', B: 'one' }, outputs: { OUT: 'one' } });
    const r = new CalculatorRunner(spec.definition);
    await r.open();
    r.setBound('A', 50).setBound('B', 50);
    expect(await r.run()).toBe(0);
    expect(r.bound('OUT')).toBe(50);
    // A packet at 60 waits for B; B's bound 55 is the lowest unsettled timestamp.
    r.addPacket('A', 60, 'queued').setBound('B', 55);
    expect(await r.run()).toBe(0);
    expect(r.bound('OUT')).toBe(55);
    r.setBound('B', 70);
    expect(await r.run()).toBe(1);
    expect(r.bound('OUT')).toBe(61);
  });

  it.each([
    [0, [1, 2, 3]],
    [null, []],
  ])('offset %s upstream: the join downstream fires at %j', async (offset, fired) => {
    const silent = new CalculatorRunner(
      recorder({ inputs: { IN: 'one' }, outputs: { OUT: 'one' }, timestampOffset: offset }).definition,
    );
    const j = join();
    const down = new CalculatorRunner(j.definition);
    await silent.open();
    await down.open();
    for (const t of [1, 2, 3]) {
      silent.addPacket('IN', t, t);
      down.addPacket('B', t, t);
    }
    await silent.run();
    forward(silent, 'OUT', down, 'A');
    await down.run();
    // Without an offset or explicit bounds nothing tells the join that A has nothing at 1, 2, 3.
    expect(processed(j.calls)).toEqual(fired);
  });

  it.each([
    [0, StreamClosedError],
    [null, undefined],
  ])('offset %s: a summary packet in close %s', async (offset, error) => {
    const spec = recorder({
      inputs: { IN: 'one' },
      outputs: { OUT: 'one' },
      timestampOffset: offset,
      onClose: (ctx) => ctx.output('OUT').add('summary', Timestamp.Max),
    });
    const r = new CalculatorRunner(spec.definition);
    await r.open();
    r.addPacket('IN', 1, 'x');
    if (error === undefined) {
      await r.close();
      expect(r.outputs('OUT')).toEqual([{ timestamp: Timestamp.Max, value: 'summary' }]);
    } else {
      const err = await r.close().catch((e: Error) => e);
      expect((err as Error).cause).toBeInstanceOf(error);
      expect(((err as Error).cause as Error).message).toContain('its bound is Done');
    }
    expect(r.closed('OUT')).toBe(true);
  });
});

describe('processTimestampBounds', () => {
  it('calls process once per newly settled timestamp, with the inputs empty', async () => {
    const spec = recorder({ inputs: { IN: 'one' }, processTimestampBounds: true, timestampOffset: null });
    const r = new CalculatorRunner(spec.definition);
    await r.open();
    const step = async (f: () => void): Promise<number[]> => {
      f();
      const before = spec.calls.length;
      await r.run();
      return processed(spec.calls.slice(before));
    };
    expect(await step(() => r.setBound('IN', 5))).toEqual([4]);
    expect(await step(() => r.setBound('IN', 10))).toEqual([9]);
    expect(await step(() => r.setBound('IN', 10))).toEqual([]);
    expect(await step(() => r.addPacket('IN', 12, 'p'))).toEqual([12]);
    expect(await step(() => r.setBound('IN', 20))).toEqual([19]);
    await r.close();
    expect(spec.calls.filter((c) => c.ts === 9)[0]!.inputs.IN).toEqual({
      empty: true,
      ts: 9,
      value: undefined,
    });
    expect(spec.calls.at(-1)!.phase).toBe('close');
  });

  it('with an offset, a packet and a later bound read together: the bound-only timestamp may still be emitted at', async () => {
    // MediaPipe raises the output bound after Process(t) to t + 1 + offset, not to what the inputs
    // settled meanwhile: the call for the bound-only timestamp 3 comes after the one for 1.
    const r = new CalculatorRunner(AdderCalculator, { options: { emitEmpty: true } });
    await r.open();
    r.addPacket(':0', 1, 5).setBound(':0', 4);
    await r.run();
    expect(r.outputs(':0')).toEqual([
      { timestamp: 1, value: 5 },
      { timestamp: 3, value: 0 },
    ]);
    // Once every settled timestamp had its call, the bound is the inputs' again.
    expect(r.bound(':0')).toBe(4);
    await r.close();
  });

  it("with an offset and one sync set per input, each input's bound-only timestamps keep their calls", async () => {
    const spec = recorder({
      inputs: { A: 'one', B: 'one' },
      outputs: { OUT: 'one' },
      processTimestampBounds: true,
      timestampOffset: 0,
      inputStreamHandler: { name: 'ImmediateInputStreamHandler' },
      onProcess: (ctx) => ctx.output('OUT').add(ctx.inputTimestamp, ctx.inputTimestamp),
    });
    const r = new CalculatorRunner(spec.definition);
    await r.open();
    r.addPacket('A', 1, 'a').setBound('A', 6).setBound('B', 4);
    await r.run();
    // A's packet, B's bound-only 3, A's bound-only 5: after the call at 1 the offset bound waits at
    // B's pending 3, not at the 4 both inputs settled.
    expect(r.outputs('OUT').map((p) => p.timestamp)).toEqual([1, 3, 5]);
    await r.close();
  });
});

describe('back edges', () => {
  it('hold readiness, the offset bound and close like any other input, as in MediaPipe', async () => {
    const spec = recorder({ inputs: { IN: 'one', LOOP: 'one' }, outputs: { OUT: 'one' } });
    const r = new CalculatorRunner(spec.definition, { backEdges: ['LOOP'] });
    await r.open();
    r.addPacket('IN', 1, 'a');
    expect(await r.run()).toBe(0);
    expect(r.bound('OUT')).toBe(Timestamp.PreStream);
    // The packet that comes round the loop completes the set.
    r.addPacket('LOOP', 1, 'fed back');
    expect(await r.run()).toBe(1);
    expect(processCalls(spec.calls)[0]!.inputs).toMatchObject({
      IN: { value: 'a' },
      LOOP: { value: 'fed back' },
    });
    expect(r.bound('OUT')).toBe(2);
    r.closeInput('IN');
    expect(await r.run()).toBe(0);
    expect(r.state).toBe('opened');
    r.closeInput('LOOP');
    expect(await r.run()).toBe(0);
    expect(r.state).toBe('closed');
  });

  it('under EarlyCloseInputStreamHandler the node closes once any input is done', async () => {
    const spec = recorder({
      inputs: { IN: 'one', LOOP: 'one' },
      outputs: { OUT: 'one' },
      inputStreamHandler: { name: 'EarlyCloseInputStreamHandler' },
    });
    const r = new CalculatorRunner(spec.definition, { backEdges: ['LOOP'] });
    await r.open();
    r.addPacket('IN', 1, 'a');
    r.addPacket('LOOP', 1, 'b');
    r.addPacket('LOOP', 2, 'c'); // still queued when IN ends: dropped with the node
    expect(await r.run()).toBe(1);
    r.closeInput('IN');
    expect(await r.run()).toBe(0);
    expect(r.state).toBe('closed');
    expect(processCalls(spec.calls)).toHaveLength(1);
  });

  it('a node whose inputs are all back edges waits for them', () => {
    const { definition, calls } = recorder({ inputs: { LOOP: 'one' } });
    const engine = new NodeEngine(
      makeNode({ inputs: ['LOOP'], backEdges: ['LOOP'] }),
      definition,
      new RecordingSink(),
      null,
    );
    engine.open([]);
    expect(engine.run()).toBe(0);
    expect(engine.state).toBe('opened');
    expect(calls).toHaveLength(1);
  });
});

describe('timestamp errors name the node and the stream', () => {
  const input = (): NodeEngine => {
    const engine = new NodeEngine(
      makeNode({ inputs: ['IN'] }),
      recorder({ inputs: { IN: 'one' } }).definition,
      new RecordingSink(),
      null,
    );
    engine.open([]);
    engine.addPacket(0, 5, 'x', -1);
    return engine;
  };

  it.each<[string, (e: NodeEngine) => void, WeftErrorClass, string]>([
    [
      'a packet below the bound',
      (e) => e.addPacket(0, 5, 'y', -1),
      TimestampOrderError,
      'minimum expected timestamp is 6 but received 5',
    ],
    [
      'a packet after close',
      (e) => {
        e.closeInput(0);
        e.addPacket(0, 7, 'y', -1);
      },
      TimestampOrderError,
      'is Done but received 7 (the stream is closed)',
    ],
    [
      'PostStream after packets',
      (e) => e.addPacket(0, Timestamp.PostStream, 'y', -1),
      TimestampOrderError,
      'must be the only packet',
    ],
    [
      'a timestamp no stream carries',
      (e) => e.addPacket(0, 7.5, 'y', -1),
      InvalidTimestampError,
      'not allowed in a stream',
    ],
    [
      'a bound that is no timestamp',
      (e) => e.setBound(0, Number.NaN),
      InvalidTimestampError,
      'timestamp bound NaN',
    ],
  ])('input: %s', (_, act, cls, message) => {
    const engine = input();
    const err = catchError(() => act(engine));
    expect(err).toBeInstanceOf(cls);
    expect(err).toMatchObject({ node: 'n', stream: 'in_0', phase: 'transport' });
    expect(err.message).toContain(message);
  });

  it('input: a bound that does not rise is ignored', () => {
    const engine = input();
    engine.setBound(0, 3);
    engine.addPacket(0, 6, 'y', -1);
    expect(engine.queueSize(0)).toBe(2);
  });

  it.each<[string, RecorderSpec['onProcess'], WeftErrorClass, string]>([
    [
      'a packet below the output bound',
      (ctx) => {
        ctx.output('OUT').add(1, 10);
        ctx.output('OUT').add(2, 10);
      },
      TimestampOrderError,
      'minimum allowed timestamp is 11 but received 10; last packet at 10',
    ],
    [
      'a bound at or below a packet already sent',
      (ctx) => {
        ctx.output('OUT').add(1, 10);
        ctx.output('OUT').setNextTimestampBound(10);
      },
      TimestampOrderError,
      'a packet at 10 was already sent',
    ],
    [
      'a bound of Done (output_stream_shard.cc: close() ends a stream)',
      (ctx) => ctx.output('OUT').setNextTimestampBound(Timestamp.Done),
      InvalidTimestampError,
      'not a safe integer in [PreStream, OneOverPostStream]: close() the output to end it',
    ],
    [
      'a packet after the output was closed',
      (ctx) => {
        ctx.output('OUT').close();
        ctx.output('OUT').add(1, 10);
      },
      StreamClosedError,
      'sent to a closed stream',
    ],
    [
      'an output the node does not have',
      (ctx) => ctx.output('NOPE').add(1, 10),
      UnknownPortError,
      'output stream NOPE:0 is not wired',
    ],
    [
      'an input the node does not have',
      (ctx) => void ctx.input(3),
      UnknownPortError,
      'input stream :3 is not wired on this node (wired: IN:0)',
    ],
  ])('output: %s', (_, onProcess, cls, message) => {
    const spec = recorder({ inputs: { IN: 'one' }, outputs: { OUT: 'one' }, onProcess });
    const engine = new NodeEngine(
      makeNode({ inputs: ['IN'], outputs: ['OUT'], timestampOffset: null }),
      spec.definition,
      new RecordingSink(),
      null,
    );
    engine.open([]);
    engine.addPacket(0, 10, 'x', -1);
    const err = catchError(() => engine.run());
    expect(err.cause).toBeInstanceOf(cls);
    expect((err.cause as Error).message).toContain(message);
    expect(err.cause).toMatchObject({ node: 'n', phase: 'process' });
    if (cls !== UnknownPortError) expect(err.cause).toMatchObject({ stream: 'out_0' });
  });

  it('output: a packet below a bound set earlier in the same call goes out, and drops that bound (OutputStreamShard::AddPacketInternal)', async () => {
    const spec = recorder({
      inputs: { IN: 'one' },
      outputs: { OUT: 'one' },
      onProcess: (ctx) => {
        const out = ctx.output('OUT');
        out.setNextTimestampBound(ctx.inputTimestamp + 5);
        out.add('at input', ctx.inputTimestamp);
        // Once the call is over the bound is final: the next call may not go below it, even in
        // the same turn, before the bound was sent.
        if (ctx.inputTimestamp === 20) out.setNextTimestampBound(40);
      },
      timestampOffset: null,
    });
    const r = new CalculatorRunner(spec.definition);
    await r.open();
    r.addPacket('IN', 10, 'x');
    await r.run();
    expect(r.outputs('OUT').map((p) => p.timestamp)).toEqual([10]);
    expect(r.bound('OUT')).toBe(11);
    // Queued together, so that one run makes both calls: the second still may not go below.
    r.addPacket('IN', 20, 'y');
    r.addPacket('IN', 30, 'z');
    await expect(r.run()).rejects.toThrow(/minimum allowed timestamp is 40 but received 30/);
  });

  it('output: a bound below the current one but above every packet is ignored', async () => {
    const spec = recorder({
      inputs: { IN: 'one' },
      outputs: { OUT: 'one' },
      onProcess: (ctx) => {
        ctx.output('OUT').setNextTimestampBound(30);
        ctx.output('OUT').setNextTimestampBound(20);
      },
      timestampOffset: null,
    });
    const r = new CalculatorRunner(spec.definition);
    await r.open();
    r.addPacket('IN', 10, 'x');
    await r.run();
    expect(r.bound('OUT')).toBe(30);
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
