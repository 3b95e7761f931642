import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as weft from '../src/index.js';
import { deserializeError, errorCodes, RemoteError, serializeError, WeftError } from '../src/index.js';

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
  });

  it('a thrown non-error value is kept as its string form', () => {
    expect(deserializeError(serializeError('just a string')).message).toContain('just a string');
  });
});
