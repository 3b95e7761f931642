/**
 * A paced emitter: a "camera model" written as one `run()` loop. It renders frames in batches of 4
 * straight into the shared frame pool, "infers" on them (a brightness measure), reports how long
 * that took so the rate never outruns the model, and emits each batch — the runtime plays the frames
 * out one per 1/fps. A message per batch travels beside the frames; the consumer connects through
 * the `CONNECTED` input and changes the rate at run time through `EVENTS`.
 *
 * This module is both the calculator (its default export, imported by the node's worker thread) and
 * the application (`main`, run on the main thread).
 *
 * Run it: `npx tsx examples/paced-emitter.ts [frames]`
 */
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import {
  CalculatorRegistry,
  defaultRegistry,
  definePacedEmitter,
  type FrameRef,
  graph,
  type PacedEmitterStats,
  pull,
  push,
  renderSyntheticFrame,
  Session,
} from '../src/index.js';

const FRAME = { width: 32, height: 24, format: 'rgb', seed: 7 } as const;
const FRAME_BYTES = FRAME.width * FRAME.height * 3;
const BATCH = 4;

/** What the emitter sends on MESSAGES after each batch. */
export interface BatchMessage {
  readonly batch: number;
  readonly firstFrame: number;
  /** Mean byte value of each frame of the batch: the "model output". */
  readonly brightness: number[];
}

export default definePacedEmitter({
  name: 'ExampleCameraEmitter',
  fps: 120,
  bufferSize: 2 * BATCH, // the next batch renders while this one plays out
  options: { frames: 24 },
  async run(em) {
    await em.connected.wait(); // nothing to do until somebody watches
    for (let first = 0, batch = 0; first < em.options.frames && em.running; first += BATCH, batch++) {
      const t0 = performance.now();
      const frames: FrameRef[] = [];
      const brightness: number[] = [];
      for (let i = first; i < Math.min(first + BATCH, em.options.frames); i++) {
        const ref = em.allocFrame(FRAME_BYTES);
        const bytes = em.frames.bytes(ref.handle).subarray(0, FRAME_BYTES);
        renderSyntheticFrame(bytes, FRAME, i);
        brightness.push(mean(bytes));
        frames.push(ref);
      }
      em.reportInferenceTime(performance.now() - t0, frames.length);
      await em.emitBatch(frames); // waits while the buffer is full: the natural throttle
      em.send({ batch, firstFrame: first, brightness } satisfies BatchMessage);
    }
  },
  onEvent(name, payload, em) {
    if (name === 'fps' && typeof payload === 'number') em.fps = payload;
  },
});

/** What the consumer saw. */
export interface PacedExampleResult {
  /** Timestamps (µs) of the frames, in arrival order. */
  readonly timestamps: number[];
  /** Each frame's bytes matched a local render of the same index (read in place, never copied). */
  readonly framesIntact: boolean;
  readonly messages: BatchMessage[];
  readonly stats: PacedEmitterStats;
}

/** Connects, pulls `frames` frames (raising the rate halfway), then reads the messages and stats. */
export async function main(
  frames = 24,
  print: (line: string) => void = console.log,
): Promise<PacedExampleResult> {
  const registry = new CalculatorRegistry(defaultRegistry()).register(
    'ExampleCameraEmitter',
    new URL(import.meta.url),
  );
  const session = new Session({ registry }).add(
    push('connected'),
    push('events'),
    graph()
      .outputSidePacket('stats')
      .node('ExampleCameraEmitter', {
        inputs: { CONNECTED: 'connected', EVENTS: 'events' },
        outputs: { '': 'frames', MESSAGES: 'messages' },
        outputSidePackets: { STATS: 'stats' },
        options: { frames },
      }),
    pull('frames'),
    pull('messages'),
  );
  await using run = session.build();
  await run.start();
  await run.push({ input: 'connected', value: true });

  const timestamps: number[] = [];
  let framesIntact = true;
  const expected = new Uint8Array(FRAME_BYTES);
  for await (const sample of run.output('frames')) {
    const index = timestamps.length;
    timestamps.push(sample.timestamp);
    renderSyntheticFrame(expected, FRAME, index);
    const got = run.frames.bytes((sample.value as FrameRef).handle).subarray(0, FRAME_BYTES);
    framesIntact &&= got.every((b, i) => b === expected[i]);
    run.release(sample); // the frame goes back to the pool
    if (index === Math.floor(frames / 2))
      await run.push({ input: 'events', value: { name: 'fps', payload: 240 } });
  }
  const messages: BatchMessage[] = [];
  for await (const m of run.output('messages')) messages.push(m.value as BatchMessage);
  run.closeInput();
  await run.waitUntilDone();
  const stats = run.outputSidePackets().stats as PacedEmitterStats;
  const spanMs = ((timestamps.at(-1) ?? 0) - (timestamps[0] ?? 0)) / 1000;
  print(
    `${timestamps.length} frames in ${spanMs.toFixed(0)} ms of stream time, ${messages.length} batch messages, ` +
      `${stats.dropped} dropped; frames intact: ${framesIntact}`,
  );
  return { timestamps, framesIntact, messages, stats };
}

function mean(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum += b;
  return sum / bytes.length;
}

// The worker that hosts the calculator imports this module too: only the main thread runs main().
// Not a top-level await: the registry imports this very module while main() runs, and that import
// would wait for this module's evaluation, which would wait for main().
if (isMainThread && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(Number(process.argv[2] ?? 24)).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
