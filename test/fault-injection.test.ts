// Faults as a user's buggy calculator makes them, through the public graph API: every kind, in
// every phase, fails the run with a typed error naming the node and the phase, keeping the cause,
// and leaves no thread and no frame behind. A fault that went unreported would hang the test into
// its timeout or let the run resolve.
import { afterEach, describe, expect, it } from 'vitest';
import { liveThreadCount } from '../src/actors/thread-task.js';
import { CalculatorGraph, defaultRegistry } from '../src/api/calculator-graph.js';
import { CalculatorRegistry } from '../src/core/calculator-registry.js';
import { CalculatorError, type WeftError, WorkerExitError } from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import type { FaultKind, FaultPhase } from './fixtures/faults/faulty.js';

const registry = new CalculatorRegistry(defaultRegistry()).register(
  'FaultyCalculator',
  new URL('./fixtures/faults/faulty.ts', import.meta.url),
);

const graphs: CalculatorGraph[] = [];
afterEach(async () => {
  for (const g of graphs.splice(0)) await g.close();
  expect(liveThreadCount()).toBe(0);
});

function faultyGraph(fault: FaultKind, phase: FaultPhase): CalculatorGraph {
  const g = new CalculatorGraph(
    graph()
      .node('CounterSourceCalculator', { outputs: { '': 'n' }, options: { count: 3 } })
      .node('FaultyCalculator', {
        name: 'buggy',
        inputs: { '': 'n' },
        outputs: { '': 'out' },
        options: { fault, phase },
      })
      .output('out')
      .build(),
    { registry, watchdogMs: 20 },
  );
  graphs.push(g);
  return g;
}

const KINDS: readonly [FaultKind, abstract new (...a: never[]) => WeftError, RegExp][] = [
  ['throw', CalculatorError, /injected throw/],
  ['reject', CalculatorError, /injected reject/],
  ['timer', CalculatorError, /injected timer/],
  ['floating', CalculatorError, /injected floating/],
  ['exit', WorkerExitError, /exit code 3/],
];
const PHASES: readonly FaultPhase[] = ['open', 'process', 'close'];

describe('a calculator fault fails the run, typed, naming node and phase', () => {
  it.each(KINDS.flatMap(([kind, cls, why]) => PHASES.map((phase) => [kind, phase, cls, why] as const)))(
    '%s in %s',
    async (kind, phase, cls, why) => {
      const g = faultyGraph(kind, phase);
      g.observeOutputStream('out', () => {});
      const err = await g.runToCompletion().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(cls);
      expect(err).toMatchObject({ node: 'buggy', phase });
      const text = `${(err as Error).message} ${String((err as Error).cause)}`;
      expect(text).toMatch(why);
      await g.close();
      expect(g.frames.inUse()).toBe(0);
    },
  );
});
