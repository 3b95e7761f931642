// Frames and structured values through Redis and back: a producer writes entries in the wire
// format, a graph reads them through a consumer group and writes them to another stream, acknowledging
// each source entry only once its result was written.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { graph } from '../src/core/graph-builder.js';
import type { RedisConnection } from '../src/redis/redis-connection.js';
import { DEFAULT_WIRE_LIMITS, decodeEntry, encodeEntry } from '../src/redis/stream-wire-format.js';
import { Codec } from '../src/transport/codec.js';
import { runRedisTests, useRedisServer } from './helpers/redis-server.js';

const codec = new Codec();

function frameBytes(i: number): Buffer {
  return Buffer.from(Array.from({ length: 1000 + i }, (_, k) => (k * 7 + i) & 0xff));
}

async function readAll(c: RedisConnection, stream: string): Promise<{ id: string; fields: unknown[] }[]> {
  const reply = await c.command<unknown[][]>(['XRANGE', stream, '-', '+'], 'XRANGE');
  return reply.map((e) => ({ id: String(e[0]), fields: e[1] as unknown[] }));
}

describe.skipIf(!runRedisTests)('Redis stream source and sink', () => {
  const redis = useRedisServer();

  it('round-trips frames and structured values, and acknowledges every entry once written', async () => {
    const values = [
      { camera: 3, seq: 0, boxes: new Float32Array([1, 2, 3, 4]), label: 'a' },
      [1, 'two', null],
      'plain',
      42,
    ];
    for (let i = 0; i < 20; i++) {
      await redis.c.command(
        [
          'XADD',
          'frames',
          '*',
          ...encodeEntry(codec, { kind: 'frame', camera: 1, frame: i, shape: [1000 + i] }, frameBytes(i)),
        ],
        'XADD',
      );
    }
    for (const v of values)
      await redis.c.command(
        ['XADD', 'values', '*', ...encodeEntry(codec, { kind: 'value', value: v })],
        'XADD',
      );
    const source = (name: string, stream: string, port: 'FRAME' | 'VALUE') => ({
      name,
      outputs: { [port]: `${name}_out`, META: `${name}_meta` },
      options: {
        url: redis.server.url,
        streams: [stream],
        group: 'g',
        consumer: `${name}-1`,
        stopWhenDrainedMs: 0,
        claimEveryMs: 50,
      },
    });
    const sink = (name: string, from: string, stream: string) => ({
      name,
      inputs: { IN: `${from}_out`, ACK: `${from}_meta` },
      options: { url: redis.server.url, stream },
    });
    const g = new CalculatorGraph(
      graph()
        .node('RedisStreamSourceCalculator', source('fsrc', 'frames', 'FRAME'))
        .node('RedisStreamSinkCalculator', sink('fsink', 'fsrc', 'frames-out'))
        .node('RedisStreamSourceCalculator', source('vsrc', 'values', 'VALUE'))
        .node('RedisStreamSinkCalculator', sink('vsink', 'vsrc', 'values-out'))
        .build(),
    );
    try {
      await g.runToCompletion();
    } finally {
      await g.close();
    }
    const frames = await readAll(redis.c, 'frames-out');
    expect(frames).toHaveLength(20);
    frames.forEach((e, i) => {
      const entry = decodeEntry(codec, e.fields, DEFAULT_WIRE_LIMITS, 'frames-out');
      expect(entry.header.kind).toBe('frame');
      expect(Buffer.compare(Buffer.from(entry.bytes!), frameBytes(i))).toBe(0);
    });
    const outValues = (await readAll(redis.c, 'values-out')).map(
      (e) => decodeEntry(codec, e.fields, DEFAULT_WIRE_LIMITS, 'v').header.value,
    );
    expect(outValues).toEqual(values);
    for (const s of ['frames', 'values']) {
      const pending = await redis.c.command<unknown[]>(['XPENDING', s, 'g'], 'XPENDING');
      expect(Number(pending[0])).toBe(0);
    }
  });

  it('fails the run with RedisCommandError naming node and stream when a key is not a stream', async () => {
    await redis.c.command(['SET', 'not-a-stream', 'x'], 'SET');
    const g = new CalculatorGraph(
      graph()
        .node('RedisStreamSourceCalculator', {
          name: 'source',
          outputs: { VALUE: 'v' },
          options: { url: redis.server.url, streams: ['not-a-stream'], ack: 'read' },
        })
        .build(),
    );
    const err = await g.runToCompletion().then(
      () => undefined,
      (e: unknown) => e,
    );
    await g.close();
    const chain: { code?: unknown; stream?: unknown }[] = [];
    for (
      let e = err as { code?: unknown; stream?: unknown; cause?: unknown } | undefined;
      e != null;
      e = e.cause as typeof e
    )
      chain.push(e);
    expect(err).toMatchObject({ node: 'source', phase: 'open' });
    expect(chain.find((e) => e.code === 'ERR_WEFT_REDIS_COMMAND')).toMatchObject({ stream: 'not-a-stream' });
  });

  it('settles every output at each timestamp: a node joining FRAME and VALUE of one source goes on', async () => {
    // One stream of mixed entries: a frame, then values. A merge of FRAME and VALUE sees each
    // timestamp settled on both (the output without a packet has its bound moved), so every entry
    // reaches the sink and is acknowledged: nothing waits for the end of the stream.
    await redis.c.command(
      ['XADD', 'mixed', '*', ...encodeEntry(codec, { kind: 'frame', camera: 1, frame: 0 }, frameBytes(0))],
      'XADD',
    );
    for (let i = 0; i < 4; i++)
      await redis.c.command(
        ['XADD', 'mixed', '*', ...encodeEntry(codec, { kind: 'value', value: i })],
        'XADD',
      );
    const url = redis.server.url;
    const g = new CalculatorGraph(
      graph()
        .node('RedisStreamSourceCalculator', {
          name: 'source',
          outputs: { FRAME: 'f', VALUE: 'v', META: 'm' },
          options: { url, streams: ['mixed'], stopWhenDrainedMs: 0 },
        })
        .node('MergeCalculator', { inputs: { '': ['f', 'v'] }, outputs: { '': 'all' } })
        .node('RedisStreamSinkCalculator', {
          name: 'sink',
          inputs: { IN: 'all', ACK: 'm' },
          options: { url, stream: 'mixed-out' },
        })
        .build(),
    );
    try {
      await g.runToCompletion();
    } finally {
      await g.close();
    }
    const out = (await readAll(redis.c, 'mixed-out')).map((e) =>
      decodeEntry(codec, e.fields, DEFAULT_WIRE_LIMITS, 'mixed-out'),
    );
    expect(out.map((e) => e.header.kind)).toEqual(['frame', 'value', 'value', 'value', 'value']);
    expect(out.slice(1).map((e) => e.header.value)).toEqual([0, 1, 2, 3]);
    const pending = await redis.c.command<unknown[]>(['XPENDING', 'mixed', 'weft'], 'XPENDING');
    expect(Number(pending[0])).toBe(0);
  });
});

describe('a Redis node without a URL', () => {
  const cases: [string, Record<string, unknown>, Record<string, string>][] = [
    ['RedisStreamSourceCalculator', { streams: ['in'], ack: 'read' }, { VALUE: 'v' }],
    ['RedisStreamSinkCalculator', { stream: 'out' }, {}],
  ];
  it.each(cases)(
    '%s fails its open typed, naming the node, before connecting',
    async (calculator, options, outputs) => {
      const g = new CalculatorGraph(graph().node(calculator, { name: 'redis', outputs, options }).build());
      try {
        const err = await g.runToCompletion().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toMatchObject({ node: 'redis', phase: 'open' });
        const chain: unknown[] = [];
        for (
          let e = err as { code?: unknown; cause?: unknown } | undefined;
          e != null;
          e = e.cause as typeof e
        )
          chain.push(e.code);
        expect(chain).toContain('ERR_WEFT_INVALID_ARGUMENT');
        expect(String((err as Error).message)).toContain('no Redis URL');
      } finally {
        await g.close();
      }
    },
  );
});
