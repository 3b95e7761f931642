// The restart policy tests' pipeline: push('in') → FlakyCalculator "flaky" → PassThrough "after" →
// pull('out'), with the fault, the policy and the limits a test asks for, and its feeding loop.
import type { Chaining } from '../../src/actors/actor-groups.js';
import type { Run } from '../../src/api/run.js';
import { pull, push, Session } from '../../src/api/session.js';
import type { RestartRecord } from '../../src/core/errors.js';
import { graph } from '../../src/core/graph-builder.js';
import type { RestartPolicy } from '../../src/core/graph-config.js';
import { faultRegistry } from '../fixtures/faults/registry.js';

/** How a test wants its flaky node (see test/fixtures/faults/flaky.ts for the fault options). */
export interface FlakyRunOptions {
  readonly restart: RestartPolicy;
  readonly failAt?: readonly number[];
  readonly fault?: string;
  readonly phase?: string;
  /** Fault only while this file does not exist (once per run, across threads). */
  readonly onceFile?: string;
  readonly tagThread?: boolean;
  readonly chaining?: Chaining;
  readonly heapLimitMb?: number;
  readonly stuckTimeoutMs?: number;
  readonly parallelism?: number;
  readonly onNodeRestart?: (r: RestartRecord) => void;
  /** Samples stage statistics for a timeline and Chrome trace (see `profileIntervalMs`). */
  readonly profileIntervalMs?: number;
}

/** Builds the pipeline (not started); the caller closes the run. */
export function flakyRun(o: FlakyRunOptions): Run {
  return new Session({
    registry: faultRegistry,
    watchdogMs: 20,
    chaining: o.chaining ?? 'off',
    ...(o.onNodeRestart === undefined ? {} : { onNodeRestart: o.onNodeRestart }),
    ...(o.profileIntervalMs === undefined ? {} : { profileIntervalMs: o.profileIntervalMs }),
  })
    .add(
      push('in'),
      graph()
        .node('FlakyCalculator', {
          name: 'flaky',
          inputs: { '': 'in' },
          outputs: { '': 'mid' },
          options: {
            failAt: o.failAt ?? [],
            fault: o.fault ?? 'throw',
            phase: o.phase ?? 'process',
            onceFile: o.onceFile ?? '',
            tagThread: o.tagThread ?? false,
          },
          restart: o.restart,
          ...(o.heapLimitMb === undefined ? {} : { heapLimitMb: o.heapLimitMb }),
          ...(o.stuckTimeoutMs === undefined ? {} : { stuckTimeoutMs: o.stuckTimeoutMs }),
          ...(o.parallelism === undefined ? {} : { parallelism: o.parallelism }),
        })
        .node('PassThroughCalculator', { name: 'after', inputs: { '': 'mid' }, outputs: { '': 'out' } }),
      pull('out'),
    )
    .build();
}

/** Starts `run`, pushes 0..n-1 at timestamps 10, 20, …, closes the input, pulls until closed. */
export async function feed(run: Run, n: number): Promise<{ values: unknown[]; timestamps: number[] }> {
  await run.start();
  for (let i = 0; i < n; i++) await run.push({ value: i, timestamp: (i + 1) * 10 });
  run.closeInput();
  const values: unknown[] = [];
  const timestamps: number[] = [];
  for (;;) {
    const r = await run.pull();
    if (r.status !== 'sample') break;
    values.push(r.sample.value);
    timestamps.push(r.sample.timestamp);
  }
  return { values, timestamps };
}
