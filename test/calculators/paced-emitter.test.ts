// Paced emitters on the CalculatorRunner with a manual clock: pacing, back-pressure, drops, batches,
// adaptive rate, messages and timestamps.
import { describe, expect, it } from 'vitest';
import type { PacedEmitterStats } from '../../src/calculators/paced-emitter.js';
import { FrameRef } from '../../src/transport/codec.js';
import { CONNECTED, start, times, values } from '../fixtures/calculators/paced-harness.js';

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
