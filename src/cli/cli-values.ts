/**
 * Command-line values: commander parsers that turn a flag's text into a checked number (a bad
 * value is a usage error naming the flag), and the demo's flags with their defaults.
 *
 * Threading: main thread of the CLI process.
 */
import { InvalidArgumentError as FlagError } from 'commander';
import { FLEET_DEFAULTS, hostShards } from '../fleet/fleet-graph.js';

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

/** A parser of an integer ≥ `min` (default 1). */
export function count(name: string, min = 1): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isSafeInteger(n) || n < min) {
      throw new FlagError(`--${name} takes a whole number ≥ ${min}`);
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
  flag('--cameras <n>', 'synthetic cameras', count('cameras'), FLEET_DEFAULTS.cameras),
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
