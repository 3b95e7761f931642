/**
 * Ctrl-C for the long-running commands: the first SIGINT asks the command to stop and report what
 * it did so far (exit 130); a second one, for a stop that takes too long, exits at once.
 *
 * Threading: main thread of the CLI process.
 */

/** Calls `stop` on the first SIGINT; returns the function that removes the handler. */
export function onInterrupt(stop: () => void): () => void {
  let interrupted = false;
  const handler = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\nweft: stopping (Ctrl-C again to quit at once)\n');
    stop();
  };
  process.on('SIGINT', handler);
  return () => {
    process.removeListener('SIGINT', handler);
  };
}
