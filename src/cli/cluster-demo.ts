/**
 * `weft demo --redis URL`: this process as one host of a fleet that spans hosts. Each lane reads its
 * share of the feed's streams through the consumer group, runs preprocess and inference, writes
 * detections to `<prefix>:results` and acknowledges the entries. Run several at once: they share
 * the work; kill one and the others claim what it left pending. Prints progress and a summary; the
 * URL is shown redacted.
 *
 * Threading: main thread of the CLI process.
 */
import type { RedisFigures } from '../redis/redis-counters.js';
import { redactRedisUrl } from '../redis/redis-url.js';
import type { DemoFlags } from './fleet-demo.js';
import { onInterrupt } from './interrupt.js';
import { createProgress } from './progress.js';
import { redisTlsFiles } from './redis-tls-flags.js';
import { ResidentMemory } from './resident-memory.js';

function line(f: RedisFigures, seconds: number, rssMib: number): string {
  return (
    `read ${f.read}  written ${f.written}  acked ${f.acked}  claimed ${f.claimed}  ` +
    `dead-lettered ${f.deadLettered}  reconnects ${f.reconnects}  ${ResidentMemory.label(rssMib)}  (${seconds.toFixed(0)} s)`
  );
}

/** Runs this host's share; exit code 1 on failure (thrown), 130 when interrupted. */
export async function clusterDemo(flags: DemoFlags, fallback: (name: string) => unknown): Promise<void> {
  const { runRedisFleet } = await import('../redis/redis-fleet-run.js');
  const url = flags.redis as string;
  const num = (key: string, name: string) => (flags[key] ?? fallback(name)) as number;
  const seconds = flags.seconds as number | undefined;
  const idleExit = (flags.idleExit as number | undefined) ?? -1;
  const lanes = num('shards', 'shards');
  const prefix = (flags.prefix as string | undefined) ?? 'weft';
  process.stdout.write(
    `weft demo on ${redactRedisUrl(url)}: ${lanes} lane(s) of consumer group ${prefix}-fleet -> preprocess -> ` +
      `ONNX tiny classifier -> ${prefix}:results; ${seconds === undefined ? (idleExit >= 0 ? `until drained for ${idleExit} ms` : 'until Ctrl-C') : `${seconds} s`}\n`,
  );
  const interrupt = new AbortController();
  const stopListening = onInterrupt(() => interrupt.abort());
  const progress = createProgress();
  progress.update('connecting to Redis, starting actors');
  const memory = new ResidentMemory();
  const report = await runRedisFleet({
    url,
    tls: redisTlsFiles(flags),
    prefix,
    lanes,
    streams: (flags.streams as number | undefined) ?? 32,
    size: num('size', 'size'),
    batchSize: num('batch', 'batch'),
    batchTimeoutMs: num('batchTimeout', 'batch-timeout'),
    stopWhenDrainedMs: idleExit,
    ...(flags.claimIdle === undefined ? {} : { claimIdleMs: flags.claimIdle as number }),
    ...(flags.consumer === undefined ? {} : { consumerPrefix: flags.consumer as string }),
    ...(seconds === undefined ? {} : { seconds }),
    signal: interrupt.signal,
    onProgress: (f, t) => progress.update(line(f, t, memory.sample(t))),
  }).finally(stopListening);
  progress.clear();
  const f = report.figures;
  process.stdout.write(
    `  ${line(f, report.seconds, memory.sample(report.seconds))}\n  throughput ${report.fps.toFixed(0)} fps over ${report.seconds.toFixed(1)} s\n` +
      `  resident memory ${memory.summary()}\n`,
  );
  if (interrupt.signal.aborted) process.exitCode = 130;
}
