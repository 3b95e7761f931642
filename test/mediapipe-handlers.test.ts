// MediaPipe's Mux, Barrier, Immediate and TimestampAlign input stream handler tests
// (stream_handler/mux_input_stream_handler_test.cc, barrier_input_stream_handler_test.cc,
// immediate_input_stream_handler_test.cc, timestamp_align_input_stream_handler_test.cc), ported
// with their inputs and expected outputs.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import MuxCalculator from '../src/calculators/mux.js';
import { Timestamp } from '../src/core/timestamp.js';
import { CalculatorRunner } from '../src/testing/calculator-runner.js';
import { closedAfterEach } from './fixtures/closed-after-each.js';
import { type Call, recorder } from './fixtures/engine/recorder.js';

const { graphs } = closedAfterEach();
const pairs = (r: CalculatorRunner) => r.outputs('OUTPUT').map((p) => [p.timestamp, p.value]);

/** input0, input1 → MuxCalculator (SELECT: select) → output, observed. */
function muxGraph() {
  const g = CalculatorGraph.fromText(`
    input_stream: "input0"
    input_stream: "input1"
    input_stream: "select"
    output_stream: "output"
    node {
      calculator: "MuxCalculator"
      input_stream: "INPUT:0:input0" input_stream: "INPUT:1:input1" input_stream: "SELECT:select"
      output_stream: "OUTPUT:output"
    }
  `);
  graphs.push(g);
  const out: [number, unknown][] = [];
  g.observeOutputStream('output', (ts, v) => out.push([ts, v]));
  return { g, out };
}

describe('MuxInputStreamHandler and MuxCalculator', () => {
  it('MuxingNonEmptyInputs: each select takes its input; the others are dropped', async () => {
    const r = new CalculatorRunner(MuxCalculator, { inputs: { INPUT: 3, SELECT: 1 } });
    await r.open();
    const steps: [number, number][] = [
      [1, 0],
      [2, 1],
      [3, 2],
    ];
    for (const [ts, select] of steps) {
      r.addPacket('SELECT', ts, select);
      for (const [i, v] of [1000, 900, 800].entries()) r.addPacket(`INPUT:${i}`, ts, v);
      await r.run();
    }
    expect(pairs(r)).toEqual([
      [1, 1000],
      [2, 900],
      [3, 800],
    ]);
    await r.close();
  });

  it('TimestampBoundUpdateWhenControlPacketEarlierThanDataPacket: a later data packet means nothing at the select', async () => {
    const spec = recorder({
      inputs: { INPUT: { min: 2, max: 2 }, SELECT: 'one' },
      inputStreamHandler: { name: 'MuxInputStreamHandler' },
    });
    const r = new CalculatorRunner(spec.definition);
    await r.open();
    const seen = () =>
      spec.calls
        .filter((c: Call) => c.phase === 'process')
        .map((c) => [c.ts, c.inputs.SELECT?.value, c.inputs.INPUT?.value ?? null]);
    r.addPacket('SELECT', 1, 0);
    await r.run();
    expect(seen()).toEqual([]); // input 0 has not passed timestamp 1 yet
    r.addPacket('INPUT:0', 2, 1000);
    await r.run();
    expect(seen()).toEqual([[1, 0, null]]);
    // Below the control's bound (2): can never be selected, dropped by the next check.
    r.addPacket('INPUT:1', 1, 900);
    r.addPacket('INPUT:1', 4, 800);
    await r.run();
    r.addPacket('SELECT', 2, 0);
    await r.run();
    expect(seen().at(-1)).toEqual([2, 0, 1000]);
    await r.close();
  });

  it('closes with its control stream, whatever the data inputs do', async () => {
    const r = new CalculatorRunner(MuxCalculator, { inputs: { INPUT: 2, SELECT: 1 } });
    await r.open();
    r.addPacket('INPUT:0', 5, 'late');
    r.closeInput('SELECT');
    await r.run();
    expect(r.state).toBe('closed');
    expect(r.bound('OUTPUT')).toBe(Timestamp.Done);
  });

  it('a select that names no input fails the node, naming the control stream', async () => {
    const r = new CalculatorRunner(MuxCalculator, { inputs: { INPUT: 2, SELECT: 1 } });
    await r.open();
    r.addPacket('SELECT', 1, 7);
    await expect(r.run()).rejects.toMatchObject({ code: 'ERR_WEFT_INVALID_ARGUMENT' });
  });

  it('in a graph: graph inputs muxed by a select stream', async () => {
    const { g, out } = muxGraph();
    await g.startRun();
    for (let ts = 1; ts <= 4; ts++) {
      await g.addPacket('input0', `a${ts}`, ts);
      await g.addPacket('input1', `b${ts}`, ts);
      await g.addPacket('select', ts % 2, ts);
    }
    g.closeAllInputStreams();
    await g.waitUntilDone();
    expect(out).toEqual([
      [1, 'b1'],
      [2, 'a2'],
      [3, 'b3'],
      [4, 'a4'],
    ]);
  });
});

describe('CalculatorGraph.waitUntilIdle, as MediaPipe tests use it', () => {
  it('TimestampBoundUpdateWhenControlPacketEarlierThanDataPacket, step by step', async () => {
    const { g, out } = muxGraph();
    await g.startRun();
    const step = async (adds: [string, number, number][], expected: [number, unknown][]) => {
      for (const [stream, value, ts] of adds) await g.addPacket(stream, value, ts);
      await g.waitUntilIdle();
      expect(out).toEqual(expected);
    };
    await step([['select', 0, 1]], []);
    await step([['input0', 1000, 2]], []);
    await step(
      [
        ['input1', 900, 1],
        ['input1', 800, 4],
      ],
      [],
    );
    await step([['select', 0, 2]], [[2, 1000]]);
    await step([['select', 1, 3]], [[2, 1000]]);
    await step(
      [['select', 1, 4]],
      [
        [2, 1000],
        [4, 800],
      ],
    );
    g.closeAllInputStreams();
    await g.waitUntilDone();
  });

  it("rejects with the run's error", async () => {
    const { g } = muxGraph();
    await g.startRun();
    await g.addPacket('select', 5, 1);
    await expect(g.waitUntilIdle()).rejects.toMatchObject({ code: 'ERR_WEFT_INVALID_ARGUMENT' });
  });
});

describe('BarrierInputStreamHandler', () => {
  it('SimulateProcessNode: fires once every input holds a packet, taking the oldest of each; closes on any end', async () => {
    const spec = recorder({
      inputs: { A: 'one', B: 'one', C: 'one' },
      inputStreamHandler: { name: 'BarrierInputStreamHandler' },
    });
    const r = new CalculatorRunner(spec.definition);
    await r.open();
    const process = () => spec.calls.filter((c: Call) => c.phase === 'process');
    expect(await r.run()).toBe(0);
    r.addPacket('A', 10, 'a1');
    r.addPacket('A', 30, 'a2');
    expect(await r.run()).toBe(0);
    r.addPacket('B', 0, 'b1');
    expect(await r.run()).toBe(0);
    r.addPacket('C', 0, 'c1');
    r.addPacket('C', 1, 'c2');
    expect(await r.run()).toBe(1);
    expect(process()[0]).toMatchObject({
      ts: 0,
      inputs: { A: { value: 'a1' }, B: { value: 'b1' }, C: { value: 'c1' } },
    });
    r.addPacket('B', 1, 'b2');
    expect(await r.run()).toBe(1);
    expect(process()[1]!.inputs).toMatchObject({
      A: { value: 'a2' },
      B: { value: 'b2' },
      C: { value: 'c2' },
    });
    r.addPacket('A', 40, 'a3');
    r.closeInput('B');
    expect(await r.run()).toBe(0);
    expect(r.state).toBe('closed');
  });
});

describe('ImmediateInputStreamHandler', () => {
  it('StreamDoneReady: an input that ends while others are open makes one call, every input empty', async () => {
    const spec = recorder({
      inputs: { INPUT_A: 'one', INPUT_B: 'one', INPUT_C: 'one' },
      inputStreamHandler: { name: 'ImmediateInputStreamHandler' },
    });
    const r = new CalculatorRunner(spec.definition);
    await r.open();
    const process = () => spec.calls.filter((c: Call) => c.phase === 'process');
    const empty = (c: Call) => Object.values(c.inputs).every((i) => i.empty);
    r.addPacket('INPUT_A', 10, 'packet 1');
    expect(await r.run()).toBe(1);
    expect(process()[0]).toMatchObject({ ts: 10, inputs: { INPUT_A: { value: 'packet 1' } } });
    // No packets arrive: not ready.
    expect(await r.run()).toBe(0);
    // Done arrives on INPUT_B: one call, nothing in it, at the lowest bound of the others
    // (INPUT_C has seen nothing: PreStream).
    r.closeInput('INPUT_B');
    expect(await r.run()).toBe(1);
    expect(empty(process()[1]!)).toBe(true);
    expect(process()[1]!.ts).toBe(Timestamp.PreStream);
    expect(await r.run()).toBe(0);
    // A bound alone is not ready.
    r.setBound('INPUT_A', 200);
    expect(await r.run()).toBe(0);
    // Another Done: another call.
    r.closeInput('INPUT_A');
    expect(await r.run()).toBe(1);
    expect(empty(process()[2]!)).toBe(true);
    // The last input ends: the node closes, with no call.
    r.closeInput('INPUT_C');
    expect(await r.run()).toBe(0);
    expect(process()).toHaveLength(3);
    expect(r.state).toBe('closed');
  });
});

describe('TimestampAlignInputStreamHandler', () => {
  it('Initialization: VIDEO is lined up on the CAMERA clock from the first packet it shows', async () => {
    const spec = recorder({
      inputs: { VIDEO: 'one', CAMERA: 'one' },
      inputStreamHandler: { name: 'TimestampAlignInputStreamHandler', timestampBaseTagIndex: 'CAMERA' },
    });
    const r = new CalculatorRunner(spec.definition);
    await r.open();
    const calls = () =>
      spec.calls
        .filter((c: Call) => c.phase === 'process')
        .map((c) => [
          c.ts,
          c.inputs.CAMERA?.empty ? null : c.inputs.CAMERA?.value,
          c.inputs.VIDEO?.empty ? null : c.inputs.VIDEO?.value,
        ]);
    const step = async (input: string, value: number, ts: number, expected: unknown[][]) => {
      r.addPacket(input, ts, value);
      await r.run();
      expect(calls()).toEqual(expected);
    };
    const seen: unknown[][] = [];
    await step('CAMERA', 1, 101, seen.concat([[101, 1, null]]));
    seen.push([101, 1, null]);
    await step('CAMERA', 2, 102, [...seen, [102, 2, null]]);
    seen.push([102, 2, null]);
    await step('VIDEO', 1, 1, seen); // buffered: no camera packet to line it up with yet
    await step('CAMERA', 3, 103, [...seen, [103, 3, 1]]); // offset 102 fixed here
    seen.push([103, 3, 1]);
    await step('CAMERA', 4, 104, seen); // VIDEO might still bring 2 (104 on the camera clock)
    await step('VIDEO', 4, 4, [...seen, [104, 4, null]]);
    seen.push([104, 4, null]);
    r.closeInput('CAMERA');
    r.closeInput('VIDEO');
    await r.run();
    expect(calls()).toEqual([...seen, [106, null, 4]]);
    expect(r.state).toBe('closed');
  });
});
