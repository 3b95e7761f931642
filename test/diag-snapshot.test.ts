import { afterEach, describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { type ElementTiming, formatDiagSnapshot } from '../src/telemetry/diag-snapshot.js';
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

/** One element's figures: a node that worked half its time, with the counts given. */
function element(node: string, o: Partial<ElementTiming> = {}): ElementTiming {
  return {
    node,
    calculator: 'PassThroughCalculator',
    workShare: 0.5,
    backPressuredShare: 0,
    idleShare: 0.5,
    processCalls: 8,
    packetsIn: 8,
    packetsOut: 8,
    restarts: 0,
    lost: 0,
    ...o,
  };
}

describe('formatDiagSnapshot', () => {
  it('has a restarts/lost column, as the JSON has them', () => {
    const text = formatDiagSnapshot({
      elements: [element('decode'), element('flaky', { packetsOut: 6, restarts: 3, lost: 2 })],
      pads: [],
      bottleneck: undefined,
    });
    const [header, decode, flaky] = text.split('\n');
    expect(header).toBe('node     work  back-pressured  idle   calls  restarts/lost  packets in/out');
    expect(decode).toBe('decode    50%              0%    50%       8            0/0  8/8');
    expect(flaky).toBe('flaky     50%              0%    50%       8            3/2  8/6');
  });
});
