import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as weft from '../src/index.js';
import {
  BadOptionsError,
  CalculatorError,
  deserializeError,
  errorCodes,
  GraphInvalidError,
  RemoteError,
  RestartLimitError,
  serializeError,
  UnknownPortError,
  WeftError,
  WorkerExitError,
} from '../src/index.js';

const classes = Object.values(weft).filter(
  (v): v is weft.WeftErrorClass => typeof v === 'function' && v.prototype instanceof WeftError,
);

describe('error codes', () => {
  it('every registered code has an exported class, and every exported class a registered code', () => {
    expect(classes.map((c) => c.code).sort()).toEqual(errorCodes().sort());
  });

  it('the README documents exactly the registered codes', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const documented = [...readme.matchAll(/^\|\s*`(ERR_WEFT_[A-Z_]+)`\s*\|\s*`(\w+)`\s*\|/gm)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(documented.map(([code]) => code).sort()).toEqual(errorCodes().sort());
    for (const [code, name] of documented) expect(classes.find((c) => c.code === code)?.name).toBe(name);
  });

  it.each(classes.map((c) => [c.code, c] as const))(
    '%s survives a thread crossing as the same class',
    (code, cls) => {
      const cause = new TypeError('root cause');
      const err = new cls('something failed', {
        node: 'detector',
        stream: 'frames',
        phase: 'process',
        cause,
      });
      expect(err.message).toBe('something failed [node "detector", stream "frames", phase process]');
      const rebuilt = deserializeError(structuredClone(serializeError(err)));
      expect(rebuilt).toBeInstanceOf(cls);
      expect(rebuilt).toMatchObject({
        code,
        node: 'detector',
        stream: 'frames',
        phase: 'process',
        message: err.message,
      });
      expect(rebuilt.stack).toBe(err.stack);
      expect((rebuilt.cause as Error).message).toContain('root cause');
    },
  );

  it('a foreign error with a code of its own arrives as RemoteError keeping name, code and message', () => {
    const foreign = Object.assign(new Error('disk full'), { code: 'ENOSPC' });
    const rebuilt = deserializeError(structuredClone(serializeError(foreign)));
    expect(rebuilt).toBeInstanceOf(RemoteError);
    expect(rebuilt.message).toBe('Error: disk full');
    expect(rebuilt).toMatchObject({ remoteName: 'Error', remoteCode: 'ENOSPC' });
    // A second crossing (a pool thread's error: pool thread → actor → main thread) keeps them.
    const again = deserializeError(structuredClone(serializeError(rebuilt)));
    expect(again).toBeInstanceOf(RemoteError);
    expect(again.message).toBe('Error: disk full');
    expect(again).toMatchObject({ remoteName: 'Error', remoteCode: 'ENOSPC' });
  });

  it('each class is its own type: `instanceof` narrows to its code and its fields (checked by tsc)', () => {
    // What a TypeScript user writes: every branch must keep its type, none may narrow to never.
    const describeError = (e: WeftError): string => {
      if (e instanceof CalculatorError) return `${e.code} in ${e.phase}`;
      if (e instanceof WorkerExitError) return `${e.code} of ${e.node}`;
      if (e instanceof GraphInvalidError) return `${e.code}: ${e.problems?.length} problems`;
      if (e instanceof RestartLimitError) return `${e.code} after ${e.restarts?.length}`;
      if (e instanceof RemoteError) return `${e.code} ${e.remoteName}`;
      return e.code;
    };
    expectTypeOf<CalculatorError['code']>().toEqualTypeOf<'ERR_WEFT_CALCULATOR'>();
    expectTypeOf<GraphInvalidError['problems']>().toEqualTypeOf<WeftError[] | undefined>();
    expectTypeOf<RemoteError['remoteName']>().toEqualTypeOf<string | undefined>();
    const invalid = Object.assign(new GraphInvalidError('bad graph'), { problems: [new CalculatorError()] });
    const remote = deserializeError(serializeError(new TypeError('no')));
    expect(
      [
        new CalculatorError('x', { phase: 'open' }),
        new WorkerExitError('x', { node: 'n' }),
        invalid,
        new RestartLimitError(),
        remote as WeftError,
        new weft.TimeoutError(),
      ].map(describeError),
    ).toEqual([
      'ERR_WEFT_CALCULATOR in open',
      'ERR_WEFT_WORKER_EXIT of n',
      'ERR_WEFT_GRAPH_INVALID: 1 problems',
      'ERR_WEFT_RESTART_LIMIT after undefined',
      'ERR_WEFT_REMOTE TypeError',
      'ERR_WEFT_TIMEOUT',
    ]);
  });

  it.each([
    ['a string', 'just a string', 'just a string'],
    ['a number', 42, '42'],
    ['a plain object', { code: 42, why: 'x' }, 'a thrown object {"code":42,"why":"x"}'],
    ['an array', [1, 'two'], 'a thrown array [1,"two"]'],
    [
      'a cyclic object',
      (() => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      })(),
      'a thrown object ([object Object])',
    ],
    ['a long object', { text: 'y'.repeat(500) }, `a thrown object {"text":"${'y'.repeat(190)}`],
  ])('a thrown non-error value (%s) crosses as its content, not "[object Object]"', (_what, value, text) => {
    const rebuilt = deserializeError(structuredClone(serializeError(value)));
    expect(rebuilt.message).toContain(text);
    expect(rebuilt.message.length).toBeLessThan(300);
  });

  it("GraphInvalidError's problems cross a thread as typed errors of their own, with their context", () => {
    const problems = [
      new UnknownPortError('no port OUT', { node: 'a', stream: 'x', phase: 'config' }),
      new BadOptionsError('bad option', { node: 'b', phase: 'config', cause: new RangeError('r') }),
    ];
    const invalid = Object.assign(new GraphInvalidError('graph is invalid'), { problems });
    const rebuilt = deserializeError(structuredClone(serializeError(invalid))) as GraphInvalidError;
    expect(rebuilt).toBeInstanceOf(GraphInvalidError);
    expect(rebuilt.problems).toHaveLength(2);
    expect(rebuilt.problems![0]).toBeInstanceOf(UnknownPortError);
    expect(rebuilt.problems![0]).toMatchObject({
      code: 'ERR_WEFT_UNKNOWN_PORT',
      node: 'a',
      stream: 'x',
      phase: 'config',
    });
    expect(rebuilt.problems![1]).toBeInstanceOf(BadOptionsError);
    expect(rebuilt.problems![1]!.cause).toMatchObject({ message: 'RangeError: r' });
  });
});
