import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../src/api/graph-preparation.js';
import { parseGraphText } from '../src/core/graph-text.js';
import { validateGraph } from '../src/core/graph-validation.js';
import { toDot, toMermaid } from '../src/core/graph-viz.js';

const TEXT = `
input_stream: "in"
output_stream: "out"
node {
  name: "limiter"
  calculator: "FlowLimiterCalculator"
  input_stream: "in"
  input_stream: "FINISHED:out"
  input_stream_info { tag_index: "FINISHED" back_edge: true }
  output_stream: "limited"
}
node { name: "pass" calculator: "PassThroughCalculator" input_stream: "limited" output_stream: "out" }
`;

async function resolved() {
  const config = parseGraphText(TEXT);
  const defs = await defaultRegistry().loadAll(config.nodes.map((n) => n.calculator));
  return validateGraph(config, (n) => defs.get(n));
}

describe('graph pictures', () => {
  it('draws a known graph as Mermaid, back edge dashed, with figures', async () => {
    const g = await resolved();
    expect(toMermaid(g, { nodes: { pass: 'busy 50%' }, streams: { limited: '42' } })).toBe(
      [
        'flowchart LR',
        '  in_in(["in"])',
        '  limiter["limiter<br/><small>FlowLimiterCalculator</small>"]',
        '  pass["pass<br/><small>PassThroughCalculator</small><br/>busy 50%"]',
        '  out_out(["out"])',
        '  in_in -->|"in"| limiter',
        '  limiter -->|"limited (42)"| pass',
        '  pass -.->|"out"| limiter',
        '  pass -->|"out"| out_out',
        '',
      ].join('\n'),
    );
  });

  it('draws the same graph as Graphviz dot', async () => {
    const dot = toDot(await resolved());
    expect(dot).toContain('digraph weft {');
    expect(dot).toContain('"in:in" -> "limiter" [label="in"];');
    expect(dot).toContain('"limiter" -> "pass" [label="limited"];');
    expect(dot).toContain('"pass" -> "limiter" [label="out", style=dashed, constraint=false];');
    expect(dot).toContain('"pass" -> "out:out" [label="out"];');
    expect(dot.trim().endsWith('}')).toBe(true);
  });
});
