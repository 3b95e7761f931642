/**
 * The benchmarks' progress line: the one `weft` uses for long commands (`src/cli/progress.ts`), a
 * status line on stderr, rewritten in place on a TTY and one line per update elsewhere.
 *
 * Threading: main thread.
 */
export { createProgress, type Progress } from '../../src/cli/progress.js';
