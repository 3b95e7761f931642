/**
 * `weft relay`: the frame relay (one camera thread, one analyzer thread, large RGBA frames read in
 * place), with a progress line and a summary. Exit code 1 if a frame leaked.
 *
 * Threading: main thread of the CLI process.
 */
import { runFrameRelay } from './frame-relay.js';

/** Runs the relay with the parsed flags. */
export async function relayCommand(o: {
  readonly seconds: number;
  readonly width: number;
  readonly height: number;
  readonly slots: number;
}): Promise<void> {
  const { seconds, width, height, slots } = o;
  const tty = process.stderr.isTTY === true;
  process.stdout.write(
    `weft frame relay: camera thread -> analyzer thread -> main, ${width}x${height} RGBA frames ` +
      `(${((width * height * 4) / 2 ** 20).toFixed(2)} MiB), ${slots} pool slots, ${seconds}s\n`,
  );
  const s = await runFrameRelay({
    seconds,
    width,
    height,
    slots,
    progress: (line) => process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`),
  });
  if (tty) process.stderr.write('\n');
  const rows: [string, string][] = [
    ['frames', String(s.frames)],
    ['throughput', `${s.fps.toFixed(1)} fps`],
    [
      'frame data handed over',
      `${(s.bytesPerSecond / 2 ** 30).toFixed(2)} GiB/s, 0 bytes copied between threads`,
    ],
    [
      'latency camera -> main',
      `p50 ${s.p50Ms.toFixed(3)} ms  p90 ${s.p90Ms.toFixed(3)} ms  p99 ${s.p99Ms.toFixed(3)} ms`,
    ],
    ['frames in flight (max)', `${s.highWater} of ${s.slots} slots`],
    ['frames leaked', String(s.framesLeaked)],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(w)}  ${v}\n`);
  if (s.framesLeaked !== 0) process.exitCode = 1;
}
