// Trimming: a consumer removes the entries every group of its streams delivered and acknowledged,
// on its own cadence (trimEveryMs), not the claim's; an entry still pending, or not yet delivered
// to some group, is kept with everything after it.
import { describe, expect, it } from 'vitest';
import { CalculatorGraph } from '../src/api/calculator-graph.js';
import { BadOptionsError, GraphInvalidError } from '../src/core/errors.js';
import { graph } from '../src/core/graph-builder.js';
import { encodeEntry } from '../src/redis/stream-wire-format.js';
import { Codec } from '../src/transport/codec.js';
import { pollUntil, runRedisTests, useRedisServer } from './helpers/redis-server.js';

const codec = new Codec();

describe.skipIf(!runRedisTests)('trimming acknowledged entries', () => {
  const redis = useRedisServer();
  const cmd = <T = unknown>(args: string[]) => redis.c.command<T>(args, args[0]!);
  const add = async (stream: string, n: number) => {
    for (let i = 0; i < n; i++)
      await redis.c.command(
        ['XADD', stream, '*', ...encodeEntry(codec, { kind: 'value', value: i })],
        'XADD',
      );
  };
  const len = async (stream: string) => Number(await cmd(['XLEN', stream]));
  const written = async () => ((await cmd<number>(['EXISTS', 'out'])) === 1 ? len('out') : 0);
  /** Calls of a command so far, from the server's own statistics. */
  const calls = async (command: string) =>
    Number(
      new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(String(await cmd(['INFO', 'commandstats'])))?.[1] ??
        0,
    );
  /** Waits until the consumer has trimmed three more times: what it keeps, it keeps for good. */
  const threeMoreTrims = async () => {
    const before = await calls('xtrim');
    await pollUntil(async () => (await calls('xtrim')) >= before + 3, 'three more trims ran');
  };
  /**
   * Waits until the consumer has read `n` more times. An empty read blocks 1 ms on the server, so
   * `n` reads of an idle stream span at least `n` ms: several trim periods of 10 ms.
   */
  const moreReads = async (n: number) => {
    const before = await calls('xreadgroup');
    await pollUntil(async () => (await calls('xreadgroup')) >= before + n, `${n} more reads`);
  };

  const readAs = (group: string, who: string, n: number) =>
    cmd(['XREADGROUP', 'GROUP', group, who, 'COUNT', String(n), 'STREAMS', 'a', '>']);
  /** The ids of the first `n` entries of stream `a`. */
  const ids = async (n: number) =>
    (await cmd<[string, unknown][]>(['XRANGE', 'a', '-', '+', 'COUNT', String(n)])).map((e) => e[0]);

  /** A source that never claims within the test and trims every 10 ms, acknowledged at a sink. */
  function consumer(streams: string[]): CalculatorGraph {
    return new CalculatorGraph(
      graph()
        .node('RedisStreamSourceCalculator', {
          name: 'source',
          outputs: { VALUE: 'v', META: 'm' },
          options: {
            url: redis.server.url,
            streams,
            group: 'g',
            consumer: 'live',
            claimIdleMs: 600_000,
            claimEveryMs: 600_000,
            trimEveryMs: 10,
          },
        })
        .node('RedisStreamSinkCalculator', {
          name: 'sink',
          inputs: { IN: 'v', ACK: 'm' },
          options: { url: redis.server.url, stream: 'out', maxLen: 0 },
        })
        .build(),
    );
  }

  it('empties the streams of what was acknowledged while claiming waits its turn', async () => {
    for (const s of ['a', 'b']) await cmd(['XGROUP', 'CREATE', s, 'g', '0', 'MKSTREAM']);
    await add('a', 30);
    await add('b', 20);
    const g = consumer(['a', 'b']);
    try {
      await g.startRun();
      await pollUntil(async () => (await written()) === 50, 'every entry was written and acknowledged');
      // Trimming runs between reads: within a few of them both streams are empty.
      await pollUntil(async () => (await len('a')) + (await len('b')) === 0, 'both streams were trimmed');
      g.closeAllPacketSources();
      await g.waitUntilDone();
    } finally {
      await g.close();
    }
    const pending = await cmd<unknown[]>(['XPENDING', 'a', 'g']);
    expect(Number(pending[0])).toBe(0);
  });

  it('keeps an entry another consumer holds pending, and every entry after it', async () => {
    await cmd(['XGROUP', 'CREATE', 'a', 'g', '0', 'MKSTREAM']);
    await add('a', 5);
    // Five entries done with, then one a consumer that stalls (alive, never acknowledging) holds.
    await readAs('g', 'done', 5);
    await cmd(['XACK', 'a', 'g', ...(await ids(5))]);
    await add('a', 1);
    await readAs('g', 'stalled', 1);
    await add('a', 9);
    const g = consumer(['a']);
    try {
      await g.startRun();
      await pollUntil(async () => (await written()) === 9, 'the live consumer wrote the nine after it');
      await pollUntil(async () => (await len('a')) === 10, 'the five before it were trimmed');
      // The stalled entry and the nine after it stay, trim after trim.
      await threeMoreTrims();
      expect(await len('a')).toBe(10);
      g.closeAllPacketSources();
      await g.waitUntilDone();
    } finally {
      await g.close();
    }
  });

  it('leaves an idle stream alone until it reads from it again', async () => {
    await cmd(['XGROUP', 'CREATE', 'a', 'g', '0', 'MKSTREAM']);
    await add('a', 10);
    const g = consumer(['a']);
    try {
      await g.startRun();
      await pollUntil(async () => (await len('a')) === 0, 'the ten were trimmed');
      // At most a trim or two more to find nothing pending and nothing to remove; then none.
      await moreReads(100);
      const quiet = await calls('xtrim');
      await moreReads(100);
      expect(await calls('xtrim')).toBe(quiet);
      // New entries, read and acknowledged: trimmed again.
      await add('a', 5);
      await pollUntil(async () => (await written()) === 15, 'the five were written');
      await pollUntil(async () => (await len('a')) === 0, 'the five were trimmed');
      expect(await calls('xtrim')).toBeGreaterThan(quiet);
      g.closeAllPacketSources();
      await g.waitUntilDone();
    } finally {
      await g.close();
    }
  });

  it('keeps what a second group has not been delivered yet', async () => {
    await cmd(['XGROUP', 'CREATE', 'a', 'g', '0', 'MKSTREAM']);
    await cmd(['XGROUP', 'CREATE', 'a', 'other', '0']);
    await add('a', 12);
    // The other group has been delivered the first five and acknowledged them.
    await readAs('other', 'o', 5);
    await cmd(['XACK', 'a', 'other', ...(await ids(5))]);
    const g = consumer(['a']);
    try {
      await g.startRun();
      await pollUntil(async () => (await written()) === 12, 'the live consumer wrote all twelve');
      await pollUntil(
        async () => (await len('a')) === 7,
        'the entries both groups are done with were trimmed',
      );
      // The other group's consumers, not this one, trim what they take: seven stay, read after read.
      await moreReads(100);
      expect(await len('a')).toBe(7);
      g.closeAllPacketSources();
      await g.waitUntilDone();
    } finally {
      await g.close();
    }
  });
});

describe('the source’s upkeep cadences', () => {
  it.each([
    ['trimEveryMs', 0],
    ['trimEveryMs', 2.5],
    ['claimEveryMs', 0],
  ])('refuses %s = %s when the run starts, naming the node', async (name, value) => {
    const g = new CalculatorGraph(
      graph()
        .node('RedisStreamSourceCalculator', {
          name: 'source',
          outputs: { VALUE: 'v' },
          options: { url: 'redis://127.0.0.1:1', streams: ['in'], ack: 'read', [name]: value },
        })
        .build(),
    );
    try {
      const err = await g.startRun().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(GraphInvalidError);
      const problem = (err as GraphInvalidError).problems?.[0];
      expect(problem).toBeInstanceOf(BadOptionsError);
      expect(problem).toMatchObject({ node: 'source' });
      expect(String(problem?.message)).toContain(`${name} must be an integer ≥ 1`);
    } finally {
      await g.close();
    }
  });
});
