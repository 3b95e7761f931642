/**
 * Turning recorded values into ratios, a printed table, a markdown table and the JSON document.
 *
 * Ratios are results too (`metric: "ratio"`, `unit: "x"`, case `"<case>/<baseline>"`, `ratioOf`: the
 * metric compared, since one pair may be compared on several), so the JSON file alone is enough to
 * rebuild every table: the README generator reads nothing else. A target is a floor (`target ≥`),
 * or a ceiling (`target ≤`) for a ratio marked `lowerIsBetter` (a cost such as CPU time per frame).
 *
 * Threading: main thread.
 */
import type { BenchEnv } from './lib/env.js';
import type { BenchResult, RatioSpec } from './lib/suite.js';

/** The JSON file written by `--json`. */
export interface BenchDocument {
  env: BenchEnv;
  results: BenchResult[];
}

const RATIO_METRIC = 'ratio';

/** The ratio rows a suite declared, for every pair whose both sides were measured. */
export function deriveRatios(suite: string, results: readonly BenchResult[], specs: readonly RatioSpec[]) {
  const find = (c: string, metric: string) =>
    results.find((r) => r.suite === suite && r.case === c && r.metric === metric);
  const out: BenchResult[] = [];
  for (const spec of specs) {
    const num = find(spec.case, spec.metric);
    const den = find(spec.baseline, spec.metric);
    if (num === undefined || den === undefined || den.value === 0) continue;
    const row: BenchResult = {
      suite,
      case: `${spec.case}/${spec.baseline}`,
      metric: RATIO_METRIC,
      value: num.value / den.value,
      unit: 'x',
      ratioOf: spec.metric,
    };
    if (spec.target !== undefined) row.target = spec.target;
    if (spec.lowerIsBetter === true) row.lowerIsBetter = true;
    out.push(row);
  }
  return out;
}

const PREFIXES: readonly [number, string][] = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** Three significant digits and an SI prefix: `12.3 M msg/s`, `612 k msg/s`, `243 msg/s`. */
export function formatValue(value: number, unit: string): string {
  if (unit === 'x') return formatRatio(value);
  const [scale, prefix] = PREFIXES.find(([s]) => Math.abs(value) >= s) ?? [1, ''];
  const digits = (value / scale).toPrecision(3);
  // toPrecision switches to exponent notation at 1000 (after rounding 999.5 up): show it plainly.
  const shown = digits.includes('e') ? (value / scale).toFixed(0) : digits;
  return prefix === '' ? `${shown} ${unit}` : `${shown} ${prefix} ${unit}`;
}

/** `14.2x`, `0.93x`, `4120x`. */
export function formatRatio(value: number): string {
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}x`;
}

/** The ratio of one measured row against one of its baselines. */
export interface RatioNote {
  baseline: string;
  value: number;
  target: number | undefined;
  /** The target is a ceiling, not a floor. */
  lowerIsBetter: boolean;
}

/** Ratio rows whose numerator is `row`, matched by their `"<case>/<baseline>"` name. */
export function ratiosOf(row: BenchResult, results: readonly BenchResult[]): RatioNote[] {
  const prefix = `${row.case}/`;
  const notes: RatioNote[] = [];
  for (const r of results) {
    if (r.suite !== row.suite || r.metric !== RATIO_METRIC || !r.case.startsWith(prefix)) continue;
    const baseline = r.case.slice(prefix.length);
    // Only a ratio of this row's metric (one pair may be compared on several), and only a baseline
    // measured with it: a case name may itself contain '/'.
    if (r.ratioOf !== undefined && r.ratioOf !== row.metric) continue;
    if (!results.some((b) => b.suite === row.suite && b.case === baseline && b.metric === row.metric))
      continue;
    notes.push({ baseline, value: r.value, target: r.target, lowerIsBetter: r.lowerIsBetter === true });
  }
  return notes;
}

/** `14.2x vs postMessage.small (target ≥10 PASS)`; a cost's ratio: `0.97x vs … (target ≤1.05 PASS)`. */
export function formatRatioNote(n: RatioNote): string {
  let verdict = '';
  if (n.target !== undefined) {
    const pass = n.lowerIsBetter ? n.value <= n.target : n.value >= n.target;
    verdict = ` (target ${n.lowerIsBetter ? '≤' : '≥'}${n.target} ${pass ? 'PASS' : 'FAIL'})`;
  }
  return `${formatRatio(n.value)} vs ${n.baseline}${verdict}`;
}

/** Rows of a table: one per measured value, with its ratios; extra ratios on extra rows. */
function tableRows(results: readonly BenchResult[], joinRatios: boolean): string[][] {
  const rows: string[][] = [];
  for (const r of results) {
    if (r.metric === RATIO_METRIC) continue;
    const notes = ratiosOf(r, results).map(formatRatioNote);
    const cells = [r.suite, r.case, r.metric, formatValue(r.value, r.unit)];
    if (joinRatios || notes.length <= 1) {
      rows.push([...cells, notes.join('<br>')]);
      continue;
    }
    rows.push([...cells, notes[0]!]);
    for (const note of notes.slice(1)) rows.push(['', '', '', '', note]);
  }
  return rows;
}

const HEADER = ['suite', 'case', 'metric', 'value', 'ratio vs baseline'];

/** A fixed-width text table for the terminal; values are right-aligned. */
export function renderTable(results: readonly BenchResult[]): string {
  const rows = [HEADER, ...tableRows(results, false)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === 3 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(HEADER), rule, ...rows.slice(1).map(line)].join('\n');
}

/** A markdown table; a row's several ratios share its cell, separated by `<br>`. */
export function renderMarkdown(results: readonly BenchResult[]): string {
  const escapeCell = (cell: string) => cell.replaceAll('|', '\\|');
  const line = (row: string[]) => `| ${row.map(escapeCell).join(' | ')} |`;
  const align = '|---|---|---|--:|---|';
  return [line(HEADER), align, ...tableRows(results, true).map(line)].join('\n');
}

/** One sentence naming the machine and date of a run. */
export function describeEnv(env: BenchEnv): string {
  const day = env.date.slice(0, 10);
  const commit =
    env.commit === null ? '' : `, commit ${env.commit.slice(0, 7)}${env.dirty ? ' (dirty)' : ''}`;
  const quick = env.quick ? ', --quick' : '';
  return (
    `Measured on ${env.cpuModel} (${env.cores} cores), Node ${env.node}, ${day}${commit}${quick}; ` +
    `${env.statistic}.`
  );
}
