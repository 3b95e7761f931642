// A calculator that misuses frames, throws a value whose message cannot be read, or sets an output
// side packet that cannot cross threads: the run fails
// with the calculator's own error, typed, naming the node and stream that did it (not a bare frame
// error from whichever thread read the frame later), every context shown once; no frame leaks.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import {
  CalculatorError,
  CodecError,
  FrameForeignError,
  FrameStaleError,
  type RestartRecord,
  type WeftError,
} from '../src/core/errors.js';
import { FrameRef } from '../src/core/frame-ref.js';
import { graph } from '../src/core/graph-builder.js';
import type { RestartPolicy } from '../src/core/graph-config.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';
import type { FrameMisuse } from './fixtures/faults/frame-misuse.js';
import { faultRegistry } from './fixtures/faults/registry.js';

const { graphs } = closedAfterEach();

/** in → FrameMisuseCalculator "bad" (misusing at timestamp 2) → a pass-through "after", or straight out. */
function misuseGraph(mode: FrameMisuse, tail: 'after' | 'output', restart?: RestartPolicy['policy']) {
  const b = graph()
    .input('in')
    .node('FrameMisuseCalculator', {
      name: 'bad',
      inputs: { '': 'in' },
      outputs: { '': 'b' },
      options: { mode, at: 2 },
      ...(restart === undefined ? {} : { restart: { policy: restart } }),
    });
  if (tail === 'after')
    b.node('PassThroughCalculator', { name: 'after', inputs: { '': 'b' }, outputs: { '': 'out' } }).output(
      'out',
    );
  else b.output('b');
  const restarts: RestartRecord[] = [];
  const g = new CalculatorGraph(b.build(), {
    registry: faultRegistry,
    watchdogMs: 20,
    onNodeRestart: (r) => restarts.push(r),
  });
  graphs.push(g);
  const seen: number[] = [];
  g.observeOutputStream(tail === 'after' ? 'out' : 'b', (ts) => seen.push(ts));
  return { g, seen, restarts };
}

/** Starts the graph, adds a frame at timestamps 1..4, closes the inputs; the run's outcome. */
async function feedFrames(g: CalculatorGraph): Promise<unknown> {
  await g.startRun();
  for (let ts = 1; ts <= 4; ts++) {
    const h = await g.frames.allocAsync(64);
    // A run that failed already refuses the packet (and gives the frame back).
    await g.addPacket('in', new FrameRef(h), ts).catch(() => {});
  }
  g.closeAllInputStreams();
  return g.waitUntilDone().then(
    () => undefined,
    (e: unknown) => e,
  );
}

type Row = [FrameMisuse, 'after' | 'output', abstract new (...a: never[]) => WeftError, object, RegExp];
const ROWS: Row[] = [
  [
    'releaseInputThenThrow',
    'after',
    CalculatorError,
    { node: 'bad', phase: 'process' },
    /boom after release/,
  ],
  [
    'foreignHandle',
    'after',
    CalculatorError,
    { node: 'bad', stream: 'b', phase: 'process', cause: expect.any(FrameForeignError) },
    /addFrame\(123456789\): .*is not a handle of this pool/,
  ],
  [
    'releaseInputThenAdd',
    'output',
    CalculatorError,
    { node: 'bad', stream: 'b', phase: 'process', cause: expect.any(FrameStaleError) },
    /addFrame\(\d+\): .*already released/,
  ],
  [
    'forwardNoRetain',
    'after',
    FrameStaleError,
    { stream: 'bad:b -> after::0' },
    /released before it arrived: a frame reference was handed on by code that did not own it, most likely the writer of this stream/,
  ],
  ['forwardNoRetain', 'output', FrameStaleError, { stream: 'bad:b -> graph output' }, /did not own/],
  [
    'addFrameTwice',
    'output',
    FrameStaleError,
    { stream: 'bad:b -> graph output' },
    /or one frame added twice/,
  ],
  [
    'hostileMessage',
    'after',
    CalculatorError,
    { node: 'bad' },
    /failed: a thrown value whose message cannot be read/,
  ],
  [
    'hostileStack',
    'after',
    CalculatorError,
    { node: 'bad', phase: 'process' },
    /failed: stack unreadable \[/,
  ],
  [
    'hostileProxy',
    'after',
    CalculatorError,
    { node: 'bad' },
    /failed: a thrown value whose message cannot be read/,
  ],
  ['hostileObject', 'after', CalculatorError, { node: 'bad' }, /failed: plain object thrown \[/],
];

describe('frame misuse and unreadable errors', () => {
  it.each(ROWS)('%s (then %s): %o', async (mode, tail, cls, fields, message) => {
    const { g } = misuseGraph(mode, tail);
    const err = await feedFrames(g);
    expect(err).toBeInstanceOf(cls);
    expect(err).toMatchObject(fields);
    const text = (err as Error).message;
    expect(text).toMatch(message);
    // The context suffix appears once: a wrapped error's own context is not repeated.
    expect(text.match(/\[(node|stream|phase) /g)).toHaveLength(1);
    await g.close();
    expect(g.frames.inUse()).toBe(0);
  });

  it('under restart, a calculator that released its input frame and threw restarts; the run goes on', async () => {
    const { g, seen, restarts } = misuseGraph('releaseInputThenThrow', 'output', 'restart');
    expect(await feedFrames(g)).toBeUndefined();
    expect(seen).toEqual([1, 3, 4]);
    expect(restarts).toEqual([
      expect.objectContaining({ node: 'bad', phase: 'process', code: 'ERR_WEFT_CALCULATOR', lost: 1 }),
    ]);
    expect(restarts[0]!.message).toMatch(/boom after release/);
    await g.close();
    expect(g.frames.inUse()).toBe(0);
  });
});

describe('output side packets that cannot cross threads', () => {
  it.each([
    ['function', 'open'],
    ['symbol', 'open'],
    ['nested', 'close'],
  ] as const)('a %s set in %s: CodecError naming node, side packet and phase', async (kind, when) => {
    const g = new CalculatorGraph(
      graph()
        .outputSidePacket('sp')
        .node('SideMakerCalculator', {
          name: 'maker',
          outputSidePackets: { OUT: 'sp' },
          options: { when, kind },
        })
        .build(),
      { registry: faultRegistry, watchdogMs: 20 },
    );
    graphs.push(g);
    const err = await g.runToCompletion().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CalculatorError);
    expect(err).toMatchObject({ node: 'maker', stream: 'sp', phase: when, cause: expect.any(CodecError) });
    expect((err as Error).message).toMatch(
      /output side packet OUT:0: cannot be copied to the thread that runs the graph/,
    );
  });

  it('a plain object crosses', async () => {
    const g = new CalculatorGraph(
      graph()
        .outputSidePacket('sp')
        .node('SideMakerCalculator', {
          outputSidePackets: { OUT: 'sp' },
          options: { when: 'close', kind: 'good' },
        })
        .build(),
      { registry: faultRegistry },
    );
    graphs.push(g);
    await g.runToCompletion();
    expect(g.outputSidePackets()).toEqual({ sp: { ok: 1, list: [1, 2] } });
  });
});
