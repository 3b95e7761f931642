/**
 * The contract between the bench runner (`bench/main.ts`) and a suite (`bench/suites/*.ts`).
 *
 * A suite answers one question by measuring its cases beside their baselines in the same run; the
 * runner collects what it records, derives the declared ratios and prints and saves them. Suites
 * never print results themselves, so every suite's output has the same shape.
 *
 * Threading: main thread.
 */

/** One measured value, as written to the JSON file. */
export interface BenchResult {
  suite: string;
  /** Case name; for a ratio `"<case>/<baseline>"`. */
  case: string;
  /** e.g. `msgs_per_s`, or `ratio` for ratios. */
  metric: string;
  value: number;
  /** e.g. `msg/s`, or `x` for ratios. */
  unit: string;
  /** Ratios only: the metric compared (absent in files written before it was recorded). */
  ratioOf?: string;
  /** Ratios only: the declared target (the ratio should be at least this; at most: `lowerIsBetter`). */
  target?: number;
  /** Ratios only: present when a smaller ratio is better (e.g. CPU time per frame). */
  lowerIsBetter?: true;
}

/** A ratio a suite wants reported: `case` over `baseline`, both measured with `metric`. */
export interface RatioSpec {
  case: string;
  baseline: string;
  metric: string;
  /** Lowest acceptable ratio (highest with `lowerIsBetter`); PASS/FAIL, never fails the run. */
  target?: number;
  /** The metric is a cost (time, CPU per item): the case should stay at or below `target` × baseline. */
  lowerIsBetter?: boolean;
}

/** What a suite's `run` gets from the runner. */
export interface SuiteContext {
  /** Fewer messages, for smoke tests. */
  readonly quick: boolean;
  /** Repetitions per case. */
  readonly reps: number;
  /** Shows a transient status line on stderr (overwritten in place on a TTY). */
  progress(message: string): void;
  /** Records a measured value. */
  record(caseName: string, metric: string, value: number, unit: string): void;
  /** Reports a case that could not be measured; the run goes on and exits non-zero at the end. */
  fail(caseName: string, error: unknown): void;
}

/** A benchmark suite: one question, its cases and their baselines. */
export interface Suite {
  /** Name used on the command line and in results. */
  readonly name: string;
  /** One line for `--help`. */
  readonly description: string;
  /** Ratios to derive from the recorded values. */
  readonly ratios: readonly RatioSpec[];
  /** Measures every case, recording results through `ctx`. */
  run(ctx: SuiteContext): Promise<void>;
}
