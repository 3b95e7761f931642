/**
 * A MediaPipe text-format graph, run by weft: graph input → FlowLimiter (with its FINISHED back
 * edge) → Adder (the limited stream added to itself) → graph output.
 *
 * Run it: `npx tsx examples/mediapipe-text-graph.ts`
 */
import { pathToFileURL } from 'node:url';
import { CalculatorGraph } from '../src/index.js';

export const GRAPH = `
# Frames arrive on "in"; at most 2 are in flight between the limiter and the adder.
input_stream: "in"
output_stream: "out"
max_queue_size: 100

node {
  calculator: "FlowLimiterCalculator"
  input_stream: "in"
  input_stream: "FINISHED:out"
  input_stream_info { tag_index: "FINISHED" back_edge: true }
  output_stream: "limited"
  node_options {
    [type.googleapis.com/mediapipe.FlowLimiterCalculatorOptions] { max_in_flight: 2 max_in_queue: 1 }
  }
}

node {
  calculator: "AdderCalculator"
  input_stream: "limited"
  input_stream: "limited"
  output_stream: "out"
}
`;

/** Pushes `count` numbers through the graph; returns what came out as [timestamp, value] pairs. */
export async function main(
  count = 50,
  print: (line: string) => void = console.log,
): Promise<[number, unknown][]> {
  const g = CalculatorGraph.fromText(GRAPH);
  const out: [number, unknown][] = [];
  g.observeOutputStream('out', (ts, value) => out.push([ts, value]));
  try {
    await g.startRun();
    for (let i = 1; i <= count; i++) await g.addPacket('in', i, i * 1000);
    g.closeAllInputStreams();
    await g.waitUntilDone();
  } finally {
    await g.close();
  }
  print(`pushed ${count} packets, ${out.length} passed the flow limiter (the rest were dropped while busy)`);
  for (const [ts, v] of out.slice(0, 5)) print(`  t=${ts} µs  ${String(v)}`);
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
