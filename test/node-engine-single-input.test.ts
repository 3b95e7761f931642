// The engine's single-input fast path (one input, Default handler) against its general path. With
// one input, the Immediate handler follows exactly the same rules but takes the general path, so
// both engines must emit the same sink events for the same seeded inputs.
import { describe, expect, it } from 'vitest';
import { defineCalculator, STOP } from '../src/core/calculator.js';
import type { CalculatorError } from '../src/core/errors.js';
import type { InputStreamHandlerConfig } from '../src/core/input-stream-handler-config.js';
import { NodeEngine } from '../src/core/node-engine.js';
import { makeNode } from './fixtures/engine/node.js';
import { RecordingSink } from './fixtures/engine/recording-sink.js';
import { mulberry32 } from './fixtures/frame-pool-tasks.js';

// Per input packet, by its value: emit it, emit nothing, raise the bound past it, emit one below
// the offset bound (an order error either path must catch the same way), or stop.
// Emits at input + `shift`, which keeps it within a node offset of `shift`.
const erratic = defineCalculator<{ shift: number }>({
  name: 'Erratic',
  contract: { inputs: { IN: 'one' }, outputs: { OUT: 'one' } },
  create: () => ({
    process(ctx) {
      const p = ctx.input('IN');
      const v = p.value as number;
      const t = ctx.inputTimestamp + ctx.options.shift;
      if (v % 97 === 0 && t > 400) ctx.output('OUT').add(v, t - 1);
      else if (v % 5 === 0) ctx.output('OUT').setNextTimestampBound(t + 1);
      else if (v % 3 !== 0) ctx.output('OUT').add(v, t);
      return v === 997 ? STOP : undefined;
    },
    close(ctx) {
      ctx.output('OUT').setNextTimestampBound(ctx.output('OUT').nextTimestampBound);
    },
  }),
});

interface Step {
  kind: 'packet' | 'bound' | 'run';
  t: number;
  value: number;
}

function script(seed: number): Step[] {
  const rand = mulberry32(seed);
  const steps: Step[] = [];
  let t = 0;
  for (let i = 0; i < 400; i++) {
    t += 1 + Math.floor(rand() * 4);
    const r = rand();
    if (r < 0.6) steps.push({ kind: 'packet', t, value: Math.floor(rand() * 1000) });
    else if (r < 0.8) steps.push({ kind: 'bound', t, value: 0 });
    else steps.push({ kind: 'run', t, value: 0 });
  }
  return steps;
}

function play(handler: InputStreamHandlerConfig, offset: number | null, steps: Step[]): unknown[] {
  const sink = new RecordingSink();
  try {
    feed(sink, handler, offset, steps);
  } catch (err) {
    return [...sink.events, ['error', (err as CalculatorError).code, (err as Error).message]];
  }
  return sink.events;
}

function feed(
  sink: RecordingSink,
  handler: InputStreamHandlerConfig,
  offset: number | null,
  steps: Step[],
): void {
  const node = makeNode({
    inputs: ['IN'],
    outputs: ['OUT'],
    handler,
    timestampOffset: offset,
    options: { shift: offset ?? 1 },
  });
  const engine = new NodeEngine(node, erratic, sink, null);
  engine.open([]);
  for (const s of steps) {
    if (engine.state !== 'opened') break;
    if (s.kind === 'packet') engine.addPacket(0, s.t, s.value, -1);
    else if (s.kind === 'bound') engine.setBound(0, s.t);
    else engine.run();
  }
  engine.closeInput(0);
  engine.run();
}

describe('single-input fast path', () => {
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
  it.each(seeds)('emits what the general path emits (seed %i)', (seed) => {
    for (const offset of [0, 2, null]) {
      const steps = script(seed);
      const fast = play({ name: 'DefaultInputStreamHandler' }, offset, steps);
      const general = play({ name: 'ImmediateInputStreamHandler' }, offset, steps);
      expect(fast.length).toBeGreaterThan(10);
      expect(fast).toEqual(general);
    }
  });
});
