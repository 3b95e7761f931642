/**
 * A node's restart policy at work, in its actor: decides, when a `process` or `close` call fails,
 * whether the node goes on (`resume`) or the run fails, counts the recoveries in the node's
 * counters, tells the supervisor of each (so that the application hears of it), and escalates once
 * the recoveries within the policy's period exceed its limit. See `RestartPolicy` in graph-config.ts.
 *
 * Threading: the node's actor thread (the engine's fault hook runs there, synchronously); under
 * the `restart` policy, the supervisor's thread too (it decides on each replacement of the thread).
 */

import { causeText, type Phase, RestartLimitError, type RestartRecord } from '../core/errors.js';
import type { ResolvedRestartPolicy } from '../core/graph-config.js';

/** The fault hook's decision maker for one node. */
export class RestartPolicyRunner {
  // The recoveries inside the current window, oldest first.
  private readonly window: RestartRecord[] = [];
  private count = 0;

  constructor(
    private readonly policy: ResolvedRestartPolicy,
    private readonly node: string,
    /** Told of every recovery (counters, supervisor); not of the escalation, which is the error. */
    private readonly recovered: (record: RestartRecord) => void,
  ) {}

  /** True when failures may be survived at all: the engine needs a fault hook only then. */
  get active(): boolean {
    return this.policy.policy !== 'stop';
  }

  /**
   * A call of the node failed with `err` (a CalculatorError) in `phase`: null to go on, else the
   * error the node fails with — `err` itself under `stop`, a RestartLimitError past the limit.
   * `action` names what going on means (`restart`: the supervisor replaces the thread), `lost` the
   * input packets the failure cost, for the record (see `StageStats.lost`; the caller counts them).
   */
  decide(phase: Phase, err: Error, action: 'resume' | 'restart' = 'resume', lost = 0): Error | null {
    if (this.policy.policy === 'stop') return err;
    const now = Date.now();
    const w = this.window;
    while (w.length > 0 && now - w[0]!.at >= this.policy.periodMs) w.shift();
    if (w.length >= this.policy.maxRestarts) {
      const last = this.record(phase, err, 'escalate', w.length + 1, now, lost);
      const e = new RestartLimitError(
        `${w.length + 1} failures within ${this.policy.periodMs} ms, more than the ${this.policy.maxRestarts} ` +
          `its restart policy allows: ${causeText(err)}`,
        { node: this.node, phase, cause: err },
      );
      // Plain data: it crosses to the supervisor with the error (see serializeError).
      return Object.assign(e, { restarts: [...w, last] });
    }
    this.count++;
    const r = this.record(phase, err, action, this.count, now, lost);
    w.push(r);
    this.recovered(r);
    return null;
  }

  private record(
    phase: Phase,
    err: Error,
    action: RestartRecord['action'],
    count: number,
    at: number,
    lost: number,
  ): RestartRecord {
    const code = (err as { code?: unknown }).code;
    return {
      node: this.node,
      phase,
      action,
      count,
      at,
      code: typeof code === 'string' ? code : undefined,
      message: err.message,
      lost,
    };
  }
}
