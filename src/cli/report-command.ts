/**
 * `weft report --redis URL`: accounts every frame of a fleet that spans hosts, from Redis: produced =
 * processed + dropped (+ dead-lettered), per camera, deduplicated by (camera, frame), each writer's
 * frames in order. Exit code 1 when a frame is lost or out of order.
 *
 * Threading: main thread of the CLI process.
 */
import type { RedisTlsFiles } from '../redis/redis-tls.js';

/** The parsed flags. */
export interface ReportFlags {
  readonly redis: string;
  readonly prefix: string;
  readonly json: boolean;
  readonly tls: RedisTlsFiles;
}

/** Prints the report; sets exit code 1 when frames are unaccounted for or out of order. */
export async function reportCommand(f: ReportFlags): Promise<void> {
  const { clusterReport } = await import('../redis/redis-report.js');
  const r = await clusterReport(f.redis, f.prefix, f.tls);
  if (f.json) {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  } else {
    const rows: [string, string][] = [
      ['cameras', String(r.cameras)],
      ['frames produced', String(r.produced)],
      [
        'processed (unique)',
        `${r.processed} (${r.duplicates} duplicates: delivered again after a consumer died)`,
      ],
      ['claimed from dead consumers', String(r.redelivered)],
      ['dropped at the cameras', String(r.dropped)],
      ['dead-lettered', String(r.deadLettered)],
      ['lost', String(r.lost)],
      ['cameras not accounted for', String(r.camerasNotAccounted)],
      ['per-writer order errors', String(r.orderErrors)],
      [
        'results per consumer',
        Object.entries(r.writers)
          .map(([w, n]) => `${w} ${n}`)
          .join(', ') || 'none',
      ],
    ];
    const w = Math.max(...rows.map((x) => x[0].length));
    for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(w)}  ${v}\n`);
  }
  if (r.lost !== 0 || r.camerasNotAccounted !== 0 || r.orderErrors !== 0 || r.unreadable !== 0)
    process.exitCode = 1;
}
