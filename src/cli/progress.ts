/**
 * A progress line on stderr, so that a long run (a benchmark, `weft run` of a big graph) shows what
 * it is doing without mixing into the results on stdout. On a TTY the line is rewritten in place;
 * otherwise (CI logs, pipes) each update is a plain line, since carriage returns garble logs.
 *
 * Threading: the main thread (one writer per stream).
 */

/** A status line that {@link Progress.update} replaces and {@link Progress.clear} removes. */
export interface Progress {
  /** Shows `message`, prefixed with the seconds since the line was created. */
  update(message: string): void;
  /** Removes the line (TTY only), before the results are printed. */
  clear(): void;
  /** True when updates rewrite one line (a TTY); false when each is a line of its own. */
  readonly inPlace: boolean;
}

/** Creates the progress line for `stream` (stderr by default). */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = performance.now();
  const tty = stream.isTTY === true;
  let shown = false;
  return {
    inPlace: tty,
    update(message) {
      const line = `[${((performance.now() - started) / 1000).toFixed(1)} s] ${message}`;
      if (!tty) {
        stream.write(`${line}\n`);
        return;
      }
      // Cut to the terminal width (0 on some pseudo-terminals): a wrapped line cannot be overwritten.
      const width = Math.max(20, (stream.columns || 80) - 1);
      stream.write(`\r\x1b[2K${line.slice(0, width)}`);
      shown = true;
    },
    clear() {
      if (tty && shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
