/**
 * Errors across a thread boundary: a plain-data form that keeps the code, the context, the cause
 * chain and the data some errors carry, and the rebuilding by code on the other side (never
 * flattened to a string). Re-exported by errors.ts.
 *
 * Threading: pure, any thread.
 */
import { RemoteError } from './errors.js';
import {
  bareMessage,
  causeText,
  type ErrorContext,
  errorClassOf,
  type Phase,
  WeftError,
} from './weft-error.js';

/**
 * Plain-data form of an error, safe for structuredClone and msgpack: how an error crosses threads
 * (a worker's failure, a pool task's reply). Any thread.
 */
export interface SerializedError {
  name: string;
  code: string | undefined;
  message: string;
  stack: string | undefined;
  node?: string | undefined;
  stream?: string | undefined;
  phase?: Phase | undefined;
  cause?: SerializedError | undefined;
  /** Original message before context was appended (weft errors only). */
  bare?: string | undefined;
  /** Data some errors carry beside their message (NodeRestartError's `restarts`, ...). */
  data?: Record<string, unknown> | undefined;
  /** GraphInvalidError's `problems`, each an error of its own, rebuilt by its code too. */
  problems?: SerializedError[] | undefined;
}

// Plain-data properties that cross threads with their error (structured-cloneable by contract).
// A RemoteError's foreign name and code go on with it when it crosses again (pool thread → actor →
// main thread).
const DATA_KEYS = ['restarts', 'remoteName', 'remoteCode'] as const;

/**
 * Encodes any thrown value for a thread crossing, keeping the cause chain (depth-limited). Never
 * throws: a property whose getter throws is read as unreadable, so the failure still crosses.
 */
export function serializeError(err: unknown, depth = 0): SerializedError {
  // `instanceof` itself runs a Proxy's getPrototypeOf trap, which may throw.
  if (!safely(() => err instanceof Error, false)) {
    return { name: 'Error', code: undefined, message: causeText(err), stack: undefined };
  }
  const e = err as Error;
  const isWeft = safely(() => e instanceof WeftError, false);
  const code: unknown = safely(() => (e as { code?: unknown }).code, undefined);
  const stack: unknown = safely(() => e.stack, undefined);
  const out: SerializedError = {
    name: safely(() => String(e.name), 'Error'),
    code: typeof code === 'string' ? code : undefined,
    message: isWeft ? e.message : causeText(e),
    stack: typeof stack === 'string' ? stack : undefined,
  };
  if (isWeft) {
    const w = e as WeftError;
    out.node = w.node;
    out.stream = w.stream;
    out.phase = w.phase;
    out.bare = bareMessage(w);
    for (const k of DATA_KEYS) {
      const v: unknown = (w as unknown as Record<string, unknown>)[k];
      if (v !== undefined) (out.data ??= {})[k] = v;
    }
    const problems: unknown = (w as { problems?: unknown }).problems;
    if (Array.isArray(problems) && depth < 8)
      out.problems = problems.map((p) => serializeError(p, depth + 1));
  }
  const cause = safely(() => e.cause, undefined);
  if (cause !== undefined && depth < 8) out.cause = serializeError(cause, depth + 1);
  return out;
}

// A thrown value's property, or `fallback` when reading it throws (a hostile or broken getter).
function safely<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/**
 * Rebuilds an error from {@link serializeError}: a registered code gives back its class, any other
 * error becomes a {@link RemoteError} that keeps the original name, message and stack. Any thread:
 * called on the receiving one, whose registry (see `defineError`) decides which classes it knows.
 */
export function deserializeError(s: SerializedError): Error {
  const cause = s.cause === undefined ? undefined : deserializeError(s.cause);
  const cls = s.code === undefined ? undefined : errorClassOf(s.code);
  let err: Error;
  if (cls !== undefined) {
    const context: ErrorContext = { cause };
    if (s.node !== undefined) context.node = s.node;
    if (s.stream !== undefined) context.stream = s.stream;
    if (s.phase !== undefined) context.phase = s.phase;
    err = new cls(s.bare ?? s.message, context);
    if (s.data !== undefined) Object.assign(err, s.data);
    if (s.problems !== undefined) Object.assign(err, { problems: s.problems.map(deserializeError) });
  } else {
    err = new RemoteError(`${s.name}: ${s.message}`, { cause });
    Object.defineProperty(err, 'remoteName', { value: s.name, enumerable: true });
    if (s.code !== undefined) Object.defineProperty(err, 'remoteCode', { value: s.code, enumerable: true });
  }
  if (s.stack !== undefined) err.stack = s.stack;
  return err;
}
