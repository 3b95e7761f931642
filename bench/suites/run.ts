/**
 * Suite `run`: what an application pays to push samples into a graph and pull the results back on
 * its own thread, through a weft Run, against the same round trip through one postMessage worker.
 *
 * - `pushpull.small`: Push → PassThroughCalculator → Pull, numeric payloads. The main thread pushes
 *   (`tryPush` in a loop, `await push()` only when the input is full) and pulls (one `await pull()`
 *   per wake-up, then `tryPull` until nothing is ready) concurrently.
 * - `pushpull.postMessage`: the main thread posts numbers to one worker that posts each straight
 *   back, at most `WINDOW` in flight (postMessage has no back-pressure).
 * - `pushpull.realtime`: the realtime preset in front of a 2 ms stage (BurnCpuCalculator), pushed
 *   every 1 ms (twice the stage's rate): metric `age_p99_stages`, the p99 age of pulled samples
 *   (pull − push) in units of the stage time. The input's queue bounds it: at most queueSize + 1
 *   samples wait ahead of a new one, so the age stays near queueSize + 2 stage times however long
 *   the overload lasts; `queue_size` records the preset's queue.
 *
 * One Run (one worker) serves every repetition, so thread start-up and module loading stay outside
 * the measured interval, as in the `transport` suite; an unmeasured warm-up round (a quarter of the
 * samples) runs first in both cases, so neither is measured JIT-cold. A repetition's rate is
 * samples / (last result received − first sample sent); the best repetition is reported.
 *
 * Threading: main thread (it is the pusher and the puller being measured).
 */
import { MessageChannel } from 'node:worker_threads';
import { spawnTask } from '../../src/actors/thread-task.js';
import { defaultRegistry } from '../../src/api/graph-preparation.js';
import type { Run } from '../../src/api/run.js';
import { pull, push, Session } from '../../src/api/session.js';
import { CalculatorRegistry } from '../../src/core/calculator-registry.js';
import { graph } from '../../src/core/graph-builder.js';
import type { Suite, SuiteContext } from '../lib/suite.js';
import type { EchoArgs } from '../tasks/post-pushpull-task.js';

const ECHO_TASK = new URL('../tasks/post-pushpull-task.ts', import.meta.url);
const METRIC = 'msgs_per_s';
const UNIT = 'msg/s';
/** Numbers in flight in the postMessage case (as the transport suite's small-message window). */
const WINDOW = 1024;

/** Pushes `count` numbers and pulls them back, concurrently, on this thread. Returns samples/s. */
export async function pushPull(run: Run, count: number, base: number): Promise<number> {
  const out = run.output();
  let sum = 0;
  const t0 = performance.now();
  const producer = (async () => {
    for (let i = 0; i < count; i++) {
      const sample = { value: base + i };
      if (!run.tryPush(sample)) await run.push(sample);
    }
  })();
  for (let got = 0; got < count; ) {
    const r = await out.pull();
    if (r.status !== 'sample') throw new Error(`pushpull.small: output ${r.status} after ${got} samples`);
    sum += r.sample.value as number;
    got++;
    for (let s = out.tryPull(); s !== undefined; s = out.tryPull()) {
      sum += s.value as number;
      got++;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  await producer;
  const want = count * base + (count * (count - 1)) / 2;
  if (sum !== want) throw new Error(`pushpull.small: checksum ${sum}, expected ${want}`);
  return count / seconds;
}

async function weftCase(ctx: SuiteContext, count: number): Promise<number> {
  // The graph's own queues sized for throughput, as in the graph suite; output back-pressure
  // engages only past the reliable preset's depth.
  const session = new Session({ maxQueueSize: 1000 })
    .add(push('in'))
    .add(graph().node('PassThroughCalculator', { inputs: { '': 'in' }, outputs: { '': 'out' } }))
    .add(pull('out'));
  const run = session.build({ preset: 'reliable' });
  try {
    await run.start();
    ctx.progress('run pushpull.small: warm-up');
    await pushPull(run, count >> 2, 0);
    let best = 0;
    for (let r = 1; r <= ctx.reps; r++) {
      ctx.progress(`run pushpull.small: repetition ${r}/${ctx.reps} (${count} samples)`);
      best = Math.max(best, await pushPull(run, count, r * count));
    }
    run.closeInput();
    await run.waitUntilDone();
    return best;
  } finally {
    await run.close();
  }
}

async function postCase(ctx: SuiteContext, count: number): Promise<number> {
  const { port1, port2 } = new MessageChannel();
  const args: EchoArgs = { port: port2 };
  const task = spawnTask(ECHO_TASK, 'echo', args, { name: 'pushpull echo', transferList: [port2] });
  try {
    // One round trip before measuring: the worker has loaded and is listening.
    await new Promise<void>((resolve) => {
      port1.once('message', () => resolve());
      port1.postMessage(0);
    });
    ctx.progress('run pushpull.postMessage: warm-up');
    await roundTrip(port1, port1, count >> 2);
    let best = 0;
    for (let r = 1; r <= ctx.reps; r++) {
      ctx.progress(`run pushpull.postMessage: repetition ${r}/${ctx.reps} (${count} samples)`);
      best = Math.max(best, await roundTrip(port1, port1, count));
    }
    return best;
  } finally {
    port1.postMessage(-1);
    await task.result;
    port1.close();
  }
}

/**
 * Posts `count` numbers to `send` and takes them back from `recv` (the same port for an echo worker,
 * the two ends of a chain of workers), at most WINDOW unanswered. Returns samples/s.
 */
export function roundTrip(send: MessagePort, recv: MessagePort, count: number): Promise<number> {
  const port = recv;
  return new Promise((resolve, reject) => {
    let sent = 0;
    let got = 0;
    let sum = 0;
    const t0 = performance.now();
    const onMessage = (n: number) => {
      sum += n;
      if (++got === count) {
        port.off('message', onMessage);
        const want = (count * (count - 1)) / 2;
        if (sum !== want) reject(new Error(`pushpull.postMessage: checksum ${sum}, expected ${want}`));
        else resolve(count / ((performance.now() - t0) / 1000));
        return;
      }
      if (sent < count) send.postMessage(sent++);
    };
    port.on('message', onMessage);
    while (sent < count && sent < WINDOW) send.postMessage(sent++);
  });
}

export type MessagePort = InstanceType<typeof MessageChannel>['port1'];

const STAGE_MS = 2;

/** Realtime preset, 2 ms stage, pushes every 1 ms: p99 age of pulled samples, in stage times. */
async function realtimeCase(ctx: SuiteContext, count: number): Promise<{ age: number; size: number }> {
  const registry = new CalculatorRegistry(defaultRegistry()).register(
    'BurnCpuCalculator',
    new URL('../calculators/burn-cpu.ts', import.meta.url),
  );
  const session = new Session({ registry })
    .add(push('in'))
    .add(
      graph().node('BurnCpuCalculator', {
        inputs: { '': 'in' },
        outputs: { '': 'out' },
        options: { micros: STAGE_MS * 1000 },
      }),
    )
    .add(pull('out'));
  const run = session.build({ preset: 'realtime' });
  const pushedAt = new Float64Array(count);
  const ages: number[] = [];
  try {
    await run.start();
    ctx.progress(`run pushpull.realtime: ${count} samples, one per ms`);
    const consumer = (async () => {
      // The first tenth warms the path up (JIT, first wake-ups) and is not measured.
      for await (const s of run.output('out')) {
        if (s.frameId! >= count / 10) ages.push(performance.now() - pushedAt[s.frameId!]!);
      }
    })();
    for (let i = 0; i < count; i++) {
      pushedAt[i] = performance.now();
      run.tryPush({ value: i, frameId: i });
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    run.closeInput();
    await consumer;
  } finally {
    await run.close();
  }
  ages.sort((a, b) => a - b);
  const p99 = ages[Math.min(ages.length - 1, Math.floor(ages.length * 0.99))] ?? Number.NaN;
  return { age: p99 / STAGE_MS, size: run.options.queueSize };
}

/** Suite `run`. */
export const runSuite: Suite = {
  name: 'run',
  description: 'push/pull through a Run (Push → PassThrough → Pull) vs a postMessage echo worker',
  ratios: [{ case: 'pushpull.small', baseline: 'pushpull.postMessage', metric: METRIC, target: 5 }],
  async run(ctx) {
    const count = ctx.quick ? 50_000 : 1_000_000;
    try {
      ctx.record('pushpull.postMessage', METRIC, await postCase(ctx, count), UNIT);
    } catch (err) {
      ctx.fail('pushpull.postMessage', err);
    }
    try {
      ctx.record('pushpull.small', METRIC, await weftCase(ctx, count), UNIT);
    } catch (err) {
      ctx.fail('pushpull.small', err);
    }
    try {
      const { age, size } = await realtimeCase(ctx, ctx.quick ? 300 : 2000);
      ctx.record('pushpull.realtime', 'age_p99_stages', age, 'stages');
      ctx.record('pushpull.realtime', 'queue_size', size, 'samples');
    } catch (err) {
      ctx.fail('pushpull.realtime', err);
    }
  },
};
