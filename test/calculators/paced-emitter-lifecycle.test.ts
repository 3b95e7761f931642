// Paced emitters: connection state and events, failures and the end of a run (CalculatorRunner with
// a manual clock), and one run through real actors.
import { afterEach, describe, expect, it } from 'vitest';
import { pull, push, Session } from '../../src/api/session.js';
import { definePacedEmitter } from '../../src/calculators/paced-emitter.js';
import { graph } from '../../src/core/graph-builder.js';
import { CalculatorRunner } from '../../src/testing/calculator-runner.js';
import { FrameRef } from '../../src/transport/codec.js';
import { CONNECTED, settle, start, times, values } from '../fixtures/calculators/paced-harness.js';
import { closeStartedRuns, registry, startRun, testOptions } from '../fixtures/run/setup.js';

afterEach(closeStartedRuns);

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
    expect(side.sidePackets.stats).toMatchObject({ emitted: 12, dropped: 0, messages: 1 });
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

describe('paced emitter: seed 003 forms', () => {
  it('without run(), an emitter lives on its handlers alone until its inputs end', async () => {
    const { r, pump, em } = await start(
      {
        async onEvent(name, payload, e) {
          await e.emit(`${name}:${String(payload)}`);
        },
        onConnected(e) {
          e.state.log.push(`connected.state=${e.connected.state}`);
        },
      },
      { fps: 10, inputs: { CONNECTED: 1, EVENTS: 1 } },
    );
    r.addPacket('CONNECTED', 1, true);
    r.addPacket('EVENTS', 1, { name: 'hello', payload: 1 });
    await pump();
    expect(em().running).toBe(true); // nothing ended it: the default life waits
    expect(values(r.outputs(''))).toEqual(['hello:1']);
    expect(em().state.log).toEqual(['connected.state=true']);
    await r.close();
    expect(em().running).toBe(false);
    expect(r.closed('')).toBe(true);
  });

  it('emit() of a batch { data, shape: [N, H, W, C] } plays its N frames at the target rate', async () => {
    const { r, clock, pump } = await start(
      {
        async run(e) {
          const data = Uint8Array.from({ length: 3 * 2 * 2 * 3 }, (_, i) => i);
          expect(await e.emit({ data, shape: [3, 2, 2, 3] })).toBe(true);
        },
      },
      { fps: 10, bufferSize: 6, inputs: CONNECTED },
    );
    await pump();
    for (let k = 1; k < 3; k++) {
      clock.advance(100);
      await pump();
    }
    const frames = values(r.outputs('')) as { data: Uint8Array; shape: number[] }[];
    expect(frames.map((f) => f.shape)).toEqual([
      [2, 2, 3],
      [2, 2, 3],
      [2, 2, 3],
    ]);
    expect(frames.map((f) => Array.from(f.data)[0])).toEqual([0, 12, 24]);
    expect(times(r.outputs(''))).toEqual([0, 100_000, 200_000]);
  });

  it('a batch whose shape does not describe its data fails the node, typed', async () => {
    const { pump } = await start(
      {
        async run(e) {
          await e.emit({ data: new Uint8Array(10), shape: [2, 2, 2, 3] });
        },
      },
      { fps: 10, inputs: CONNECTED },
    );
    await expect(pump()).rejects.toMatchObject({
      code: 'ERR_WEFT_CALCULATOR',
      node: 'cam',
      message: expect.stringContaining('does not describe its 10 elements'),
    });
  });
});
