// `weft/calculator`, the entry calculator modules import: every node's thread imports its module,
// so the entry must carry nothing of the runtime (no graphs, sessions, Redis, HTTP server), and its
// values must be the very objects `weft` exports. `weft` itself loads no third-party package or
// Node subsystem that only a feature needs. Runs the compiled package (`npm test` builds).
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as entry from '../src/calculator.js';
import * as weft from '../src/index.js';

const probe = new URL('./fixtures/calculator-entry/probe.mjs', import.meta.url);
const values = Object.keys(entry);

interface ProbeReply {
  readonly subsystems: string[];
  readonly packages: string[];
  readonly missing: string[];
  readonly differing: string[];
}

async function probeThread(entries: string[]): Promise<ProbeReply> {
  const w = new Worker(probe, { workerData: { entries, names: values } });
  try {
    const reply = once(w, 'message').then(([m]) => m as ProbeReply);
    const exit = once(w, 'exit').then(([code]) => {
      throw new Error(`the probe thread exited (code ${String(code)}) without a reply`);
    });
    return await Promise.race([reply, exit]);
  } finally {
    await w.terminate();
  }
}

describe('weft/calculator', () => {
  it('exports only what weft exports, under the same names', () => {
    const missing = values.filter((n) => !(n in weft));
    expect(missing).toEqual([]);
    expect(values).toEqual(expect.arrayContaining(['defineCalculator', 'STOP', 'Timestamp', 'WeftError']));
  });

  it('loads on a fresh thread no npm package and none of Node’s networking subsystems', async () => {
    expect(await probeThread(['weft/calculator'])).toMatchObject({ subsystems: [], packages: [] });
  });

  it('hands a thread the same objects as weft, whichever is imported first', async () => {
    for (const order of [
      ['weft/calculator', 'weft'],
      ['weft', 'weft/calculator'],
    ]) {
      expect(await probeThread(order)).toMatchObject({ missing: [], differing: [] });
    }
  });
});

describe('import weft on a fresh thread', () => {
  it('loads only its data- and control-plane packages: metrics, pools, Redis, TLS and HTTP load when used', async () => {
    expect(await probeThread(['weft'])).toMatchObject({
      subsystems: [],
      packages: ['@msgpack/msgpack', 'comlink'],
    });
  });
});
