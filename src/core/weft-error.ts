/**
 * The base of weft's typed errors: {@link WeftError}, its context (node, stream, phase, cause), and
 * the registry of error classes by stable code that rebuilds an error after a thread crossing. The
 * classes themselves, one per code, are declared in errors.ts, which re-exports all of this.
 *
 * Threading: pure data, usable on any thread. The registry fills at module load, identically on
 * every thread that imports errors.ts.
 */

/** Where in a node's life a failure happened. Plain data; any thread. */
export type Phase = 'open' | 'process' | 'close' | 'transport' | 'config' | 'run' | 'shutdown';

/**
 * Optional context attached to an error: which node, stream and phase were involved. Plain data
 * (`cause` aside, which crosses threads serialized with its error); any thread.
 */
export interface ErrorContext {
  /** The node (calculator instance) involved. */
  node?: string;
  /** The stream, side packet or ring involved. */
  stream?: string;
  /** The lifecycle phase. */
  phase?: Phase;
  /** The original error. */
  cause?: unknown;
}

/**
 * Base class of every weft error. `code` is stable; `node`, `stream` and `phase` are set when known.
 *
 * The contract of every class {@link defineError} makes (all of errors.ts's): an error is a value,
 * immutable once thrown (a class's own data, such as `problems`, is set before), usable on any
 * thread, and holding nothing to release. It does not cross threads as itself: structured cloning
 * keeps only a plain Error's message and stack. It crosses as `serializeError`'s plain record, and
 * `deserializeError`, on the receiving thread, rebuilds it by `code` into its own class with its
 * context, data and cause chain. Each class's own comment says when and where it is thrown.
 */
export class WeftError extends Error {
  /** Stable machine-readable code (`ERR_WEFT_...`). */
  readonly code: string;
  readonly node: string | undefined;
  readonly stream: string | undefined;
  readonly phase: Phase | undefined;

  constructor(code: string, message: string, context: ErrorContext = {}) {
    super(withContext(message, context), context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.node = context.node;
    this.stream = context.stream;
    this.phase = context.phase;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** An error's message without the context suffix {@link withContext} appended to it. */
export function bareMessage(err: WeftError): string {
  const suffix = withContext('', { node: err.node, stream: err.stream, phase: err.phase });
  return suffix.length > 0 && err.message.endsWith(suffix)
    ? err.message.slice(0, -suffix.length)
    : err.message;
}

/**
 * `err instanceof WeftError`, false instead of throwing for a thrown Proxy whose getPrototypeOf
 * trap throws: for code that reports failures, which must not fail in turn.
 */
export function isWeftError(err: unknown): err is WeftError {
  try {
    return err instanceof WeftError;
  } catch {
    return false;
  }
}

/**
 * The text of a cause, for the message of the error that wraps it: a WeftError's without its
 * context suffix (the wrapper appends its own, so context never shows twice), an Error's message,
 * a thrown object's string `message`, else `String(err)`. Never throws, whatever the thrown value's
 * getters or `toString` do: a failure report must not fail in turn.
 */
export function causeText(err: unknown): string {
  try {
    if (err instanceof WeftError) return bareMessage(err);
    if (err instanceof Error) return err.message;
    const message = (err as { message?: unknown } | null)?.message;
    if (typeof message === 'string') return message;
    return typeof err === 'object' && err !== null ? objectText(err) : String(err);
  } catch {
    return 'a thrown value whose message cannot be read';
  }
}

// A thrown plain object or array, shown by its content (`String` gives "[object Object]").
function objectText(err: object): string {
  const what = Array.isArray(err) ? 'array' : 'object';
  let json: string | undefined;
  try {
    json = JSON.stringify(err);
  } catch {
    // A cycle, a BigInt or a throwing getter: its content cannot be shown.
  }
  if (json === undefined) return `a thrown ${what} (${String(err)})`;
  return `a thrown ${what} ${json.length > 200 ? `${json.slice(0, 200)}…` : json}`;
}

/** `message` with the context appended (` [node "…", stream "…", phase …]`), as errors show it. */
export function withContext(message: string, c: ErrorContext): string {
  const parts: string[] = [];
  if (c.node !== undefined) parts.push(`node "${c.node}"`);
  if (c.stream !== undefined) parts.push(`stream "${c.stream}"`);
  if (c.phase !== undefined) parts.push(`phase ${c.phase}`);
  return parts.length === 0 ? message : `${message} [${parts.join(', ')}]`;
}

/**
 * An instance of the class {@link defineError} made for `code`: a WeftError whose `code` is that
 * literal, with the class's own fields `D`. Distinct codes make distinct types, so `instanceof`
 * narrows between them in TypeScript. Threading: as {@link WeftError}'s (any thread; crosses
 * threads serialized).
 */
export type CodedError<C extends string = string, D extends object = object> = WeftError & {
  readonly code: C;
} & D;

/**
 * A constructor for one error class, as kept in the registry: each thread registers its own at
 * module load (see {@link defineError}), so a class never crosses threads; its `code` does.
 */
export type WeftErrorClass<C extends string = string, D extends object = object> = (new (
  message?: string,
  context?: ErrorContext,
) => CodedError<C, D>) & { readonly code: C };
const registry = new Map<string, WeftErrorClass>();

/**
 * Declares an error class for a stable code and registers it so that it can be rebuilt by code
 * after crossing a thread. Call once per code, at module load.
 *
 * Threading: the registry is per thread (module state), so every thread that may receive the error
 * must load the module that defines it: errors.ts's classes are everywhere weft is. The classes it
 * makes keep {@link WeftError}'s contract (immutable values, any thread, across threads only through
 * `serializeError`/`deserializeError`, rebuilt by code); on a thread without the class the error
 * arrives as a RemoteError. A code defined twice on one thread throws.
 */
export function defineError<C extends string, D extends object = object>(
  name: string,
  code: C,
  defaultMessage: string,
): WeftErrorClass<C, D> {
  if (registry.has(code)) throw new Error(`duplicate weft error code ${code}`);
  const cls = class extends WeftError {
    static readonly code = code;
    constructor(message: string = defaultMessage, context: ErrorContext = {}) {
      super(code, message, context);
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  registry.set(code, cls as WeftErrorClass);
  // The class's own fields (D) are assigned where it is thrown or rebuilt (deserializeError).
  return cls as unknown as WeftErrorClass<C, D>;
}

/** The class registered for `code`, if any (to rebuild an error after a thread crossing). */
export function errorClassOf(code: string): WeftErrorClass | undefined {
  return registry.get(code);
}

/**
 * Every registered error code, for documentation and table-driven tests: those of the calling
 * thread's registry, which holds the classes of the modules that thread loaded.
 */
export function errorCodes(): string[] {
  return [...registry.keys()];
}
