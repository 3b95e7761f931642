// Assembling a Session from Push inputs, fragments and Pull outputs; the synchronous mode; and how
// RunOptions, presets and per-input options resolve.
import { afterEach, describe, expect, it } from 'vitest';
import { liveThreadCount } from '../src/actors/thread-task.js';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import type { Run } from '../src/api/run.js';
import {
  type InputOptions,
  RUN_PRESETS,
  type RunOptions,
  resolveRunOptions,
} from '../src/api/run-options.js';
import type { OutputSample } from '../src/api/run-types.js';
import { pull, push, Session } from '../src/api/session.js';
import { InvalidArgumentError, UsageError } from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import { Latch, testOptions } from './fixtures/run/setup.js';

const runs: Run[] = [];
afterEach(async () => {
  for (const r of runs.splice(0)) await r.close().catch(() => {});
});

describe('assembling a session', () => {
  it('reads like the seed: add(push), add(fragment), add(pull); build; start; push; pull', async () => {
    const detector = graph()
      .input('rgb')
      .node('TimeShiftCalculator', {
        inputs: { '': 'rgb' },
        outputs: { '': 'detections' },
        options: { shiftUs: 5 },
      })
      .output('detections');
    const session = new Session(testOptions);
    session.add(push('rgb'));
    session.add(detector);
    session.add(pull('detections'));
    expect(session.config).toMatchObject({ inputStreams: ['rgb'], outputStreams: ['detections'] });
    const run = session.build();
    runs.push(run);
    await run.start();
    await run.push({ value: 42, timestamp: 1000 });
    const s = await run.pullOrThrow();
    expect(s).toMatchObject({ output: 'detections', value: 42, timestamp: 1005 });
  });

  it('the seed loop: one task awaits push, then polls with pull(0); closeInput drains the rest', async () => {
    const session = new Session(testOptions).add(
      push('rgb'),
      graph().node('PassThroughCalculator', { inputs: { '': 'rgb' }, outputs: { '': 'detections' } }),
      pull('detections'),
    );
    const run = session.build();
    runs.push(run);
    await run.start();
    const got: unknown[] = [];
    for (let i = 0; i < 5000; i++) {
      await run.push({ value: i });
      const out = await run.pull(0);
      if (out.status === 'sample') got.push(out.sample.value);
    }
    run.closeInput();
    for await (const s of run.output()) got.push(s.value);
    expect(got).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    await run.stop();
  });

  it('merges fragments: text, builder, config, CalculatorGraph; push and pull sugar', async () => {
    const session = new Session(testOptions)
      .push('a')
      .add(`
        input_stream: "a"
        node { calculator: "PassThroughCalculator" input_stream: "a" output_stream: "b" }
      `)
      .add(
        graph()
          .node('PassThroughCalculator', { name: 'p2', inputs: { '': 'b' }, outputs: { '': 'c' } })
          .build(),
      )
      .add(
        new CalculatorGraph(
          graph()
            .node('PassThroughCalculator', { name: 'p3', inputs: { '': 'c' }, outputs: { '': 'd' } })
            .build(),
        ),
      )
      .pull('d');
    const config = session.config;
    expect(config.nodes.map((n) => n.name ?? n.calculator)).toEqual(['PassThroughCalculator', 'p2', 'p3']);
    expect((await session.validate()).nodes.length).toBe(3);
    const run = session.build();
    runs.push(run);
    await run.start();
    for (let i = 0; i < 3; i++) await run.push({ value: i });
    run.closeInput();
    const got: OutputSample[] = [];
    for await (const s of run.output('d')) got.push(s);
    expect(got.map((s) => s.value)).toEqual([0, 1, 2]);
  });

  it('refuses a name added twice', () => {
    const session = new Session(testOptions).push('a').pull('b');
    expect(() => session.push('a')).toThrow(UsageError);
    expect(() => session.add(pull('b'))).toThrow(UsageError);
    expect(() => push('')).toThrow(InvalidArgumentError);
  });
});

describe('synchronous mode: session.run()', () => {
  it('runs a self-contained job to the end and returns its output side packets', async () => {
    const session = new Session(testOptions).add(
      graph()
        .outputSidePacket('collected')
        .node('CounterSourceCalculator', { outputs: { '': 'n' }, options: { count: 100 } })
        .node('CollectorCalculator', { inputs: { '': 'n' }, outputSidePackets: { COLLECTED: 'collected' } }),
    );
    const { collected } = (await session.run()).sidePackets;
    expect((collected as { value: number }[]).map((p) => p.value)).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
    expect(liveThreadCount()).toBe(0);
    // Again, on the same session: each run is a fresh transaction.
    const again = await session.run();
    expect((again.sidePackets.collected as unknown[]).length).toBe(100);
  });

  it('returns the telemetry async mode gives: stats, stage stats and the diag snapshot', async () => {
    const session = new Session(testOptions).add(
      graph()
        .node('CounterSourceCalculator', { outputs: { '': 'n' }, options: { count: 30 } })
        .node('PassThroughCalculator', { name: 'relay', inputs: { '': 'n' }, outputs: { '': 'm' } }),
    );
    session.pull('m');
    const result = await session.run({}, { collect: true });
    expect(result.outputs.m!.map((s) => s.value)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(result.outputs.m![3]).toMatchObject({ output: 'm', timestamp: 3 });
    expect(result.stats.outputs.m).toMatchObject({ pulled: 30, queued: 0 });
    expect(result.stages.find((st) => st.node === 'relay')).toMatchObject({ packetsIn: 30, packetsOut: 30 });
    expect(result.snapshot.elements.map((e) => e.node)).toContain('relay');
  });

  it('collects frame outputs as copies of their bytes, valid after the run', async () => {
    const session = new Session(testOptions).add(
      graph().node('SyntheticVideoCalculator', {
        outputs: { '': 'frames' },
        options: { width: 4, height: 2, count: 3 },
      }),
    );
    session.pull('frames');
    const { outputs } = await session.run({}, { collect: true });
    expect(outputs.frames!.map((s) => (s.value as Uint8Array).length)).toEqual([24, 24, 24]);
    expect(outputs.frames![0]!.value).toBeInstanceOf(Uint8Array);
  });

  it('delivers Pull outputs to the callbacks it is given, and requires one per output', async () => {
    const session = new Session(testOptions)
      .add(graph().node('CounterSourceCalculator', { outputs: { '': 'n' }, options: { count: 20 } }))
      .pull('n');
    await expect(session.run()).rejects.toBeInstanceOf(UsageError);
    const got: number[] = [];
    await session.run({}, { onOutput: { n: (s) => got.push(s.value as number) } });
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});

describe('run options', () => {
  it('presets, explicit fields over the preset, defaults', () => {
    expect(resolveRunOptions()).toMatchObject({ overflowPolicy: 'wait', queueDepth: 4, pushTimeoutMs: -1 });
    expect(resolveRunOptions({ preset: 'realtime' })).toMatchObject(RUN_PRESETS.realtime);
    expect(resolveRunOptions({ preset: 'reliable', queueDepth: 7 })).toMatchObject({
      overflowPolicy: 'wait',
      queueDepth: 7,
      outputDepth: RUN_PRESETS.reliable.outputDepth,
    });
  });

  it.each([
    [{ queueSise: 3 }, 'run options: unknown option "queueSise"'],
    [{ overflowpolicy: 'drop' }, 'run options: unknown option "overflowpolicy"'],
    [{ queueSise: 3, outputdepth: 2 }, 'run options: unknown options "queueSise", "outputdepth"'],
  ])('refuses a misspelt run option %j, listing the known ones', (options, message) => {
    const session = new Session(testOptions).add(push('in'), pull('in'));
    const build = () => session.build(options as RunOptions);
    expect(build).toThrow(InvalidArgumentError);
    expect(build).toThrow(message);
    expect(build).toThrow('known: queueSize, queueDepth, overflowPolicy, pushTimeoutMs, preset');
  });

  it('refuses a misspelt option of the synchronous run()', async () => {
    const session = new Session(testOptions).add(
      graph().node('CounterSourceCalculator', { outputs: { '': 'n' }, options: { count: 3 } }),
    );
    await expect(session.run({}, { colect: true } as never)).rejects.toThrow(
      'run() options: unknown option "colect" (known: onOutput, collect)',
    );
  });

  it('refuses a misspelt option on a push node, naming the input', () => {
    const session = new Session(testOptions).add(push('in', { queueSise: 3 } as InputOptions), pull('in'));
    expect(() => session.build()).toThrow('input "in": unknown option "queueSise"');
  });

  it('options on a push node override the run options for that input', async () => {
    const latch = new Latch();
    const drops: string[] = [];
    const session = new Session({ ...testOptions, maxQueueSize: 1, ringBytes: 1024 }).add(
      push('in', { overflowPolicy: 'drop', queueDepth: 1 }),
      graph().node('LatchCalculator', {
        inputs: { '': 'in' },
        outputs: { '': 'out' },
        options: { latch: latch.sab },
      }),
      pull('out'),
    );
    const run = session.build({ overflowPolicy: 'wait', onInputDrop: (d) => drops.push(d.reason) });
    runs.push(run);
    await run.start();
    let i = 0;
    while (run.tryPush({ value: i })) i++;
    expect(drops).toEqual(['queue_full']);
    expect(run.stats().inputs.in!.queued).toBe(1);
    latch.open();
  });
});
