// The `scaling` bench suite and `weft bench`: the case names are a contract (the README table and
// the JSON readers use them), and `weft bench` is the `npm run bench` entry with the same arguments.
import { execFile } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { BenchResult, SuiteContext } from '../bench/lib/suite.js';
import { suites } from '../bench/suites/index.js';
import { runScaling, scalingCase, scalingLevels } from '../bench/suites/scaling.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('bench suite `scaling`', () => {
  it('measures 1, 2, 4 … actors up to the cores present, always 1 and N', () => {
    expect(scalingLevels(1)).toEqual([1]);
    expect(scalingLevels(2)).toEqual([1, 2]);
    expect(scalingLevels(6)).toEqual([1, 2, 4, 6]);
    expect(scalingLevels(8)).toEqual([1, 2, 4, 8]);
    expect(suites.map((s) => s.name)).toContain('scaling');
  });

  it('a quick run reports msgs_per_s, speedup and efficiency for every level', async () => {
    const results: BenchResult[] = [];
    const failures: unknown[] = [];
    const ctx: SuiteContext = {
      quick: true,
      reps: 1,
      progress: () => {},
      record: (c, metric, value, unit) => results.push({ suite: 'scaling', case: c, metric, value, unit }),
      fail: (_, err) => failures.push(err),
    };
    // Two levels at most, whatever the machine: the case names, not the figures, are under test.
    const cores = Math.min(2, os.availableParallelism());
    await runScaling(ctx, cores);
    expect(failures).toEqual([]);
    const levels = scalingLevels(cores);
    expect(results.map((r) => `${r.case} ${r.metric} ${r.unit}`)).toEqual(
      levels.flatMap((k) => [
        `${scalingCase(k)} msgs_per_s msg/s`,
        `${scalingCase(k)} speedup x`,
        `${scalingCase(k)} efficiency x`,
      ]),
    );
    for (const r of results) expect(r.value).toBeGreaterThan(0);
    expect(
      results.filter((r) => r.case === 'scaling.k1' && r.metric !== 'msgs_per_s').map((r) => r.value),
    ).toEqual([1, 1]);
    const speedup = results.find((r) => r.case === scalingCase(cores) && r.metric === 'speedup')!.value;
    const efficiency = results.find((r) => r.case === scalingCase(cores) && r.metric === 'efficiency')!.value;
    expect(efficiency).toBeCloseTo(speedup / cores, 12);
  });
});

describe('`weft bench`', () => {
  // From source, as `npx tsx src/cli/main.ts bench`: the CLI starts bench/main.ts in a child Node.
  const weft = (...args: string[]) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root });

  it('runs the bench entry with the same arguments: --help lists every suite', async () => {
    const { stdout } = await weft('bench', '--help');
    expect(stdout).toContain('weft bench [options] [suite...]');
    for (const s of suites) expect(stdout).toContain(`  ${s.name}`);
  });

  it("exits with the bench entry's code: 2 for an unknown suite", async () => {
    const err = (await weft('bench', 'nosuch').catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(2);
    expect(err.stderr).toContain('unknown suite: nosuch');
  });
});
