/**
 * Steering a running camera fleet from the main thread: pause, resume, stop, and what is in flight.
 *
 * Threading: main thread. Lifecycle: create one, pass it to `runFleet({ control })`; it acts on that
 * run from its start (calls made before are applied then) until the run settles.
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { FleetFigures, FleetStats } from './fleet-stats.js';

/**
 * A handle on one fleet run. Pausing stops the cameras, not the pipeline: frames already rendered
 * drain to the sink, after which every actor sleeps (nothing polls) until {@link resume}. The
 * `pipeline` bench uses it to measure the fleet and its serial baseline in alternating windows of
 * one run, so both see the same host.
 *
 * Threading: the thread that calls `runFleet` (main thread); it steers the actors through the run's
 * shared stats block, never by message. Lifecycle: one per run: pass it to `runFleet({ control })`;
 * calls made before the run starts take effect when it does, and a second run refuses it
 * (InvalidArgumentError). Nothing to close.
 */
export class FleetControl {
  private stats: FleetStats | undefined;
  private wantPaused = false;
  private wantStop = false;

  /** Called by `runFleet` when its run starts. Throws if this control already steers a run. */
  attach(stats: FleetStats): void {
    if (this.stats !== undefined) {
      throw new InvalidArgumentError('this FleetControl already steers a fleet run: use one per run', {
        phase: 'config',
      });
    }
    this.stats = stats;
    stats.setPaused(this.wantPaused);
    if (this.wantStop) stats.requestStop();
  }

  /** Pauses the cameras (idempotent). */
  pause(): void {
    this.wantPaused = true;
    this.stats?.setPaused(true);
  }

  /** Resumes the cameras (idempotent). */
  resume(): void {
    this.wantPaused = false;
    this.stats?.setPaused(false);
  }

  /** Stops the cameras for good; the pipeline drains and the run ends. A paused fleet stops too. */
  stop(): void {
    this.wantStop = true;
    this.stats?.requestStop();
  }

  /** True between {@link pause} and {@link resume}. */
  get paused(): boolean {
    return this.wantPaused;
  }

  /**
   * True once the pause took hold: every shard waits for the resume and every frame produced so
   * far was processed or dropped, so the actors are idle. False before the run started.
   */
  get settled(): boolean {
    const s = this.stats;
    return (
      s !== undefined &&
      this.wantPaused &&
      s.pausedShards() === s.desc.shards &&
      s.inFlight() === this.faults().lost
    );
  }

  /**
   * Called by `runFleet` once its graph runs: what faults did so far — frames lost (the runtime's
   * count of input packets lost at restarts, which will never reach a sink) and restarts.
   */
  watchFaults(faults: () => { lost: number; restarts: number }): void {
    this.faults = faults;
  }

  /** Restarts of the run's threads so far (`restart: true`); 0 before it started. Allocates. */
  restarts(): number {
    return this.faults().restarts;
  }

  private faults: () => { lost: number; restarts: number } = () => ({ lost: 0, restarts: 0 });

  /** The run's figures now; undefined before it started. Allocates. */
  figures(): FleetFigures | undefined {
    return this.stats?.read();
  }

  /**
   * The latency histogram so far (frames per bucket, see `latencyPercentile`), for latencies over a
   * stretch of the run: the difference of two readings. Undefined before the run started. Allocates.
   */
  latencyCounts(): Float64Array | undefined {
    return this.stats?.latencyCounts();
  }
}
