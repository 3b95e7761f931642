/**
 * A throwaway redis-server for the `cluster` suite: Debian's binary on a free loopback port, a
 * temporary directory, no persistence; stopped (and its directory removed) by `close()`.
 *
 * Threading: main thread of the bench process.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';

const BINARY = process.env.WEFT_REDIS_SERVER ?? 'redis-server';

/** True when `redis-server` runs on this machine. */
export function redisServerAvailable(): boolean {
  return spawnSync(BINARY, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A running server and how to stop it. */
export interface BenchRedis {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts a server; resolves once it accepts connections. */
export async function startBenchRedis(): Promise<BenchRedis> {
  const srv = createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
  ];
  const proc: ChildProcess = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`redis-server exited ${code}`)));
  });
  // The server stands for a machine of its own: on a shared host it would get one runnable's share
  // of the cores, and a fleet of consumers would measure the scheduler, not the consumers. Raising
  // its priority needs privileges; without them it keeps the default.
  try {
    setPriority(proc.pid!, -10);
  } catch {
    // Not permitted: measured at the default priority.
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    close: async () => {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await once(proc, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
