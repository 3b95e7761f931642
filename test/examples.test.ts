// The examples are part of the documentation: they run here so that they cannot rot.
import { describe, expect, it } from 'vitest';
import { main as textGraph } from '../examples/mediapipe-text-graph.js';
import { main as supervised } from '../examples/supervised-pipeline.js';
import { main as tsGraph } from '../examples/typescript-graph.js';

describe('examples', () => {
  it('mediapipe-text-graph: packets pass the flow limiter and come out doubled, in order', async () => {
    const lines: string[] = [];
    const out = await textGraph(50, (l) => lines.push(l));
    expect(out.length).toBeGreaterThan(0);
    expect(out.length).toBeLessThanOrEqual(50);
    for (const [ts, v] of out) expect(v).toBe((ts / 1000) * 2);
    expect(out.map(([ts]) => ts)).toEqual([...out.map(([ts]) => ts)].sort((a, b) => a - b));
    expect(lines[0]).toContain('passed the flow limiter');
  });

  it('typescript-graph: the collector returns every shifted packet', async () => {
    const packets = await tsGraph(() => {});
    expect(packets).toEqual(
      [10, 20, 30, 40, 50].map((value, i) => expect.objectContaining({ timestamp: i + 1000, value })),
    );
  });

  it('supervised-pipeline: the scorer crashes its thread once, restarts, and loses nothing', async () => {
    const lines: string[] = [];
    const r = await supervised([1, 2, 3, 4, 5], (l) => lines.push(l));
    expect(r.scores).toEqual([1, 4, 9, 16, 25]);
    expect(r.lost).toBe(0);
    expect(r.restarts.map((x) => [x.node, x.action, x.phase, x.code])).toEqual([
      ['scorer', 'restart', 'process', 'ERR_WEFT_WORKER_EXIT'],
    ]);
    expect(lines.at(-1)).toBe('scores 1, 4, 9, 16, 25; 0 readings lost');
  });
});
