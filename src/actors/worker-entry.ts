/**
 * The only file a weft Worker loads.
 *
 * The spawner ({@link spawnTask}) passes the URL of a task module and the name of one of its
 * exports; this entry imports the module, calls the export with the task's arguments and posts
 * back either its result or its error, serialized by code so that the main thread rebuilds the
 * same error class. Keeping one entry means every thread starts the same way, with the same error
 * handling, whatever it runs (a ring benchmark, a test fixture, later a calculator actor).
 *
 * The same file is the module piscina imports in a PoolCalculator's threads (see pool-threads.ts):
 * there the workerData is a pool's, nothing runs at load, and the default export is the task
 * handler piscina calls for each task.
 *
 * Threading: runs once per worker thread, on that thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InvalidArgumentError, serializeError, UsageError } from '../core/errors.js';
import { importModule } from '../core/module-loader.js';
import { poolThreadHandler } from './pool-worker.js';
import { catchStrayErrors } from './stray-errors.js';
import type { TaskReply, TaskRequest } from './task-protocol.js';

const port = parentPort;
if (port === null) throw new UsageError('weft worker-entry must run in a worker thread');
const request = workerData as TaskRequest;

/** piscina's task handler in a pool thread (see pool-worker.ts); undefined in a spawnTask thread. */
const poolHandler = poolThreadHandler(workerData);
export default poolHandler;

function reply(message: TaskReply): void {
  port!.postMessage(message);
}

if (poolHandler === undefined) {
  // A stray error (a timer's throw, an unawaited rejection) fails the task: if it comes after the
  // result was posted, this second reply replaces it, and the thread ends at once.
  catchStrayErrors((err) => {
    reply({ type: 'error', error: serializeError(err) });
    process.exit(1);
  });
  try {
    const mod = await importModule(request.module);
    const fn = mod[request.exportName];
    if (typeof fn !== 'function') {
      throw new InvalidArgumentError(
        `task module ${request.module} has no exported function "${request.exportName}"`,
      );
    }
    const value: unknown = await (fn as (args: unknown) => unknown)(request.args);
    reply({ type: 'result', value });
  } catch (err) {
    reply({ type: 'error', error: serializeError(err) });
  }
}
