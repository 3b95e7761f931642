/**
 * The machine and run a bench JSON file was measured on. Absolute rates mean little without it
 * (and little with it on shared 2-core machines); the README names the machine from these fields.
 *
 * Threading: main thread.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** Where and how a run was measured; the `env` object of the JSON file. */
export interface BenchEnv {
  node: string;
  v8: string;
  /** e.g. `Linux 6.8.0 x64`. */
  os: string;
  cpuModel: string;
  /** `os.availableParallelism()`: the cores this process may use. */
  cores: number;
  totalMemoryBytes: number;
  /** ISO date and time the run started. */
  date: string;
  /** `git rev-parse HEAD`, or null outside a checkout. */
  commit: string | null;
  /** True when the checkout had uncommitted changes. */
  dirty: boolean | null;
  quick: boolean;
  repetitions: number;
  /** How one value is chosen from the repetitions. */
  statistic: string;
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Describes this machine and run. */
export function collectEnv(run: { quick: boolean; repetitions: number; statistic: string }): BenchEnv {
  const commit = git(['rev-parse', 'HEAD']);
  const status = commit === null ? null : git(['status', '--porcelain']);
  return {
    node: process.version,
    v8: process.versions.v8,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    totalMemoryBytes: os.totalmem(),
    date: new Date().toISOString(),
    commit,
    dirty: status === null ? null : status.length > 0,
    ...run,
  };
}
