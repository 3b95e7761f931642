import { afterEach, describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { formatDiagSnapshot } from '../src/telemetry/diag-snapshot.js';
import { slowChain, slowRegistry } from './fixtures/graph/slow-chain.js';

let g: CalculatorGraph | undefined;
afterEach(async () => {
  await g?.close();
});

describe('RunDiagSnapshot', () => {
  it('names the deliberately slow stage as the bottleneck and counts packets per stream', async () => {
    g = new CalculatorGraph(slowChain(300, 3000, true).build(), { registry: slowRegistry, ringBytes: 1024 });
    await g.runToCompletion();
    const snap = g.diagnose();
    expect(snap.bottleneck).toBe('slow');
    expect(snap.pads).toEqual([
      { stream: 'a', from: 'source', to: 'fast', packets: 300 },
      { stream: 'b', from: 'fast', to: 'slow', packets: 300 },
      { stream: 'c', from: 'slow', to: 'after', packets: 300 },
    ]);
    const slow = snap.elements.find((e) => e.node === 'slow')!;
    expect(slow).toMatchObject({ processCalls: 300, packetsIn: 300, packetsOut: 300 });
    const text = formatDiagSnapshot(snap);
    expect(text).toContain('bottleneck: slow');
    expect(text).toContain('fast -> slow  "b"  300 packets');
  });
});
