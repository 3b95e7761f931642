// The Session/Run examples are documentation: they run here so that they cannot rot.
import { readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main as pushPullLoop } from '../examples/push-pull-loop.js';
import { main as syncJob } from '../examples/sync-job.js';

describe('Session/Run examples', () => {
  it('sync-job: runs the job to the end and writes every record to the file', async () => {
    const lines: string[] = [];
    const { file, records } = await syncJob(undefined, (l) => lines.push(l));
    try {
      expect(records).toEqual(
        Array.from({ length: 8 }, (_, i) => ({ timestamp: 1000 + i, value: 2 * (i + 1) })),
      );
      const written = (await readFile(file, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(written).toEqual(records);
      expect(lines[0]).toContain('wrote 8 records');
    } finally {
      await rm(dirname(file), { recursive: true, force: true });
    }
  });

  it('push-pull-loop: every sample comes back doubled, in order, with its camera and frame ids', async () => {
    const results = await pushPullLoop(500, () => {});
    expect(results.map((r) => r.value)).toEqual(Array.from({ length: 500 }, (_, i) => 2 * i));
    for (const [i, r] of results.entries())
      expect(r).toMatchObject({ camera: i % 2, frame: Math.floor(i / 2) });
  });
});
