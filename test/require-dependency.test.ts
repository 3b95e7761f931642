// weft's lazily loaded dependencies (prom-client, piscina): a package that is not installed is a
// MissingDependencyError naming it and the feature; any other failure while loading is the
// package's own error, passed on as it is.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MissingDependencyError } from '../src/core/errors.js';
import { requireDependency } from '../src/core/module-loader.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/dependencies/${name}`, import.meta.url));

describe('requireDependency', () => {
  it('loads an installed package', () => {
    expect(requireDependency<{ encode: unknown }>('@msgpack/msgpack', 'a test').encode).toBeTypeOf(
      'function',
    );
  });

  it('names the package and the feature when the package is not installed', () => {
    let err: Error | undefined;
    try {
      requireDependency('weft-test-no-such-package', 'the live view');
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(MissingDependencyError);
    expect(err).toMatchObject({ code: 'ERR_WEFT_MISSING_DEPENDENCY' });
    expect(err!.message).toContain('the live view needs weft-test-no-such-package');
    expect((err!.cause as { code?: string }).code).toBe('MODULE_NOT_FOUND');
  });

  it('passes on what the package itself throws, and a module it requires in turn missing', () => {
    expect(() => requireDependency(fixture('throws-on-load.cjs'), 'a test')).toThrow(/^broken at load$/);
    let inner: unknown;
    try {
      requireDependency(fixture('needs-missing.cjs'), 'a test');
    } catch (e) {
      inner = e;
    }
    expect(inner).not.toBeInstanceOf(MissingDependencyError);
    expect(String((inner as Error).message)).toContain('weft-test-no-such-inner-module');
  });
});
