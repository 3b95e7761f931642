// Paced emitters: pacing, back-pressure, drops, batches, adaptive rate, messages, connection state,
// failures — on the CalculatorRunner with a manual clock — and one run through real actors.
import { afterEach, describe, expect, it } from 'vitest';
import { pull, push, Session } from '../../src/actors/session.js';
import {
  definePacedEmitter,
  type PacedEmitter,
  type PacedEmitterSpec,
  type PacedEmitterStats,
} from '../../src/calculators/paced-emitter.js';
import { CalculatorRunner, type RunnerOptions } from '../../src/core/calculator-runner.js';
import { graph } from '../../src/core/graph-builder.js';
import { FrameRef } from '../../src/transport/codec.js';
import { ManualPacerClock } from '../fixtures/calculators/paced-clock.js';
import { closeStartedRuns, registry, startRun, testOptions } from '../fixtures/run/setup.js';

afterEach(closeStartedRuns);

// One macrotask turn: every promise the emitter's run() loop chained so far has settled. Ordering
// only — nothing here depends on how long it takes.
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

type Spec = Omit<PacedEmitterSpec<{ log: string[] }>, 'name'>;

// An emitter under test with its clock; `inputs` wires CONNECTED/EVENTS (input mode, wake calls).
async function start(
  spec: Spec,
  o: { fps?: number; bufferSize?: number; inputs?: RunnerOptions['inputs'] } = {},
) {
  const clock = new ManualPacerClock();
  let em: PacedEmitter<{ log: string[] }> | undefined;
  const def = definePacedEmitter<{ log: string[] }>({
    name: 'TestEmitter',
    state: () => ({ log: [] }),
    ...spec,
    run: (e) => {
      em = e;
      return spec.run(e);
    },
  });
  const r = new CalculatorRunner(def, {
    name: 'cam',
    options: {
      clock,
      pollMs: 10_000,
      ...(o.fps ? { fps: o.fps } : {}),
      ...(o.bufferSize ? { bufferSize: o.bufferSize } : {}),
    },
    inputs: o.inputs ?? {},
    outputs: { '': 1, MESSAGES: 1 },
  });
  await r.open();
  await settle();
  // Input mode: serves wake calls and packets until nothing is left to do.
  const pump = async () => {
    await settle();
    while ((await r.run()) > 0) await settle();
  };
  // Source mode: one process call, during which the clock moves by `ms`.
  const call = async (ms = 0) => {
    const p = r.run();
    await settle();
    clock.advance(ms);
    await p;
    await settle();
  };
  return { r, clock, pump, call, em: () => em!, def };
}

const times = (packets: readonly { timestamp: number }[]) => packets.map((p) => p.timestamp);
const values = (packets: readonly { value: unknown }[]) => packets.map((p) => p.value);
const CONNECTED = { CONNECTED: 1 };

describe('paced emitter: pacing', () => {
  it('emits buffered items one per 1/fps of the clock, from wake calls', async () => {
    const { r, clock, pump } = await start(
      {
        async run(em) {
          for (let i = 0; i < 6; i++) await em.emit(i);
        },
      },
      { fps: 10, inputs: CONNECTED },
    );
    await pump();
    expect(values(r.outputs(''))).toEqual([0]);
    for (let k = 1; k < 6; k++) {
      clock.advance(99);
      await pump();
      expect(r.outputs('')).toHaveLength(k); // not due yet
      clock.advance(1);
      await pump();
      expect(r.outputs('')).toHaveLength(k + 1);
    }
    expect(times(r.outputs(''))).toEqual([0, 100_000, 200_000, 300_000, 400_000, 500_000]);
    expect(values(r.outputs(''))).toEqual([0, 1, 2, 3, 4, 5]);
    // run() returned and the buffer drained: the node stopped and closed its outputs.
    expect(r.state).toBe('closed');
    expect(r.closed('')).toBe(true);
    expect(r.outputSidePackets().STATS).toMatchObject({ emitted: 6, dropped: 0, buffered: 0 });
  });

  it('as a source, process waits for the next due item instead of spinning', async () => {
    const { r, call } = await start(
      {
        async run(em) {
          for (let i = 0; i < 4; i++) await em.emit(`f${i}`);
        },
      },
      { fps: 20 },
    );
    expect(r.node.isSource).toBe(true);
    await call(); // f0 is due at once
    await call(50); // waits; the pacing timer ends the wait at 50 ms
    await call(50);
    await call(50);
    expect(r.calls.process).toBe(4);
    expect(values(r.outputs(''))).toEqual(['f0', 'f1', 'f2', 'f3']);
    expect(times(r.outputs(''))).toEqual([0, 50_000, 100_000, 150_000]);
    // run() returned and the last item left: that call returned STOP.
    expect(r.state).toBe('closed');
  });

  it('a change of fps applies from the next item', async () => {
    const { r, clock, pump, em } = await start(
      {
        async run(e) {
          for (let i = 0; i < 5; i++) await e.emit(i);
        },
      },
      { fps: 10, inputs: CONNECTED },
    );
    await pump();
    clock.advance(100);
    await pump(); // items at 0 and 100 ms; the next was due at 200
    em().fps = 20;
    expect(em().fps).toBe(20);
    clock.advance(50);
    await pump();
    clock.advance(50);
    await pump();
    em().fps = 5;
    clock.advance(199);
    await pump();
    expect(r.outputs('')).toHaveLength(4);
    clock.advance(1);
    await pump();
    expect(times(r.outputs(''))).toEqual([0, 100_000, 150_000, 200_000, 400_000]);
    expect(() => {
      em().fps = 0;
    }).toThrow(/fps must be/);
  });

  it('a late wake keeps the schedule; a stall restarts it without a burst', async () => {
    const { r, clock, pump } = await start(
      {
        async run(em) {
          for (let i = 0; i < 5; i++) await em.emit(i);
        },
      },
      { fps: 10, inputs: CONNECTED },
    );
    await pump(); // 0
    clock.advance(130); // the 100 ms wake is served late, at 130
    await pump();
    clock.advance(70); // the slot after is still 200
    await pump();
    clock.advance(450); // stalled: one item goes out now, the schedule restarts here (650)
    await pump();
    clock.advance(99);
    await pump();
    expect(r.outputs('')).toHaveLength(4);
    clock.advance(1);
    await pump();
    expect(times(r.outputs(''))).toEqual([0, 100_000, 200_000, 650_000, 750_000]);
  });

  it('adaptive rate: the rate follows min(fps, 1000 / ema(per-item inference ms))', async () => {
    const { r, clock, pump, em } = await start(
      {
        async run(e) {
          for (let i = 0; i < 4; i++) await e.emit(i);
        },
      },
      { fps: 10, inputs: CONNECTED },
    );
    expect(em().rate).toBe(10);
    await pump(); // item 0 at 0
    em().reportInferenceTime(200); // 200 ms per item: 5 items/s
    expect(em().rate).toBe(5);
    clock.advance(100);
    await pump();
    expect(r.outputs('')).toHaveLength(1);
    clock.advance(100);
    await pump();
    expect(times(r.outputs(''))).toEqual([0, 200_000]);
    em().reportInferenceTime(400, 8); // 50 ms per item: ema 200 + 0.2 × (50 − 200) = 170
    expect(em().rate).toBeCloseTo(1000 / 170, 9);
    em().reportInferenceTime(0, 1); // ema 136: still slower than fps
    expect(em().rate).toBeCloseTo(1000 / 136, 9);
    for (let k = 0; k < 6; k++) em().reportInferenceTime(1);
    expect(em().rate).toBe(10); // the model is faster than the target: fps caps it
    clock.advance(100);
    await pump();
    expect(times(r.outputs(''))).toEqual([0, 200_000, 300_000]);
    expect(() => em().reportInferenceTime(-1)).toThrow(/inference time/);
    expect(() => em().reportInferenceTime(10, 0)).toThrow(/items/);
  });
});

describe('paced emitter: buffer', () => {
  it('emit waits while the buffer is full and resumes as it drains', async () => {
    const resolved: number[] = [];
    const { r, clock, pump, em } = await start(
      {
        async run(e) {
          for (let i = 0; i < 8; i++) {
            await e.emit(i);
            resolved.push(i);
          }
        },
      },
      { fps: 10, bufferSize: 3, inputs: CONNECTED },
    );
    // Before any engine call: 3 queued, the 4th emit waits.
    expect(resolved).toEqual([0, 1, 2]);
    expect(em().stats).toMatchObject({ buffered: 3, blocked: 1, emitted: 0 });
    await pump(); // item 0 leaves: item 3 moves in, its emit resolves, item 4 waits
    expect(resolved).toEqual([0, 1, 2, 3]);
    expect(em().stats).toMatchObject({ buffered: 3, blocked: 1, emitted: 1, highWater: 3 });
    clock.advance(100);
    await pump();
    expect(resolved).toEqual([0, 1, 2, 3, 4]);
    for (let k = 0; k < 6; k++) {
      clock.advance(100);
      await pump();
    }
    expect(values(r.outputs(''))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(r.outputSidePackets().STATS).toMatchObject({ emitted: 8, dropped: 0 });
  });

  it('drop: true drops instead of waiting, counts the drops and releases dropped frames', async () => {
    const outcomes: boolean[] = [];
    const { r, clock, pump, em } = await start(
      {
        async run(e) {
          for (let i = 0; i < 7; i++) {
            const f = e.allocFrame(8);
            e.frames.bytes(f.handle).fill(i, 0, 8);
            outcomes.push(await e.emit(f, { drop: true }));
          }
        },
      },
      { fps: 10, bufferSize: 4, inputs: CONNECTED },
    );
    expect(outcomes).toEqual([true, true, true, true, false, false, false]);
    expect(em().stats.dropped).toBe(3);
    expect(r.frames.inUse()).toBe(4); // the dropped ones are back in the pool
    await pump();
    for (let k = 0; k < 3; k++) {
      clock.advance(100);
      await pump();
    }
    // Frames leave as frame packets (the runner copies their bytes out for the test).
    expect(r.outputs('').map((p) => p.bytes?.[0])).toEqual([0, 1, 2, 3]);
    expect(r.outputs('').every((p) => p.value instanceof FrameRef)).toBe(true);
    expect(r.frames.inUse()).toBe(0);
    expect((r.outputSidePackets().STATS as PacedEmitterStats).dropped).toBe(3);
  });

  it('emitBatch splits a batch into items that leave one per slot', async () => {
    const counts: number[] = [];
    const { r, clock, pump } = await start(
      {
        async run(e) {
          counts.push(await e.emitBatch(['a', 'b', 'c', 'd']));
          counts.push(await e.emitBatch([['an', 'array'], { x: 1 }]));
        },
      },
      { fps: 10, bufferSize: 8, inputs: CONNECTED },
    );
    await pump();
    for (let k = 0; k < 6; k++) {
      clock.advance(100);
      await pump();
    }
    expect(values(r.outputs(''))).toEqual(['a', 'b', 'c', 'd', ['an', 'array'], { x: 1 }]);
    expect(times(r.outputs(''))).toEqual([0, 100_000, 200_000, 300_000, 400_000, 500_000]);
    expect(counts).toEqual([4, 2]);
  });

  it('a batch larger than the buffer waits item by item; with drop: true its overflow is dropped', async () => {
    const counts: number[] = [];
    const { r, clock, pump, em } = await start(
      {
        async run(e) {
          counts.push(await e.emitBatch([1, 2, 3, 4, 5], { drop: true }));
          counts.push(await e.emitBatch([6, 7, 8, 9, 10]));
        },
      },
      { fps: 10, bufferSize: 2, inputs: CONNECTED },
    );
    expect(counts).toEqual([2]);
    expect(em().stats.dropped).toBe(3);
    await pump();
    for (let k = 0; k < 6; k++) {
      clock.advance(100);
      await pump();
    }
    expect(values(r.outputs(''))).toEqual([1, 2, 6, 7, 8, 9, 10]);
    expect(counts).toEqual([2, 5]);
  });
});

describe('paced emitter: messages and timestamps', () => {
  it('messages leave in send order on MESSAGES; timestamps rise strictly across both outputs', async () => {
    const { r, clock, pump } = await start(
      {
        async run(e) {
          e.send('hello');
          await e.emit('f0');
          await e.emit('f1');
          e.send({ n: 1 });
          e.send({ n: 2 });
          await e.emit('f2');
          e.send('bye');
        },
      },
      { fps: 10, inputs: CONNECTED },
    );
    await pump();
    clock.advance(100);
    await pump();
    clock.advance(100);
    await pump();
    expect(values(r.outputs('MESSAGES'))).toEqual(['hello', { n: 1 }, { n: 2 }, 'bye']);
    const all = [...r.outputs(''), ...r.outputs('MESSAGES')].map((p) => p.timestamp).sort((a, b) => a - b);
    expect(new Set(all).size).toBe(all.length);
    expect(times(r.outputs(''))).toEqual([0, 100_000, 200_000]);
    expect(r.state).toBe('closed');
    expect(r.outputSidePackets().STATS).toMatchObject({ emitted: 3, messages: 4 });
  });

  it('raises both outputs’ bounds to the present while idle', async () => {
    const { r, clock, pump } = await start(
      {
        async run(e) {
          await e.emit('x');
          await e.connected.wait(); // set already: the loop parks on something else below
          await new Promise(() => {});
        },
      },
      { fps: 10, inputs: { EVENTS: 1 } },
    );
    await pump();
    clock.advance(250);
    r.addPacket('EVENTS', 1, 'tick');
    await pump();
    expect(r.bound('')).toBe(250_000);
    expect(r.bound('MESSAGES')).toBe(250_000);
  });
});

describe('paced emitter: connection and events', () => {
  it('CONNECTED packets set and clear em.connected and fire the handlers after the change', async () => {
    const { r, pump, em } = await start(
      {
        async run(e) {
          while (e.running) {
            await e.connected.wait();
            if (!e.running) break;
            e.state.log.push('run: connected');
            await e.emit('frame');
            await new Promise<void>((resolve) => e.signal.addEventListener('abort', () => resolve()));
          }
        },
        onConnected(e) {
          e.state.log.push(`onConnected: isSet=${e.connected.isSet()}`);
        },
        async onDisconnected(e) {
          await Promise.resolve();
          e.state.log.push(`onDisconnected: isSet=${e.connected.isSet()}`);
        },
      },
      { fps: 10, inputs: CONNECTED },
    );
    expect(em().connected.isSet()).toBe(false);
    await pump();
    expect(r.outputs('')).toHaveLength(0); // run() waits for a consumer
    r.addPacket('CONNECTED', 1, true);
    await pump();
    r.addPacket('CONNECTED', 2, true); // no change, no handler
    await pump();
    r.addPacket('CONNECTED', 3, false);
    await pump();
    expect(em().state.log).toEqual([
      'onConnected: isSet=true',
      'run: connected',
      'onDisconnected: isSet=false',
    ]);
    expect(values(r.outputs(''))).toEqual(['frame']);
    await r.close(); // inputs end: running turns false, the loop leaves, the node closes
    expect(em().running).toBe(false);
    expect(r.closed('')).toBe(true);
  });

  it('without a CONNECTED input the consumer counts as connected', async () => {
    const { em, call } = await start({
      async run(e) {
        await e.connected.wait();
        await e.emit('ok');
      },
    });
    expect(em().connected.isSet()).toBe(true);
    await call();
  });

  it('EVENTS packets dispatch onEvent(name, payload) between the loop’s awaits', async () => {
    const seen: unknown[] = [];
    const { r, clock, pump } = await start(
      {
        async run(e) {
          for (let i = 0; i < 3; i++) {
            // Snapshot before the await: a handler may change the state meanwhile.
            const prompt = e.state.log.at(-1) ?? 'none';
            await e.emit(`${prompt}#${i}`);
          }
        },
        onEvent(name, payload, e) {
          seen.push([name, payload]);
          if (name === 'prompt') e.state.log.push(String(payload));
          if (name === 'fps') e.fps = payload as number;
        },
      },
      { fps: 10, bufferSize: 1, inputs: { EVENTS: 1 } },
    );
    // #0 is queued and #1 waits, with the prompt the loop saw before the events came.
    r.addPacket('EVENTS', 1, { name: 'prompt', payload: 'cat' });
    r.addPacket('EVENTS', 2, { name: 'fps', payload: 20 });
    await pump();
    clock.advance(50);
    await pump();
    clock.advance(50);
    await pump();
    expect(seen).toEqual([
      ['prompt', 'cat'],
      ['fps', 20],
    ]);
    expect(values(r.outputs(''))).toEqual(['none#0', 'none#1', 'cat#2']);
    expect(times(r.outputs(''))).toEqual([0, 50_000, 100_000]);
  });

  it('a bad CONNECTED packet fails the node with a typed error', async () => {
    const { r } = await start({ run: () => new Promise<void>(() => {}) }, { inputs: CONNECTED });
    r.addPacket('CONNECTED', 1, 'yes');
    await expect(r.run()).rejects.toMatchObject({ code: 'ERR_WEFT_CALCULATOR', node: 'cam' });
  });
});

describe('paced emitter: failures and the end of a run', () => {
  it('a throw in run() fails the node with a CalculatorError naming it; buffered frames are released', async () => {
    const { r, pump } = await start(
      {
        async run(e) {
          await e.emit(e.allocFrame(8));
          await e.emit(e.allocFrame(8));
          throw new Error('model exploded');
        },
      },
      { fps: 10, inputs: CONNECTED },
    );
    const failure = pump();
    await expect(failure).rejects.toMatchObject({
      name: 'CalculatorError',
      code: 'ERR_WEFT_CALCULATOR',
      node: 'cam',
    });
    await expect(failure).rejects.toThrow(/node "cam".*run\(\) threw: model exploded/);
    expect(r.state).toBe('failed');
    expect(r.frames.inUse()).toBe(0);
  });

  it('a throw in a handler fails the node and names the handler', async () => {
    const { r } = await start(
      {
        run: () => new Promise<void>(() => {}),
        onEvent() {
          throw new Error('bad event');
        },
      },
      { inputs: { EVENTS: 1 } },
    );
    r.addPacket('EVENTS', 1, 'boom');
    await expect(r.run()).rejects.toThrow(/onEvent\("boom"\) threw: bad event/);
  });

  it('as a source, a run() error ends the waiting process call', async () => {
    let fail: (e: Error) => void = () => {};
    const { r } = await start({
      run: () =>
        new Promise<void>((_, reject) => {
          fail = reject;
        }),
    });
    const p = r.run();
    await settle();
    fail(new Error('camera unplugged'));
    await expect(p).rejects.toMatchObject({ code: 'ERR_WEFT_CALCULATOR', node: 'cam' });
  });

  it('closing the node stops the loop: blocked emits resolve false, the buffer is flushed at once', async () => {
    const results: boolean[] = [];
    const { r, pump, em } = await start(
      {
        async run(e) {
          while (e.running) results.push(await e.emit(results.length));
        },
      },
      { fps: 10, bufferSize: 2, inputs: CONNECTED },
    );
    await pump(); // item 0 left; 1 and 2 are buffered, 3 waits
    await r.close();
    expect(results).toEqual([true, true, true, false]);
    expect(values(r.outputs(''))).toEqual([0, 1, 2]);
    expect(times(r.outputs(''))).toEqual([0, 1, 2]); // flushed now, each above the last
    expect(em().running).toBe(false);
    expect(em().signal.aborted).toBe(true);
    expect(await em().emit('late')).toBe(false);
    expect(r.outputSidePackets().STATS).toMatchObject({ emitted: 3, dropped: 1 });
  });

  it('definitions and options are checked', () => {
    expect(() => definePacedEmitter({ name: '', async run() {} })).toThrow(/non-empty name/);
    expect(() => definePacedEmitter({ name: 'X', fps: 0, async run() {} })).toThrow(/fps must be/);
    expect(() => definePacedEmitter({ name: 'X', bufferSize: 0, async run() {} })).toThrow(/bufferSize/);
    const def = definePacedEmitter({ name: 'X', async run() {} });
    expect(() => new CalculatorRunner(def, { options: { bufferSize: 1.5 } })).toThrow(/bufferSize/);
    expect(() => new CalculatorRunner(def, { options: { pollMs: 0 } })).toThrow(/pollMs/);
  });
});

describe('paced emitter in a graph (real actors)', () => {
  const reg = registry.register(
    'PacedCounterEmitter',
    new URL('../fixtures/calculators/paced-counter.ts', import.meta.url),
  );

  it('as a source: every item in order, messages beside them, stats at the end', async () => {
    const items: { timestamp: number; value: unknown }[] = [];
    const messages: unknown[] = [];
    const session = new Session({ ...testOptions, registry: reg }).add(
      graph()
        .outputSidePacket('stats')
        .node('PacedCounterEmitter', {
          outputs: { '': 'items', MESSAGES: 'messages' },
          outputSidePackets: { STATS: 'stats' },
          options: { count: 12, fps: 2000 },
        }),
      pull('items'),
      pull('messages'),
    );
    const side = await session.run(
      {},
      {
        onOutput: {
          items: (s) => items.push({ timestamp: s.timestamp, value: s.value }),
          messages: (s) => messages.push(s.value),
        },
      },
    );
    expect(items.map((s) => s.value)).toEqual(Array.from({ length: 12 }, (_, i) => ({ i })));
    const ts = items.map((s) => s.timestamp);
    for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeGreaterThan(ts[i - 1]!);
    expect(messages).toEqual([{ type: 'done', count: 12 }]);
    expect(side.stats).toMatchObject({ emitted: 12, dropped: 0, messages: 1 });
  });

  it('with CONNECTED: waits for the consumer, then hands frames over without a copy', async () => {
    const session = new Session({ ...testOptions, registry: reg }).add(
      push('connected'),
      graph().node('PacedCounterEmitter', {
        inputs: { CONNECTED: 'connected' },
        outputs: { '': 'frames', MESSAGES: 'messages' },
        options: { count: 6, fps: 1000, frames: true, waitForConnection: true },
      }),
      pull('frames'),
      pull('messages'),
    );
    const run = await startRun(session.build());
    await run.push({ value: true });
    await expect(run.output('messages').pullOrThrow()).resolves.toMatchObject({
      value: { type: 'connected' },
    });
    const firstBytes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const s = await run.output('frames').pullOrThrow();
      expect(s.value).toBeInstanceOf(FrameRef);
      firstBytes.push(run.frames.bytes((s.value as FrameRef).handle)[0]!);
      run.release(s);
    }
    expect(firstBytes).toEqual([0, 1, 2, 3, 4, 5]);
    await expect(run.output('messages').pullOrThrow()).resolves.toMatchObject({ value: { type: 'done' } });
    // run() returned and the buffer drained: the node stopped on its own.
    await expect(run.output('frames').pull()).resolves.toEqual({ status: 'closed' });
    run.closeInput();
    await run.waitUntilDone();
    expect(run.frames.inUse()).toBe(0);
  });

  it('closing a run mid-stream ends an endless source loop and leaves no frame behind', async () => {
    const session = new Session({ ...testOptions, registry: reg }).add(
      graph().node('PacedCounterEmitter', {
        outputs: { '': 'frames' },
        options: { count: 1e9, fps: 1000, frames: true },
      }),
      pull('frames'),
    );
    const run = await startRun(session.build());
    for (let i = 0; i < 3; i++) {
      const s = await run.output('frames').pullOrThrow();
      expect(run.frames.bytes((s.value as FrameRef).handle)[0]).toBe(i);
      run.release(s);
    }
    await run.close();
    expect(run.frames.inUse()).toBe(0);
  });
});
