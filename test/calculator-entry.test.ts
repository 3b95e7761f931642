// `weft/calculator`, the entry calculator modules import: every node's thread imports its module,
// so the entry must carry nothing of the runtime (no graphs, sessions, Redis, HTTP server), and its
// values must be the very objects `weft` exports. Runs the compiled package (`npm test` builds).
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as entry from '../src/calculator.js';
import * as weft from '../src/index.js';

const probe = new URL('./fixtures/calculator-entry/probe.mjs', import.meta.url);
const values = Object.keys(entry);

async function probeThread(entries: string[]): Promise<{ loaded: string[]; differing: string[] }> {
  const w = new Worker(probe, { workerData: { entries, names: values } });
  try {
    const [reply] = (await once(w, 'message')) as [{ loaded: string[]; differing: string[] }];
    return reply;
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

  it('loads on a fresh thread without Node’s networking subsystems, as weft itself does', async () => {
    expect((await probeThread(['weft/calculator'])).loaded).toEqual([]);
    // The dashboard's http, Redis's tls: loaded by the features that use them, not by the import.
    expect((await probeThread(['weft'])).loaded).toEqual([]);
  });

  it('hands a thread the same objects as weft, whichever is imported first', async () => {
    expect((await probeThread(['weft/calculator', 'weft'])).differing).toEqual([]);
    expect((await probeThread(['weft', 'weft/calculator'])).differing).toEqual([]);
  });
});
