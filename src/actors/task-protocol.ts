/**
 * Wire types between the spawner and the worker entry. Types only, no logic: the protocol is read
 * by both sides and must not pull either side's code into the other.
 */
import type { SerializedError } from '../core/errors.js';

/** What a worker is asked to run: `(await import(module))[exportName](args)`. */
export interface TaskRequest {
  /** File URL of the task module (`.js`, or `.ts` loaded through tsx). */
  module: string;
  /** Name of the exported function to call. */
  exportName: string;
  /** Structured-cloneable arguments; SharedArrayBuffers inside are shared, not copied. */
  args: unknown;
}

/** The single message a worker posts when its task settles. */
export type TaskReply = { type: 'result'; value: unknown } | { type: 'error'; error: SerializedError };
