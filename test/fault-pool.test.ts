// Faults of a PoolCalculator's function, as a user's buggy function makes them on the pool's
// threads, through the public graph API: each fails the run promptly with a typed error naming the
// node, phase process (where the task was submitted, also when the inputs closed right after the
// failing packet and close is what waits for it) and the task's timestamp, keeping the cause; no
// thread and no frame is left behind. The graphs have no stuck-call limit, so a fault that went
// unreported, or a pool that never closes, hangs the test into its timeout instead of being
// reported late as a stuck close.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { defaultRegistry } from '../src/api/graph-preparation.js';
import { CalculatorError, OutOfMemoryError, type WeftError, WorkerExitError } from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';

const FUNCTIONS = new URL('./fixtures/calculators/pool-functions.ts', import.meta.url).href;
const registry = defaultRegistry();

const opened = closedAfterEach();

/** Where the limits of a row are set: on the pool's node, or on the graph. */
interface Limits {
  readonly node?: { readonly heapLimitMb?: number; readonly stuckTimeoutMs?: number };
  readonly graph?: { readonly heapLimitMb?: number };
}

/**
 * `in` → PoolCalculator "pool" (two threads, the `faulty` fixture) → `out`; each value of `packets`
 * (a fault of the fixture, or 'ok') goes in at timestamp 1, 2, … and the inputs close right after
 * unless `open`.
 */
async function poolRun(packets: readonly string[], open: boolean, limits: Limits = {}): Promise<unknown> {
  const g = new CalculatorGraph(
    graph({ stuckTimeoutMs: -1, ...limits.graph })
      .input('in')
      .node('PoolCalculator', {
        name: 'pool',
        inputs: { '': 'in' },
        outputs: { '': 'out' },
        options: { module: FUNCTIONS, exportName: 'faulty', threads: 2 },
        ...limits.node,
      })
      .output('out')
      .build(),
    { registry, watchdogMs: 20 },
  );
  opened.graphs.push(g);
  g.observeOutputStream('out', () => {});
  await g.startRun();
  for (const [i, kind] of packets.entries()) await g.addPacket('in', kind, i + 1);
  if (!open) g.closeAllInputStreams();
  const err = await g.waitUntilDone().then(
    () => undefined,
    (e: unknown) => e,
  );
  await g.close();
  expect(g.frames.inUse()).toBe(0);
  return err;
}

type Class = abstract new (...a: never[]) => WeftError;

// [fault, packets, inputs left open, limits, class reported, its message, its cause (if any)]
const ROWS: readonly [string, readonly string[], boolean, Limits, Class, RegExp, object | undefined][] = [
  [
    'a throw',
    ['ok', 'throw', 'ok', 'ok'],
    false,
    {},
    CalculatorError,
    /the task at timestamp 2 in pool "pool" threw InjectedFault: injected throw/,
    { name: 'RemoteError', message: 'InjectedFault: injected throw' },
  ],
  [
    'a rejected promise',
    ['ok', 'reject', 'ok', 'ok'],
    false,
    {},
    CalculatorError,
    /the task at timestamp 2 in pool "pool" threw InjectedFault: injected reject/,
    { name: 'RemoteError', message: 'InjectedFault: injected reject' },
  ],
  [
    'process.exit',
    ['ok', 'exit', 'ok', 'ok'],
    false,
    {},
    WorkerExitError,
    /a thread of pool "pool" exited with code 3 while running the task at timestamp 2/,
    undefined,
  ],
  [
    'process.exit on both threads',
    ['exit', 'exit'],
    false,
    {},
    WorkerExitError,
    /a thread of pool "pool" exited with code 3 while running the task at timestamp [12]/,
    undefined,
  ],
  [
    'a result that cannot be copied back',
    ['ok', 'uncloneable', 'ok', 'ok'],
    false,
    {},
    CalculatorError,
    /the result of the task at timestamp 2 in pool "pool" cannot be copied back .*could not be cloned/,
    {
      name: 'CodecError',
      cause: { name: 'RemoteError', message: expect.stringMatching(/^DataCloneError: /) },
    },
  ],
  [
    'results that cannot be copied back on both threads',
    ['uncloneable', 'uncloneable'],
    false,
    {},
    CalculatorError,
    /the result of the task at timestamp [12] in pool "pool" cannot be copied back/,
    { name: 'CodecError' },
  ],
  [
    "a heap past the node's limit",
    ['ok', 'oom', 'ok', 'ok'],
    false,
    { node: { heapLimitMb: 64 } },
    OutOfMemoryError,
    /a thread of pool "pool" ran out of its JavaScript heap \(limit 64 MiB\) while running the task at timestamp 2/,
    { message: expect.stringContaining('reaching memory limit') },
  ],
  [
    "a heap past the graph's limit",
    ['ok', 'oom', 'ok', 'ok'],
    false,
    { graph: { heapLimitMb: 64 } },
    OutOfMemoryError,
    /\(limit 64 MiB\) while running the task at timestamp 2/,
    { message: expect.stringContaining('reaching memory limit') },
  ],
  // Thrown after the task returned, between tasks: the run ends by this report or not at all.
  [
    'a throw from a timer',
    ['ok', 'timer', 'ok'],
    true,
    {},
    CalculatorError,
    /a thread of pool "pool" threw outside a task, from a timer .*: InjectedFault: injected timer/,
    { name: 'RemoteError', message: 'InjectedFault: injected timer' },
  ],
  [
    "a clone failure of the function's own timer: a stray error, not the task's result",
    ['ok', 'timerClone', 'ok'],
    true,
    {},
    CalculatorError,
    /a thread of pool "pool" threw outside a task, .*could not be cloned/,
    { name: 'RemoteError' },
  ],
  [
    'a rejection nobody awaited',
    ['ok', 'floating', 'ok'],
    true,
    {},
    CalculatorError,
    /a thread of pool "pool" threw outside a task, .*: InjectedFault: injected floating/,
    { name: 'RemoteError', message: 'InjectedFault: injected floating' },
  ],
  // The failure closes the pool at once: nothing waits for the task that never ends.
  [
    'a throw while a task never settles',
    ['hang', 'throw'],
    false,
    {},
    CalculatorError,
    /the task at timestamp 2 in pool "pool" threw InjectedFault: injected throw/,
    { name: 'RemoteError', message: 'InjectedFault: injected throw' },
  ],
  [
    'a throw while a task loops',
    ['loop', 'throw'],
    false,
    {},
    CalculatorError,
    /the task at timestamp 2 in pool "pool" threw InjectedFault: injected throw/,
    { name: 'RemoteError', message: 'InjectedFault: injected throw' },
  ],
];

describe('a fault of a pool function fails the run, typed, naming the node, phase process and the task', () => {
  it.each(ROWS)(
    '%s (packets %j, inputs left open: %s)',
    async (_, packets, open, limits, cls, why, cause) => {
      const err = await poolRun(packets, open, limits);
      expect(err).toBeInstanceOf(cls);
      expect(err).toMatchObject({ node: 'pool', phase: 'process' });
      if (cause === undefined) expect((err as Error).cause).toBeUndefined();
      else expect((err as Error).cause).toMatchObject(cause);
      expect((err as Error).message).toMatch(why);
      // One context, the node's: the pool's own error says what happened, not where again.
      expect((err as Error).message.match(/ \[(node|phase|stream) /g)).toHaveLength(1);
    },
  );
});
