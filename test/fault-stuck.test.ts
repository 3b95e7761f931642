// A calculator call that never returns (a loop, a hang, a call stuck in native code): the run fails
// on time with NodeStuckError naming node and phase, the stuck thread is ended, and the limit comes
// from the node, else the graph, else the run option. The other faults: fault-injection.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveThreadCount } from '../src/actors/thread-task.js';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { NodeStuckError } from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';
import type { FaultPhase } from './fixtures/faults/faulty.js';
import { buggy, faultyGraph } from './fixtures/faults/faulty-graphs.js';
import { faultRegistry } from './fixtures/faults/registry.js';

const registry = faultRegistry;

const opened = closedAfterEach();
const { graphs } = opened;

const PHASES: readonly FaultPhase[] = ['open', 'process', 'close'];

describe('a stuck call fails the run, naming node and phase, and its thread is ended', () => {
  it.each(
    (['own', 'executor'] as const).flatMap((layout) =>
      (['loop', 'hang'] as const).flatMap((kind) => PHASES.map((phase) => [kind, phase, layout] as const)),
    ),
  )('%s in %s, under a node limit of 300 ms, nodes on threads: %s', async (kind, phase, layout) => {
    const g = faultyGraph(opened, kind, phase, { stuckTimeoutMs: 300 }, layout);
    const err = await g.runToCompletion().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NodeStuckError);
    expect(err).toMatchObject({ node: 'buggy', phase });
    expect((err as Error).message).toMatch(/limit 300 ms/);
    await g.close();
    expect(g.frames.inUse()).toBe(0);
  });

  it('a call stuck in native code: the run fails at once, close() waits for the thread to exit', async () => {
    // Terminating a thread cannot interrupt a system call: the thread exits only once the call
    // returns, here when the test writes to the FIFO the calculator reads.
    const dir = await mkdtemp(join(tmpdir(), 'weft-native-'));
    const fifo = join(dir, 'block');
    execFileSync('mkfifo', [fifo]);
    let unblocked: Promise<void> | undefined;
    // Opening the FIFO for writing is what releases the reader's blocked open(); a reader whose
    // thread was ended then exits at once, so the write itself may find no reader (EPIPE): fine.
    const unblock = () =>
      (unblocked ??= writeFile(fifo, 'go').catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE') throw err;
      }));
    try {
      const g = new CalculatorGraph(
        graph()
          .node('CounterSourceCalculator', { outputs: { '': 'n' }, options: { count: 3 } })
          .node('FaultyCalculator', {
            ...buggy('native', 'process', 'n', { stuckTimeoutMs: 300 }),
            options: { fault: 'native', phase: 'process', fifo },
          })
          .output('out')
          .build(),
        { registry, watchdogMs: 20 },
      );
      graphs.push(g);
      g.observeOutputStream('out', () => {});
      const err = await g.runToCompletion().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NodeStuckError);
      expect(err).toMatchObject({ node: 'buggy', phase: 'process' });
      // Reported while the thread is still blocked: the failure did not wait for it.
      expect(liveThreadCount()).toBe(1);
      const closed = g.close();
      await unblock();
      await closed;
      expect(liveThreadCount()).toBe(0);
      expect(g.frames.inUse()).toBe(0);
    } finally {
      await unblock();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the limit comes from the node, else the graph (text format), else the run option, else 30 s', async () => {
    const { DEFAULT_STUCK_TIMEOUT_MS } = await import('../src/actors/supervisor.js');
    expect(DEFAULT_STUCK_TIMEOUT_MS).toBe(30_000);
    const g = CalculatorGraph.fromText(
      `
      stuck_timeout_ms: 250
      node { calculator: "CounterSourceCalculator" output_stream: "n" }
      node {
        name: "buggy" calculator: "FaultyCalculator" input_stream: "n" output_stream: "out"
        node_options { [type.googleapis.com/weft.FaultyOptions] { fault: "loop" phase: "process" } }
      }
      output_stream: "out"
    `,
      { registry, watchdogMs: 20, stuckTimeoutMs: -1 },
    );
    graphs.push(g);
    expect((await g.validate()).nodes.map((n) => n.stuckTimeoutMs)).toEqual([250, 250]);
    const err = await g.runToCompletion().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeStuckError);
    expect((err as Error).message).toMatch(/limit 250 ms/);
  });

  it.each([0, 1.5, -2, 1e12])('refuses a stuckTimeoutMs of %s before any thread starts', async (ms) => {
    const config = graph()
      .node('CounterSourceCalculator', { outputs: { '': 'n' } })
      .node('PassThroughCalculator', { inputs: { '': 'n' }, outputs: { '': 'out' } })
      .build();
    for (const bad of [
      new CalculatorGraph({ ...config, stuckTimeoutMs: ms }, { registry }),
      new CalculatorGraph(
        { ...config, nodes: config.nodes.map((n) => ({ ...n, stuckTimeoutMs: ms })) },
        { registry },
      ),
    ]) {
      graphs.push(bad);
      await expect(bad.validate()).rejects.toMatchObject({ code: 'ERR_WEFT_GRAPH_INVALID' });
    }
    expect(liveThreadCount()).toBe(0);
  });
});
