/**
 * The lifecycle of one Run: start-up (validate, spawn, open), the end of the graph (by itself, by a
 * failure or by a stop), `stop()` and `close()`. `Run` is the public facade and documents these
 * calls; this object holds the promises that make each of them happen once, and moves the shared
 * state (`RunCore.st`) through `created` → `starting` → `running` → `draining` → `ended` /
 * `stopped` / `failed` → `closed`.
 *
 * Threading: the thread that owns the Run (the coordinator's calls). Lifecycle: one per Run, built
 * with it; it owns the run's supervisor once `start()` created it, and lets the session build the
 * next Run once `close()` is done.
 */

import { Supervisor } from '../actors/supervisor.js';
import type { CalculatorContract } from '../core/calculator.js';
import { CancelledError, UsageError } from '../core/errors.js';
import { checkSidePackets } from '../core/graph-validation.js';
import { InputBoundary } from './input-boundary.js';
import { limitNodeQueues } from './queue-split.js';
import type { Run } from './run.js';
import { cancelledPushError, closedInputError, type RunCore } from './run-core.js';
import { lineageOf } from './run-ids.js';
import type { PreparedGraph, RunSpec } from './run-spec.js';
import type { RunTelemetry } from './run-telemetry.js';

const noop = (): void => {};

/**
 * Start-up and shutdown of one Run. Not public API: `Run.start`, `stop`, `close` and
 * `waitUntilDone` delegate here and say what each promises.
 * Threading: the Run's thread; `start` once, `stop` and `close` at any time (idempotent).
 */
export class RunLifecycle {
  /** The validated graph, once `start()` got it from the session. */
  prepared: PreparedGraph | undefined;
  private starting: Promise<void> | undefined;
  private finished: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly run: Run,
    private readonly spec: RunSpec,
    private readonly core: RunCore,
    private readonly telemetry: RunTelemetry,
  ) {}

  /** See `Run.start`. */
  start(sidePackets: Record<string, unknown>): Promise<void> {
    if (this.core.st !== 'created') {
      const why =
        this.starting === undefined
          ? `the run was ${this.core.st === 'closed' ? 'closed' : 'stopped'} before it started: build a new run`
          : `start() was already called (the run is ${this.core.st})`;
      return Promise.reject(new UsageError(why, { phase: 'run' }));
    }
    this.core.st = 'starting';
    this.starting = this.doStart(sidePackets);
    return this.starting;
  }

  /** See `Run.stop`. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  /** See `Run.close`. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  /** See `Run.waitUntilDone`. */
  waitUntilDone(): Promise<void> {
    if (this.finished === undefined)
      return Promise.reject(new UsageError('waitUntilDone() before start()', { phase: 'run' }));
    this.core.reported = true;
    // An awaited run keeps the process alive until it ends (see the supervisor's keepAlive).
    return this.core.sup?.keepAlive.during(this.finished) ?? this.finished;
  }

  private async doStart(sidePackets: Record<string, unknown>): Promise<void> {
    const c = this.core;
    try {
      const prepared = await this.spec.prepare();
      if (c.stopRequested)
        throw new CancelledError('the run was stopped before it started', { phase: 'run' });
      checkSidePackets(prepared.graph, sidePackets, prepared.lookup);
      this.prepared = prepared;
      // A run that evicts stale input wants each result as soon as it exists (see eagerOutputs).
      const eagerOutputs = this.spec.inputs.some((i) => i.options.overflowPolicy === 'replace');
      const sup = new Supervisor(prepared.graph, prepared.modules, { ...this.spec.supervisor, eagerOutputs });
      for (const out of c.outputList) sup.observe(out.name, out);
      for (const { name, options } of this.spec.inputs) {
        c.addInput(new InputBoundary(name, sup.plan.graphInputs.get(name) ?? [], options, c));
        limitNodeQueues(sup, prepared.graph, name, options);
      }
      c.setLineage(
        lineageOf(
          prepared.graph,
          this.spec.inputs.map((i) => i.name),
          c.outputList.map((o) => o.name),
          (calculator) => prepared.lookup(calculator)?.contract as CalculatorContract | undefined,
        ),
      );
      c.sup = sup;
      this.telemetry.attach(sup);
      this.finished = sup.done.then(
        () => this.ended(),
        (err: unknown) => this.over(err),
      );
      this.finished.catch(noop);
      c.t0 = performance.now();
      await sup.start(sidePackets);
      this.telemetry.begin(c.options.profileIntervalMs);
      if (c.st === 'starting') c.st = 'running';
    } catch (err) {
      c.failure ??= err;
      c.reported = true;
      if (c.st === 'starting') c.st = c.stopRequested ? 'stopped' : 'failed';
      throw err;
    }
  }

  // The graph finished by itself: every output ended.
  private ended(): void {
    const c = this.core;
    this.telemetry.end();
    if (c.st === 'running' || c.st === 'draining') c.st = 'ended';
    for (const i of c.inputList) i.abandon(closedInputError(i.name));
  }

  // The graph failed, or was stopped: settle everything that waits, then make `finished` reject.
  private over(err: unknown): never {
    const c = this.core;
    this.telemetry.end();
    const failure = c.failure ?? err;
    const cancelled = c.stopRequested && failure instanceof CancelledError;
    // A stop that carries a fault (a calculator's close failed while stopping) is still reported.
    if (!cancelled || (failure as Error).cause !== undefined) c.failure = failure;
    if (c.st === 'running' || c.st === 'draining' || c.st === 'starting')
      c.st = cancelled ? 'stopped' : 'failed';
    for (const i of c.inputList) i.abandon(cancelled ? cancelledPushError(i.name) : failure);
    for (const o of c.outputList) {
      if (cancelled) o.cancel();
      else o.fail(failure);
    }
    throw failure;
  }

  private async doStop(): Promise<void> {
    const c = this.core;
    c.stopRequested = true;
    this.telemetry.end();
    if (c.st === 'created') {
      c.st = 'stopped';
      return;
    }
    // Shut the actors down first (synchronously abandons every ring and wakes their producers), then
    // settle whatever waits here: nothing below may wait for a worker.
    const live = c.st === 'starting' || c.st === 'running' || c.st === 'draining';
    const down = live ? c.sup?.stop() : undefined;
    for (const o of c.outputList) o.cancel();
    for (const i of c.inputList) i.abandon(cancelledPushError(i.name));
    if (c.st === 'running' || c.st === 'draining') c.st = 'stopped';
    await this.starting?.catch(noop);
    // stop() came while the session validated the graph: the supervisor appeared only now, if at all.
    if (live) await (down ?? c.sup?.stop());
  }

  private async doClose(): Promise<void> {
    const c = this.core;
    if (c.st !== 'ended' && c.st !== 'failed' && c.st !== 'stopped') await this.stop();
    await this.finished?.catch(noop);
    // A thread ended while stuck may still be exiting: close means every thread is gone.
    await c.sup?.exited;
    for (const o of c.outputList) o.cancel();
    c.st = 'closed';
    this.spec.released(this.run);
    const bareStop = c.failure instanceof CancelledError && c.failure.cause === undefined;
    if (c.failure !== undefined && !c.reported && !bareStop) {
      c.reported = true;
      throw c.failure;
    }
  }
}
