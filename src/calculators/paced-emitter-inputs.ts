/**
 * A paced emitter's optional inputs: `CONNECTED` packets drive the connection flag and the
 * connected/disconnected handlers, `EVENTS` packets call `onEvent`. Handlers run inside the node's
 * `process` call, so they interleave with the user's `run()` only at its awaits; an async handler is
 * awaited before the node's next call.
 *
 * Threading: the node's actor thread only. Lifecycle: one dispatcher per run.
 */
import type { CalculatorContext } from '../core/calculator.js';
import { CalculatorError, InvalidArgumentError } from '../core/errors.js';
import type { HandlerResult, PacedEmitter, PacedEmitterSpec } from './paced-emitter.js';
import type { ConnectionFlag } from './paced-emitter-buffer.js';

/** Turns one `process` call's input packets into handler calls. */
export class InputDispatcher<S, O extends object> {
  constructor(
    private readonly spec: PacedEmitterSpec<S, O>,
    private readonly em: PacedEmitter<S, O>,
    private readonly connected: ConnectionFlag,
  ) {}

  /**
   * Handles this call's packets, CONNECTED before EVENTS when both carry one. Returns a promise
   * while an async handler runs. Throws (or rejects with) InvalidArgumentError for a malformed
   * packet and CalculatorError, naming the handler, when a handler throws.
   */
  dispatch(ctx: CalculatorContext<object>): Promise<void> | undefined {
    let chain: Promise<void> | undefined;
    const then = (f: () => Promise<void> | undefined) => {
      chain = chain === undefined ? f() : chain.then(f);
    };
    if (ctx.inputCount('CONNECTED') > 0) {
      const p = ctx.input('CONNECTED');
      if (!p.isEmpty) {
        const on = connectedValue(p.value);
        then(() => this.connection(on));
      }
    }
    const onEvent = this.spec.onEvent;
    if (ctx.inputCount('EVENTS') > 0 && onEvent !== undefined) {
      const p = ctx.input('EVENTS');
      // Read now: the input slot is reused once this call returns.
      if (!p.isEmpty) {
        const { name, payload } = eventValue(p.value);
        then(() => call(`onEvent("${name}")`, () => onEvent(name, payload, this.em)));
      }
    }
    return chain;
  }

  // The flag changes before the handler runs, so the handler sees the new state.
  private connection(on: boolean): Promise<void> | undefined {
    if (on) {
      const h = this.spec.onConnected;
      if (!this.connected.set() || h === undefined) return undefined;
      return call('onConnected', () => h(this.em));
    }
    const h = this.spec.onDisconnected;
    if (!this.connected.clear() || h === undefined) return undefined;
    return call('onDisconnected', () => h(this.em));
  }
}

function call(label: string, f: () => HandlerResult): Promise<void> | undefined {
  let r: HandlerResult;
  try {
    r = f();
  } catch (err) {
    throw handlerError(label, err);
  }
  if (r === undefined) return undefined;
  return Promise.resolve(r).then(undefined, (err: unknown) => {
    throw handlerError(label, err);
  });
}

function connectedValue(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  throw new InvalidArgumentError(`CONNECTED packets must be booleans, not ${describe(v)}`);
}

function eventValue(v: unknown): { name: string; payload: unknown } {
  if (typeof v === 'string') return { name: v, payload: undefined };
  const e = v as { name?: unknown; payload?: unknown } | null;
  if (typeof e === 'object' && e !== null && typeof e.name === 'string') {
    return { name: e.name, payload: e.payload };
  }
  throw new InvalidArgumentError(`EVENTS packets must be { name, payload } or a name, not ${describe(v)}`);
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

function handlerError(label: string, error: unknown): Error {
  return new CalculatorError(`${label} threw: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
  });
}
