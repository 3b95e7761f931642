/**
 * Synchronous mode: a self-contained job — its own source and its own sink — run to the end of its
 * streams in one call, like a file-to-file conversion. Records from a source are shifted by 1 ms and
 * scaled (Adder on the stream twice), a Collector gathers them, and the result is written as JSON
 * lines to a file.
 *
 * `session.run()` drives the clock: it opens the pipeline, runs it until every stream ended, and
 * resolves with the output side packets (or rejects with the first error, naming node and phase).
 *
 * Run it: `npx tsx examples/sync-job.ts [output-dir]`
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { graph, Session } from '../src/index.js';

/** One record of the output file. */
export interface JobRecord {
  timestamp: number;
  value: number;
}

/** Runs the job; writes `records.jsonl` into `dir` (a new temp dir by default). */
export async function main(
  dir?: string,
  print: (line: string) => void = console.log,
): Promise<{ file: string; records: JobRecord[] }> {
  const session = new Session().add(
    graph()
      .outputSidePacket('collected')
      .node('CounterSourceCalculator', { outputs: { '': 'records' }, options: { count: 8, start: 1 } })
      .node('TimeShiftCalculator', {
        inputs: { '': 'records' },
        outputs: { '': 'shifted' },
        options: { shiftUs: 1000 },
      })
      .node('AdderCalculator', { inputs: { '': ['shifted', 'shifted'] }, outputs: { '': 'doubled' } })
      .node('CollectorCalculator', {
        inputs: { '': 'doubled' },
        outputSidePackets: { COLLECTED: 'collected' },
      }),
  );
  const { collected } = (await session.run()).sidePackets;
  const records = (collected as { timestamp: number; value: number }[]).map((p) => ({
    timestamp: p.timestamp,
    value: p.value,
  }));
  const file = join(dir ?? (await mkdtemp(join(tmpdir(), 'weft-sync-job-'))), 'records.jsonl');
  await writeFile(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  print(`wrote ${records.length} records to ${file}`);
  return { file, records };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv[2]);
