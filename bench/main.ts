/**
 * `npm run bench -- [--quick] [--json FILE] [suite...]` (or `weft bench …`, which runs this file):
 * runs benchmark suites, prints a table of results with their ratios against the baselines measured
 * in the same run, and optionally writes them as JSON (`{ env, results }`, see `report.ts`). A
 * missed ratio target is reported, never an error: on shared machines the numbers are noise-prone.
 * The exit code is non-zero only for bad arguments (2) or a case that could not be measured at all
 * (1).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { collectEnv } from './lib/env.js';
import { statistic } from './lib/measure.js';
import { createProgress } from './lib/progress.js';
import type { BenchResult, SuiteContext } from './lib/suite.js';
import { type BenchDocument, deriveRatios, describeEnv, renderTable } from './report.js';
import { suites } from './suites/index.js';

const DEFAULT_REPS = 3;

function usage(): string {
  const names = suites.map((s) => `  ${s.name.padEnd(12)} ${s.description}`).join('\n');
  return `Usage: npm run bench -- [options] [suite...]
   or: weft bench [options] [suite...]

Runs the named suites (all when none is given), prints a table and optionally writes JSON.

Options:
  --json FILE   write { env, results } to FILE
  --quick       about a twentieth of the messages, for smoke tests
  --reps N      repetitions per case (default ${DEFAULT_REPS}); the best one is reported
  -h, --help    show this help

Suites:
${names}
`;
}

interface Failure {
  suite: string;
  case: string;
  error: unknown;
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage()}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(usage());
    return 0;
  }
  const reps = values.reps === undefined ? DEFAULT_REPS : Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) {
    process.stderr.write(`--reps must be a positive integer, got ${values.reps}\n`);
    return 2;
  }
  const unknown = positionals.filter((name) => !suites.some((s) => s.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`unknown suite: ${unknown.join(', ')}\n\n${usage()}`);
    return 2;
  }
  const selected = positionals.length === 0 ? suites : suites.filter((s) => positionals.includes(s.name));
  const quick = values.quick === true;
  const env = collectEnv({ quick, repetitions: reps, statistic: statistic(reps) });

  const progress = createProgress();
  const results: BenchResult[] = [];
  const failures: Failure[] = [];
  for (const suite of selected) {
    const measured: BenchResult[] = [];
    const ctx: SuiteContext = {
      quick,
      reps,
      progress: (message) => progress.update(message),
      record: (caseName, metric, value, unit) => {
        measured.push({ suite: suite.name, case: caseName, metric, value, unit });
      },
      fail: (caseName, error) => {
        failures.push({ suite: suite.name, case: caseName, error });
        progress.update(`${suite.name} ${caseName}: FAILED (${(error as Error)?.message ?? error})`);
      },
    };
    await suite.run(ctx);
    results.push(...measured, ...deriveRatios(suite.name, measured, suite.ratios));
  }
  progress.clear();

  process.stdout.write(`${renderTable(results)}\n\n${describeEnv(env)}\n`);
  for (const f of failures) {
    const detail = f.error instanceof Error ? (f.error.stack ?? f.error.message) : String(f.error);
    process.stderr.write(`\n${f.suite} ${f.case} could not be measured:\n${detail}\n`);
  }
  if (values.json !== undefined) {
    const doc: BenchDocument = { env, results };
    writeFileSync(values.json, `${JSON.stringify(doc, null, 2)}\n`);
    process.stderr.write(`wrote ${values.json}\n`);
  }
  return failures.length > 0 ? 1 : 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'string' },
      quick: { type: 'boolean' },
      reps: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

process.exitCode = await main(process.argv.slice(2));
