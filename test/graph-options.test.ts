// The options of a CalculatorGraph and of a Session are checked when they are made: a value of the
// wrong type or range, or a misspelt name, is InvalidArgumentError naming it (a misspelt or
// mistyped stuckTimeoutMs used to turn the stuck-call watchdog off, and a run hung).
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { Session, type SessionOptions } from '../src/api/session.js';
import { InvalidArgumentError } from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';

const config = graph().build();

const refused: [string, Record<string, unknown>, RegExp][] = [
  [
    'a string stuck limit',
    { stuckTimeoutMs: 'x' },
    /stuckTimeoutMs must be an integer number of ms .* not "x"/,
  ],
  ['a negative stuck limit', { stuckTimeoutMs: -5 }, /stuckTimeoutMs must be/],
  ['a zero stuck limit', { stuckTimeoutMs: 0 }, /stuckTimeoutMs must be/],
  ['a negative shutdown grace', { shutdownTimeoutMs: -5 }, /shutdownTimeoutMs must be/],
  ['an unknown chaining', { chaining: 'sometimes' }, /chaining must be one of 'auto', 'on', 'off'/],
  ['a heap limit that is no number', { heapLimitMb: 'big' }, /heapLimitMb must be an integer number of MiB/],
  ['a negative watchdog period', { watchdogMs: -3 }, /watchdogMs must be/],
  ['a ring size that is no power of two', { ringBytes: 3000 }, /ringBytes must be a power of two/],
  ['a call timeout of NaN', { callTimeoutMs: Number.NaN }, /callTimeoutMs must be/],
  ['eagerOutputs that is no boolean', { eagerOutputs: 'yes' }, /eagerOutputs must be true or false/],
  ['an onWarning that is no function', { onWarning: 'log' }, /onWarning must be a function/],
  ['a registry that is no registry', { registry: {} }, /registry must be a CalculatorRegistry/],
  ['a negative profile interval', { profileIntervalMs: -1 }, /profileIntervalMs must be a number of ms ≥ 0/],
  ['a misspelt option', { stuckTimoutMs: 100 }, /unknown option "stuckTimoutMs"/],
];

describe('graph and session options', () => {
  it.each(refused)('%s is refused by CalculatorGraph and Session', (_what, options, message) => {
    expect(() => new CalculatorGraph(config, options)).toThrow(InvalidArgumentError);
    expect(() => new CalculatorGraph(config, options)).toThrow(message);
    expect(() => new Session(options)).toThrow(InvalidArgumentError);
    expect(() => new Session(options)).toThrow(message);
  });

  it('lists every problem at once', () => {
    expect(() => new Session({ stuckTimeoutMs: 'x', chaining: 'no' } as never)).toThrow(
      /stuckTimeoutMs must be .*; session options: chaining must be/,
    );
  });

  it("refuses a Session's own options out of range, and a CalculatorGraph refuses them as unknown", () => {
    expect(() => new Session({ maxQueueSize: 0 })).toThrow(/maxQueueSize must be an integer/);
    expect(() => new Session({ reportDeadlock: 'yes' } as never)).toThrow(
      /reportDeadlock must be true or false/,
    );
    expect(() => new CalculatorGraph(config, { maxQueueSize: 5 } as never)).toThrow(
      /unknown option "maxQueueSize"/,
    );
  });

  it('takes every documented option at its limits', () => {
    const good: SessionOptions & { chaining: 'off' } = {
      stuckTimeoutMs: -1,
      shutdownTimeoutMs: 0,
      chaining: 'off',
      heapLimitMb: 16,
      watchdogMs: 1,
      ringBytes: 1024,
      callTimeoutMs: 86_400_000,
      eagerOutputs: true,
      onWarning: () => {},
      onNodeRestart: () => {},
      profileIntervalMs: 0,
      frames: { classes: [{ slotBytes: 1024, slots: 4 }] },
      maxQueueSize: -1,
      reportDeadlock: true,
    };
    const { maxQueueSize: _q, reportDeadlock: _r, ...graphOnly } = good;
    expect(() => new CalculatorGraph(config, graphOnly)).not.toThrow();
    expect(() => new Session(good)).not.toThrow();
  });
});
