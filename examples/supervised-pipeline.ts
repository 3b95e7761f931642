/**
 * A stream that outlives a crashing calculator: a "scorer" that crashes its whole thread
 * (`process.exit`) the first time it meets a poisoned reading, under the `restart` policy with
 * at-least-once delivery. The supervisor gives it a fresh instance on a fresh thread, which reads
 * the poisoned reading again and, the fault being transient (a flag file, like a warmed-up cache),
 * scores it: nothing is lost, every restart is reported, and the scores come out in order.
 *
 * This module is both the calculator (its default export, imported by the node's worker thread) and
 * the application (`main`, run on the main thread).
 *
 * Run it: `npx tsx examples/supervised-pipeline.ts`
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import {
  CalculatorRegistry,
  defaultRegistry,
  defineCalculator,
  graph,
  pull,
  push,
  type RestartRecord,
  Session,
} from '../src/index.js';

/** Scores a reading (its square); crashes its thread on `poison` while `flagFile` does not exist. */
export default defineCalculator<{ poison: number; flagFile: string }>({
  name: 'ExampleUnreliableScorer',
  contract: {
    inputs: { '': 'one' },
    outputs: { '': 'one' },
    options: { poison: -1, flagFile: '' },
  },
  create: () => ({
    process(ctx) {
      const reading = ctx.input(0).value as number;
      if (reading === ctx.options.poison && !existsSync(ctx.options.flagFile)) {
        writeFileSync(ctx.options.flagFile, 'crashed once');
        process.exit(70); // the whole thread goes, not just this call
      }
      ctx.output(0).add(reading * reading, ctx.inputTimestamp);
    },
  }),
});

/** What `main` saw. */
export interface SupervisedResult {
  readonly scores: number[];
  readonly restarts: RestartRecord[];
  readonly lost: number;
}

/** Pushes `readings`, poisoning the third; returns the scores and the restarts. */
export async function main(
  readings = [1, 2, 3, 4, 5],
  print: (line: string) => void = console.log,
): Promise<SupervisedResult> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-supervised-'));
  const restarts: RestartRecord[] = [];
  const registry = new CalculatorRegistry(defaultRegistry()).register(
    'ExampleUnreliableScorer',
    new URL(import.meta.url),
  );
  const session = new Session({ registry, onNodeRestart: (r) => restarts.push(r) }).add(
    push('readings'),
    graph().node('ExampleUnreliableScorer', {
      name: 'scorer',
      inputs: { '': 'readings' },
      outputs: { '': 'scores' },
      options: { poison: readings[2] ?? -1, flagFile: join(dir, 'crashed') },
      restart: { policy: 'restart', delivery: 'at-least-once', maxRestarts: 3, periodMs: 10_000 },
    }),
    pull('scores'),
  );
  try {
    await using run = session.build();
    await run.start();
    for (const value of readings) await run.push({ value });
    run.closeInput();
    const scores: number[] = [];
    for await (const s of run.output('scores')) scores.push(s.value as number);
    await run.waitUntilDone();
    const lost = run.stageStats().find((s) => s.node === 'scorer')?.lost ?? 0;
    for (const r of restarts) print(`restarted ${r.node} after ${r.code} in ${r.phase} (${r.count})`);
    print(`scores ${scores.join(', ')}; ${lost} readings lost`);
    return { scores, restarts, lost };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The worker that hosts the calculator imports this module too: only the main thread runs main().
// Not a top-level await: the registry imports this very module while main() runs.
if (isMainThread && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
