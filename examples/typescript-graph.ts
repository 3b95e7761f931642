/**
 * A graph built with the typed builder: a counter source → TimeShift (+1 ms) → Collector, whose
 * COLLECTED side packet is read after the run.
 *
 * Run it: `npx tsx examples/typescript-graph.ts`
 */
import { pathToFileURL } from 'node:url';
import { CalculatorGraph, graph } from '../src/index.js';

/** Runs the graph; returns the collected packets. */
export async function main(print: (line: string) => void = console.log): Promise<unknown[]> {
  const config = graph()
    .outputSidePacket('collected')
    .node('CounterSourceCalculator', { outputs: { '': 'count' }, options: { count: 5, start: 10, step: 10 } })
    .node('TimeShiftCalculator', {
      inputs: { '': 'count' },
      outputs: { '': 'shifted' },
      options: { shiftUs: 1000 },
    })
    .node('CollectorCalculator', { inputs: { '': 'shifted' }, outputSidePackets: { COLLECTED: 'collected' } })
    .build();
  const g = new CalculatorGraph(config);
  try {
    const { collected } = await g.runToCompletion();
    const packets = collected as { timestamp: number; value: unknown }[];
    print(`collected ${packets.length} packets:`);
    for (const p of packets) print(`  t=${p.timestamp} µs  value=${String(p.value)}`);
    return packets;
  } finally {
    await g.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
