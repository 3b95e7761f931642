import { describe, expect, it } from 'vitest';
import * as calculators from '../../src/calculators/index.js';
import { coreCalculatorModules } from '../../src/calculators/index.js';

function isDefinition(v: unknown): v is { name: string } {
  return typeof v === 'object' && v !== null && 'contract' in v && 'create' in v;
}

describe('coreCalculatorModules', () => {
  it('lists a loadable module URL for every core calculator, named as its definition', async () => {
    const entries = coreCalculatorModules();
    const names = entries.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    for (const e of entries) {
      // Calculators live by role: most in src/calculators, the Redis Streams ones with the Redis client.
      expect(e.module).toMatch(/^file:.*\/src\/(calculators|redis)\/[a-z-]+\.ts$/);
      const mod = (await import(e.module)) as Record<string, { name: string }>;
      // The export the worker would load holds the definition of that very name.
      expect(mod[e.exportName]?.name).toBe(e.name);
    }
  });

  it('registers every calculator the package exports', () => {
    const names = new Set(coreCalculatorModules().map((e) => e.name));
    const exported = Object.values(calculators).filter(isDefinition);
    expect(exported.length).toBeGreaterThan(40);
    for (const d of exported) expect(names).toContain(d.name);
  });
});
