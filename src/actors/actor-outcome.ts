/**
 * How an actor's node ends: its `finished` promise and the paths that settle it — a clean end, an
 * end by stop (the calculator still closed), a failure (outputs ended so nobody waits on them), or,
 * under the `restart` policy, a request to be replaced (outputs left open for the successor).
 *
 * Threading: the node's thread. Lifecycle: one per actor, settled once.
 */
import { CalculatorError, causeText } from '../core/errors.js';
import type { NodeEngine } from '../core/node-engine.js';
import type { ActorResult } from './actor-protocol.js';
import type { ActorRestart } from './actor-restart.js';
import { type NodeCounters, NodeState } from './node-counters.js';
import type { RestartPolicyRunner } from './restart-policy.js';
import type { RingSink } from './ring-sink.js';
import { isStopEffect } from './run-failures.js';

/** What an outcome reads and ends of its actor. */
export interface OutcomeParts {
  readonly n: number;
  readonly counters: NodeCounters;
  readonly engine: NodeEngine;
  readonly sink: RingSink;
  /** The node's part in the `restart` policy; null under other policies. */
  readonly role: ActorRestart | null;
  /** Output side packets set so far (the result carries a copy). */
  readonly sidePacketsOut: Record<number, unknown>;
  /** Counter word of the start time of the call in progress (0: none), for the watchdog. */
  readonly startedAtField: number;
  /** The node's restart policy at work (`resume` decides here on faults outside any call). */
  readonly restarts: RestartPolicyRunner;
  /** For error messages. */
  readonly names: { readonly node: string; readonly calculator: string };
}

/** The settlement of one actor's node (see the module comment). */
export class ActorOutcome {
  /** Settles once the node is done: its result, or its failure. */
  readonly finished: Promise<ActorResult>;
  /**
   * Set by a driver that runs several nodes on this thread: told of the node's failure at once,
   * synchronously (a peer on the thread may be spinning in a blocked push that only the supervisor's
   * reaction to this failure can end).
   */
  onFailure: ((err: unknown) => void) | null = null;
  /** A stray error (see {@link stray}) failed the node: its loop leaves at its next check. */
  strayFailed = false;
  private isSettled = false;
  private resolve!: (r: ActorResult) => void;
  private reject!: (err: unknown) => void;

  constructor(private readonly p: OutcomeParts) {
    this.finished = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /**
   * The node asked to be replaced (restart policy): settles with the request, leaving the outputs
   * open for the successor. False when it did not ask, or a stop overrides it.
   */
  askRestart(): boolean {
    const { role, counters, n } = this.p;
    if (role === null || role.request === null || counters.stopRequested(n)) return false;
    counters.setState(n, NodeState.Failed);
    this.settle({ outputSidePackets: { ...this.p.sidePacketsOut }, stopped: false, restart: role.request });
    return true;
  }

  /**
   * An error that escaped every call of the calculator (a timer's throw, a rejection nobody
   * awaited), in the stage that scheduled it (or the current one). While the node runs, it fails
   * the node as a throwing call would; once the node ended, it is returned, to be reported late.
   */
  stray(err: unknown, stage: string | undefined): Error | undefined {
    const { counters, n, role, restarts, names } = this.p;
    const phase = (stage ?? counters.stage(n) ?? 'open') as 'open' | 'process' | 'close';
    const what = causeText(err);
    const e = new CalculatorError(
      `${names.calculator} threw outside a call, from a timer or a promise nobody awaited: ${what}`,
      { node: names.node, phase, cause: err },
    );
    if (this.isSettled) return e;
    // Under `restart`, a fault while the node processes asks for a fresh instance, as a failed call.
    if (role !== null && phase === 'process') {
      role.failed(e);
      if (this.askRestart()) {
        this.strayFailed = true;
        return undefined;
      }
    }
    // Under `resume`, a fault of the process or close stage the node survives like a failed call;
    // there is no input set to drop, and the engine never saw it.
    const failure = phase === 'open' || !restarts.active ? e : restarts.decide(phase, e);
    if (failure === null) return undefined;
    this.strayFailed = true;
    this.fail(failure);
    return undefined;
  }

  /**
   * Fails the node with `err`: its outputs end, `finished` rejects, and a sharing driver hears of it
   * unless `tellDriver` is false (a failed open: the open call itself reports it).
   */
  fail(err: unknown, tellDriver = true): void {
    this.p.counters.setState(this.p.n, NodeState.Failed);
    this.p.sink.closeAll();
    if (tellDriver) this.onFailure?.(err);
    this.rejectWith(err);
  }

  /** The node ran to its end, or was stopped (then its calculator is closed here). */
  async complete(): Promise<void> {
    const { counters: c, n, engine } = this.p;
    const stopped = c.stopRequested(n) && engine.state !== 'closed';
    if (stopped) await this.shutdown();
    c.setState(n, NodeState.Done);
    this.settle({ outputSidePackets: { ...this.p.sidePacketsOut }, stopped });
  }

  /** A call failed with `err`: a restart if asked, the end of a stop, or the node's failure. */
  async failed(err: unknown): Promise<void> {
    if (this.askRestart()) return;
    const { counters: c, n } = this.p;
    c.setState(n, NodeState.Failed);
    if (c.stopRequested(n)) {
      // Stopping abandons rings under our feet: a push failing now is the stop, not a fault. The
      // calculator is still closed, and a close that fails is a fault: reported, never swallowed.
      let failure = isStopEffect(err) ? undefined : err;
      try {
        await this.shutdown();
      } catch (closeErr) {
        if (!isStopEffect(closeErr)) failure ??= closeErr;
      }
      if (failure === undefined) {
        this.settle({ outputSidePackets: { ...this.p.sidePacketsOut }, stopped: true });
        return;
      }
      this.onFailure?.(failure);
      this.rejectWith(failure);
      return;
    }
    this.fail(err);
  }

  // Stopped from outside: close the calculator (if it opened) and end every output stream.
  private async shutdown(): Promise<void> {
    const { counters: c, n, engine, startedAtField } = this.p;
    c.setState(n, NodeState.Closing);
    c.f64[startedAtField] = Date.now();
    try {
      const r = engine.close();
      if (r instanceof Promise) await r;
    } finally {
      c.f64[startedAtField] = 0;
      this.p.sink.closeAll();
    }
  }

  private settle(r: ActorResult): void {
    this.isSettled = true;
    this.resolve(r);
  }

  private rejectWith(err: unknown): void {
    this.isSettled = true;
    this.reject(err);
  }
}
