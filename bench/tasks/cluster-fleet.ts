/**
 * `cluster.fleet.1proc` and `cluster.fleet.2proc`: the camera fleet fed from Redis and consumed by
 * one or two `weft demo --redis` processes ("hosts"), each one lane (`--shards 1`: a host with one
 * core's worth of work), results written back to Redis and acknowledged.
 *
 * Both hosts start and warm up (JIT, onnxruntime sessions) on the same stream of frames; then the
 * two cases run in alternating windows of one run: host 1 stopped (`SIGSTOP`: its pending entries
 * wait, nobody claims them within the window) while host 0 works alone, then both (`SIGCONT`).
 * This host's speed drifts within a minute (its cores are shared), so windows seconds apart see the
 * same host where back-to-back runs would not. Throughout, this process keeps about `BACKLOG`
 * frames undelivered in the streams (the group's lag), so neither case ever waits for input. A window's rate is the results written during it over its length; each case
 * pools its windows.
 *
 * Threading: main thread of the bench process; the hosts are child processes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { renderSyntheticFrame } from '../../src/calculators/synthetic-video.js';
import { clusterKeys } from '../../src/redis/cluster-keys.js';
import { RedisConnection } from '../../src/redis/redis-connection.js';
import { encodeEntry } from '../../src/redis/stream-wire-format.js';
import { Codec } from '../../src/transport/codec.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const STREAMS = 8;
const BACKLOG = 2000;
/**
 * Tops the streams up, on the server: KEYS are the N streams then each stream's template (a hash of
 * the entry's fields `h` and `b`); when the group's lag (frames not yet delivered to any consumer,
 * summed over the streams; a stream's length where the server cannot tell) is under ARGV[1], adds
 * ARGV[2] copies of its template to each stream and returns 1, else 0. A frame never crosses a
 * socket after the templates are stored, and one call replaces a look and a write per stream, so
 * this process's CPU stays out of the hosts' way. Lag, not length: a stopped host's pending entries
 * hold the streams' trimming back, so their length would overstate what waits. Every copy is a full
 * entry the hosts read, check and infer as any other; results are not accounted here, so copies may
 * share a camera and frame number.
 */
const TOP_UP = `
local n = #KEYS / 2
local lag = 0
for i = 1, n do
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[i])) do
    local l = false
    for f = 1, #g, 2 do
      if g[f] == 'lag' then l = g[f + 1] end
    end
    -- Unknown (after an XDEL, say): the stream's length, which can only overstate what waits.
    if not l then l = redis.call('XLEN', KEYS[i]) end
    lag = lag + l
  end
end
if lag >= tonumber(ARGV[1]) then return 0 end
for i = 1, n do
  local t = redis.call('HMGET', KEYS[n + i], 'h', 'b')
  for k = 1, tonumber(ARGV[2]) do redis.call('XADD', KEYS[i], '*', 'h', t[1], 'b', t[2]) end
end
return 1`;

/** Sizes of one measurement. */
export interface ClusterFleetSpec {
  readonly url: string;
  readonly size: number;
  readonly warm: number;
  readonly cycles: number;
  readonly windowMs: number;
  readonly refillMs: number;
}

/** Frames per second with one host and with two, pooled over the windows. */
export interface ClusterFleetRates {
  readonly oneProcess: number;
  readonly twoProcesses: number;
}

const tick = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs both cases in alternating windows; see the module comment. */
export async function clusterFleetRates(
  spec: ClusterFleetSpec,
  progress: (m: string) => void,
): Promise<ClusterFleetRates> {
  const keys = clusterKeys('bench');
  const conn = await RedisConnection.open({ url: spec.url, clientName: 'bench-fleet' });
  const hosts: ChildProcess[] = [];
  let errors = '';
  let writing = true;
  let writer: Promise<void> = Promise.resolve();
  const alive = () => {
    if (hosts.some((h) => h.exitCode !== null)) throw new Error(`a host process exited:\n${errors}`);
  };
  try {
    for (let p = 0; p < 2; p++) {
      const args = [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'demo',
        '--redis',
        spec.url,
        '--streams',
        String(STREAMS),
      ];
      // Claims only after a minute: a stopped host's entries stay its own through the windows.
      args.push(
        '--shards',
        '1',
        '--size',
        String(spec.size),
        '--prefix',
        'bench',
        '--consumer',
        `p${p}`,
        '--claim-idle',
        '60000',
      );
      const h = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
      // Kept for a failure's message; the hosts' progress lines would garble the bench's own.
      h.stderr!.on('data', (d: Buffer) => (errors = `${errors}${d.toString()}`.slice(-2000)));
      hosts.push(h);
    }
    progress('cluster: starting 2 host processes');
    for (;;) {
      const list = String(await conn.command(['CLIENT', 'LIST'], 'CLIENT LIST'));
      if (list.includes('name=weft-sink-p0-lane0') && list.includes('name=weft-sink-p1-lane0')) break;
      alive();
      await tick(50);
    }
    const codec = new Codec();
    // One rendered frame per stream, as a template the server copies (see TOP_UP).
    const streams = Array.from({ length: STREAMS }, (_, st) => keys.stream(st));
    const templates = streams.map((stream) => `${stream}:template`);
    for (let st = 0; st < STREAMS; st++) {
      const b = Buffer.alloc(spec.size * spec.size * 4);
      renderSyntheticFrame(b, { width: spec.size, height: spec.size, format: 'rgba', seed: st }, 0);
      const entry = encodeEntry(
        codec,
        { kind: 'frame', camera: st, frame: 0, shape: [spec.size, spec.size, 4] },
        b,
      );
      await conn.command(['HSET', templates[st]!, 'h', entry[1]!, 'b', entry[3]!], 'HSET');
    }
    const topUp = ['EVAL', TOP_UP, String(2 * STREAMS), ...streams, ...templates, String(BACKLOG), '32'];
    writer = (async () => {
      while (writing) {
        // 20 ms drains ~130 of the 2000 waiting frames at the two hosts' rate.
        if (Number(await conn.command(topUp, 'EVAL')) === 0) await tick(20);
      }
    })();
    const results = async () => Number(await conn.command(['XLEN', keys.results], 'XLEN'));
    progress(`cluster: 2 hosts warming up on ${spec.warm} frames`);
    while ((await results()) < spec.warm) {
      alive();
      await tick(20);
    }
    const frames1 = { n: 0, ms: 0 };
    const frames2 = { n: 0, ms: 0 };
    for (let cycle = 1; cycle <= spec.cycles; cycle++) {
      for (const both of [false, true]) {
        hosts[1]!.kill(both ? 'SIGCONT' : 'SIGSTOP');
        progress(`cluster: window ${cycle}/${spec.cycles}, ${both ? 'two hosts' : 'one host'}`);
        await tick(spec.refillMs);
        alive();
        const n0 = await results();
        const t0 = performance.now();
        await tick(spec.windowMs);
        const into = both ? frames2 : frames1;
        into.n += (await results()) - n0;
        into.ms += performance.now() - t0;
      }
    }
    return { oneProcess: (frames1.n * 1000) / frames1.ms, twoProcesses: (frames2.n * 1000) / frames2.ms };
  } finally {
    writing = false;
    await writer.catch(() => {});
    for (const h of hosts) if (h.exitCode === null) h.kill('SIGKILL');
    await Promise.all(
      hosts.map((h) => (h.exitCode === null && h.signalCode === null ? once(h, 'exit') : undefined)),
    );
    await conn.command(['FLUSHALL'], 'FLUSHALL').catch(() => {});
    await conn.close();
  }
}
