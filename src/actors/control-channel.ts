/**
 * The control plane between the supervisor and its actors: comlink over a dedicated MessagePort.
 *
 * Never used for data. Errors cross it rebuilt by code (comlink's own handler would flatten them to
 * a plain Error), every call has a timeout, and every pending call rejects as soon as the worker
 * exits (comlink alone would leave them pending forever).
 *
 * Threading: both sides import this module; each side uses its own end of the channel.
 */
import type { MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import {
  deserializeError,
  type RestartRecord,
  type SerializedError,
  serializeError,
  TimeoutError,
} from '../core/errors.js';

// Comlink speaks the DOM's addEventListener/MessageEvent; Node's MessagePort emits 'message' with the
// data itself. One listener wrapper per registered listener, kept so it can be removed.
type Listener = ((event: { data: unknown }) => void) | { handleEvent(event: { data: unknown }): void };

function nodeEndpoint(port: MessagePort): Comlink.Endpoint {
  const wrappers = new WeakMap<object, (data: unknown) => void>();
  const endpoint = {
    postMessage: (message: unknown, transfer?: readonly unknown[]) =>
      port.postMessage(message, transfer as never),
    addEventListener: (_type: string, listener: Listener) => {
      const wrapped = (data: unknown) => {
        if (typeof listener === 'function') listener({ data });
        else listener.handleEvent({ data });
      };
      wrappers.set(listener, wrapped);
      port.on('message', wrapped);
    },
    removeEventListener: (_type: string, listener: Listener) => {
      const wrapped = wrappers.get(listener);
      if (wrapped !== undefined) port.off('message', wrapped);
    },
    start: () => port.start(),
  };
  // The DOM types comlink declares are not in this project's lib; the shape is what it calls.
  return endpoint as unknown as Comlink.Endpoint;
}

let installed = false;

function installErrorHandler(): void {
  if (installed) return;
  installed = true;
  // Comlink marks thrown values with a private symbol: keep its test, replace only the encoding.
  const original = Comlink.transferHandlers.get('throw')!;
  Comlink.transferHandlers.set('throw', {
    canHandle: original.canHandle,
    serialize: (v: { value: unknown }) => [serializeError(v.value), []],
    deserialize: (s: SerializedError) => {
      throw deserializeError(s);
    },
  } as unknown as Comlink.TransferHandler<unknown, unknown>);
}

/**
 * Key of the message a thread shared by several nodes posts on a node's control port when that node
 * failed: `{ [FAILED]: SerializedError }` (see executor-host.ts). Comlink ignores it.
 */
export const FAILED = 'weftNodeFailed';

/**
 * Key of the message an actor posts on its control port when its restart policy let it go on
 * after a failure: `{ [RECOVERED]: RestartRecord }` (see restart-policy.ts). Comlink ignores it.
 */
export const RECOVERED = 'weftNodeRecovered';

/** Serves `api` on `port` (actor side). */
export function exposeControl(api: object, port: MessagePort): void {
  installErrorHandler();
  Comlink.expose(api, nodeEndpoint(port));
}

/**
 * A call found its thread already gone after the thread finished cleanly. Its exit and the call's
 * reply travel on different channels, so a node that finishes at once (a source of a few packets)
 * can be seen gone before its `start` reply arrives: for `start`, that is a success.
 */
export class ThreadDoneError extends Error {}

/** Options for {@link connectControl}. */
export interface ControlOptions {
  /** What the calls are for, in timeout messages (e.g. `node "detector"`). */
  label: string;
  /** Receives a node's failure posted before its thread ends (see {@link FAILED}). */
  onFailure?: (err: Error) => void;
  /** Receives each failure the node's restart policy survived (see {@link RECOVERED}). */
  onRecovered?: (record: RestartRecord) => void;
  node: string;
  /** Settles when the worker exits; every pending and later call then rejects with its reason. */
  exited: Promise<unknown>;
}

/** The supervisor's end: call `method(...args)` on the actor with a timeout. */
export interface ControlClient {
  call<T>(method: string, args: unknown[], timeoutMs: number): Promise<T>;
  close(): void;
}

/** Connects to an actor's control API (supervisor side). */
export function connectControl(port: MessagePort, options: ControlOptions): ControlClient {
  installErrorHandler();
  const remote = Comlink.wrap<Record<string, (...args: unknown[]) => unknown>>(nodeEndpoint(port));
  const { onFailure, onRecovered } = options;
  if (onFailure !== undefined || onRecovered !== undefined) {
    port.on('message', (m: unknown) => {
      const e = (m as Record<string, SerializedError> | null)?.[FAILED];
      if (e !== undefined) onFailure?.(deserializeError(e));
      const r = (m as Record<string, RestartRecord> | null)?.[RECOVERED];
      if (r !== undefined) onRecovered?.(r);
    });
  }
  // The port does not keep the process alive between calls (the run decides that, see
  // keep-alive.ts); during a call the call's own timeout timer does.
  port.unref();
  // Rejects once the worker is gone, whatever the reason, so no call can wait on a dead thread.
  const gone = options.exited.then(
    () => Promise.reject(new ThreadDoneError(`${options.label} exited`)),
    (err: unknown) => Promise.reject(err),
  );
  gone.catch(() => {});
  return {
    async call<T>(method: string, args: unknown[], timeoutMs: number): Promise<T> {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new TimeoutError(
                `control call ${method}() to ${options.label} got no answer in ${timeoutMs} ms`,
                {
                  node: options.node,
                  phase: 'run',
                },
              ),
            ),
          timeoutMs,
        );
      });
      try {
        return (await Promise.race([remote[method]!(...args), timeout, gone])) as T;
      } finally {
        clearTimeout(timer);
        // Comlink's reply listener refs the port again while the call is pending.
        port.unref();
      }
    },
    close() {
      remote[Comlink.releaseProxy as unknown as string]?.();
      port.close();
    },
  };
}
