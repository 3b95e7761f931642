/**
 * A promise the application awaits, and that keeps the process alive until it settles: how a push
 * or pull that has to wait takes the run's keep-alive (see `src/actors/keep-alive.ts`).
 *
 * Threading: the thread that owns the run.
 */

/**
 * Like `new Promise(executor)`, but `hold()` is taken first and let go when the promise settles,
 * however it settles. Allocates the promise and two closures: for waits, not the fast path.
 */
export function heldPromise<T>(
  hold: () => () => void,
  executor: (resolve: (value: T) => void, reject: (err: unknown) => void) => void,
): Promise<T> {
  return new Promise<T>((settle, fail) => {
    const release = hold();
    executor(
      (value) => {
        release();
        settle(value);
      },
      (err) => {
        release();
        fail(err);
      },
    );
  });
}
