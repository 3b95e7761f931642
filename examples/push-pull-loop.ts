/**
 * Asynchronous mode: the application drives the clock. A producer task pushes samples from two
 * cameras (stamped with `streamId` and `frameId`) while a consumer task pulls results, concurrently,
 * on one thread; the graph's actors work whenever samples are queued.
 *
 * - `tryPush` in the hot loop, `await push()` only when the input queue is full (policy `wait`).
 * - The consumer iterates the output with `for await`; it ends once `closeInput()` has let every
 *   queued sample through.
 * - `await using` closes the run (threads, frames, queues) whatever happens.
 *
 * Run it: `npx tsx examples/push-pull-loop.ts [samples]`
 */
import { pathToFileURL } from 'node:url';
import { graph, pull, push, Session } from '../src/index.js';

/** One result as the consumer saw it. */
export interface Result {
  camera: number | string | undefined;
  frame: number | undefined;
  value: number;
}

/** Pushes `samples` samples through `rgb → x2 → detections`; returns what the consumer pulled. */
export async function main(samples = 1000, print: (line: string) => void = console.log): Promise<Result[]> {
  const session = new Session()
    .add(push('rgb'))
    .add(graph().node('AdderCalculator', { inputs: { '': ['rgb', 'rgb'] }, outputs: { '': 'detections' } }))
    .add(pull('detections'));
  await using run = session.build({ preset: 'balanced' });
  await run.start();

  const producer = async () => {
    const frameIds = [0, 0];
    for (let i = 0; i < samples; i++) {
      const camera = i % 2;
      const sample = { value: i, streamId: camera, frameId: frameIds[camera]!++ };
      if (!run.tryPush(sample)) await run.push(sample);
    }
    run.closeInput(); // queued work finishes, then the output closes
  };

  const consumer = async () => {
    const results: Result[] = [];
    for await (const s of run.output('detections')) {
      results.push({ camera: s.streamId, frame: s.frameId, value: s.value as number });
    }
    return results;
  };

  const [, results] = await Promise.all([producer(), consumer()]);
  await run.waitUntilDone();
  const last = results[results.length - 1];
  print(
    `pulled ${results.length} results; last: camera ${last?.camera} frame ${last?.frame} → ${last?.value}`,
  );
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main(Number(process.argv[2] ?? 1000));
}
