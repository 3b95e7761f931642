/**
 * Command-line values: commander parsers that turn a flag's text into a checked number (a bad
 * value is a usage error naming the flag), and the demo's flags with their defaults.
 *
 * Threading: main thread of the CLI process.
 */
import { InvalidArgumentError as FlagError } from 'commander';
import { bareMessage, UsageError, WeftError } from '../core/errors.js';
import { FLEET_DEFAULTS, hostShards } from '../fleet/fleet-graph.js';
import { parseRedisUrl } from '../redis/redis-url.js';

/** A parser of a number ≥ `min`. */
export function number(name: string, min = 0): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < min) {
      throw new FlagError(`--${name} takes a number ≥ ${min}`);
    }
    return n;
  };
}

/**
 * `--redis URL`, checked as the flag is read (a usage error, before anything is printed or
 * connected). A UsageError, not commander's flag error: commander would quote the raw value, and
 * with it the password; this message shows the URL redacted.
 */
export function redisUrl(raw: string): string {
  try {
    parseRedisUrl(raw);
  } catch (err) {
    throw new UsageError(`--redis: ${err instanceof WeftError ? bareMessage(err) : String(err)}`);
  }
  return raw;
}

/** The most cameras a fleet or feed takes: seed 004 runs 1000; a million frames' bookkeeping still fits. */
export const MAX_CAMERAS = 1_000_000;

/** A parser of a whole number in [min, max] (decimal digits only). */
export function count(name: string, min = 1, max = Number.MAX_SAFE_INTEGER): (raw: string) => number {
  return (raw) => {
    // Decimal digits only: Number() would also take 1e3 and 0x10.
    const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
      throw new FlagError(`--${name} takes a whole number ${range}`);
    }
    return n;
  };
}

/** A parser of a probability in [0, 1]. */
export function probability(name: string): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (raw.trim() === '' || !(n >= 0 && n <= 1))
      throw new FlagError(`--${name} takes a probability in [0, 1]`);
    return n;
  };
}

/** One of the demo's flags. */
export interface DemoFlag {
  readonly flags: string;
  readonly help: string;
  readonly parse: (raw: string) => number | string;
  readonly fallback: number | string;
}

/** The demo's frame size: big enough that per-frame work, not per-packet overhead, dominates. */
export const DEMO_FRAME_SIZE = 96;

/** The share of frames live cameras may drop before `weft demo` fails, in percent. */
export const DEFAULT_MAX_DROP_PERCENT = 1;

/** The demo's flags; `fallback` is the value when the flag is absent. */
export const DEMO_FLAGS: readonly DemoFlag[] = [
  flag('--seconds <n>', 'cameras stop after n seconds, then the pipeline drains', number('seconds', 0.1), 5),
  flag('--cameras <n>', 'synthetic cameras', count('cameras', 1, MAX_CAMERAS), FLEET_DEFAULTS.cameras),
  flag(
    '--shards <k>',
    `camera shards by hash of camera id, each with its own lane (1 per core, at most ${FLEET_DEFAULTS.shards})`,
    count('shards'),
    hostShards(),
  ),
  flag('--fps <f>', 'frames per second per camera; 0: as fast as the pipeline takes them', number('fps'), 0),
  flag('--size <px>', 'frame width and height in pixels (RGBA cameras)', count('size', 8), DEMO_FRAME_SIZE),
  flag(
    '--tensor <type>',
    'uint8 (raw pixels, the model scales them) or float32 (scaled by preprocess)',
    (raw) => {
      if (raw !== 'uint8' && raw !== 'float32') throw new FlagError('--tensor takes uint8 or float32');
      return raw;
    },
    FLEET_DEFAULTS.tensorType,
  ),
  flag('--replicas <r>', 'inference replicas per lane', count('replicas'), FLEET_DEFAULTS.inferenceReplicas),
  flag(
    '--preprocess <p>',
    'preprocess replicas per lane',
    count('preprocess'),
    FLEET_DEFAULTS.preprocessReplicas,
  ),
  flag('--batch <b>', 'inference batch size', count('batch'), FLEET_DEFAULTS.batchSize),
  flag(
    '--batch-timeout <ms>',
    'partial batch timeout',
    number('batch-timeout'),
    FLEET_DEFAULTS.batchTimeoutMs,
  ),
  flag(
    '--fault-rate <p>',
    'chaos: probability per inference batch that the inference thread crashes (see --restart)',
    probability('fault-rate'),
    FLEET_DEFAULTS.faultRate,
  ),
  flag(
    '--max-drop <percent>',
    'fail (exit 1) when live cameras dropped more than this share of their frames',
    number('max-drop'),
    DEFAULT_MAX_DROP_PERCENT,
  ),
];

function flag(
  flags: string,
  help: string,
  parse: (raw: string) => number | string,
  fallback: number | string,
): DemoFlag {
  return { flags, help: `${help} (default: ${fallback})`, parse, fallback };
}
