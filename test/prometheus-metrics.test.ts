// /metrics: the exposition parses line by line as Prometheus text format 0.0.4, names follow the
// conventions, and the packet counters equal the packets the test sent through a real Run.

import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DashboardServer,
  graph,
  pull,
  push,
  Session,
  serveDashboard,
  WeftMetrics,
} from '../src/index.js';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** A strict parser of the text format: every line is HELP, TYPE, a sample, or empty. */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  const familyOf = (name: string) => {
    if (types.has(name)) return name;
    const base = name.replace(/_(bucket|sum|count)$/, '');
    const t = types.get(base);
    if (t === 'histogram' || (t === 'summary' && !name.endsWith('_bucket'))) return base;
    throw new Error(`sample ${name} before its # TYPE`);
  };
  text.split('\n').forEach((line, i) => {
    const at = `line ${i + 1}: ${line}`;
    if (line === '') return;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta !== null) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      expect(name, at).toMatch(NAME);
      if (kind === 'HELP') {
        expect(helps.has(name), `${at} (HELP twice)`).toBe(false);
        helps.add(name);
      } else {
        expect(TYPES.has(rest), at).toBe(true);
        expect(types.has(name), `${at} (TYPE twice)`).toBe(false);
        types.set(name, rest);
      }
      return;
    }
    expect(line.startsWith('#'), `${at} (an unknown comment)`).toBe(false);
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
    if (m === null) throw new Error(`${at}: not a sample line`);
    const labels: Record<string, string> = {};
    let rest = m[2] ?? '';
    while (rest !== '') {
      const l = /^([^=]+)="((?:[^"\\\n]|\\["\\n])*)"(,|$)/.exec(rest);
      if (l === null) throw new Error(`${at}: bad labels at ${rest}`);
      expect(l[1], at).toMatch(LABEL);
      expect(l[1]! in labels, `${at} (label twice)`).toBe(false);
      labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
      rest = rest.slice(l[0].length);
    }
    const raw = m[3]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : raw === 'NaN' ? NaN : Number(raw);
    if (!/^(NaN|[+-]Inf|-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$/.test(raw)) throw new Error(`${at}: bad value`);
    familyOf(m[1]!);
    samples.push({ name: m[1]!, labels, value });
  });
  return { types, samples };
}

function value(samples: readonly Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    ?.value;
}

describe('Prometheus metrics at /metrics', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  it('parses as the text format and counts exactly the packets sent through a Run', async () => {
    const N = 500;
    const run = new Session({ maxQueueSize: 50 })
      .add(push('in'))
      .add(
        graph()
          .node('PassThroughCalculator', { name: 'first', inputs: { '': 'in' }, outputs: { '': 'mid' } })
          .node('PassThroughCalculator', { name: 'second', inputs: { '': 'mid' }, outputs: { '': 'out' } }),
      )
      .add(pull('out'))
      .build({ latency: 'all' });
    closers.push(() => run.close());
    const ui: DashboardServer = await serveDashboard(run, { title: 'metrics test' });
    closers.push(() => ui.close());
    expect(ui.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    // Before start: the families exist, with no per-node samples yet.
    const early = parseExposition(await (await fetch(ui.metricsUrl)).text());
    expect(early.types.get('weft_node_packets_in_total')).toBe('counter');

    await run.start();
    for (let i = 0; i < N; i++) {
      await run.push({ value: i });
      const r = await run.pull();
      expect(r.status).toBe('sample');
    }
    run.closeInput();
    await run.waitUntilDone();

    const res = await fetch(ui.metricsUrl);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const { types, samples } = parseExposition(await res.text());
    for (const [name, type] of types) {
      expect(name.startsWith('weft_'), name).toBe(true);
      if (type === 'counter') expect(name, name).toMatch(/_total$/);
      else expect(name, name).not.toMatch(/_total$/);
    }
    for (const node of ['first', 'second']) {
      expect(value(samples, 'weft_node_packets_in_total', { node })).toBe(N);
      expect(value(samples, 'weft_node_packets_out_total', { node })).toBe(N);
      expect(value(samples, 'weft_node_process_calls_total', { node })).toBe(N);
      expect(value(samples, 'weft_node_busy_seconds_total', { node })).toBeGreaterThan(0);
      expect(value(samples, 'weft_node_queue_depth', { node, input: '0' })).toBe(0);
      expect(value(samples, 'weft_node_restarts_total', { node })).toBe(0);
      expect(value(samples, 'weft_node_lost_packets_total', { node })).toBe(0);
    }
    expect(value(samples, 'weft_stream_packets_total', { stream: 'in', from: 'graph', to: 'first' })).toBe(N);
    expect(value(samples, 'weft_stream_packets_total', { stream: 'mid', from: 'first', to: 'second' })).toBe(
      N,
    );
    expect(value(samples, 'weft_input_pushed_total', { input: 'in' })).toBe(N);
    expect(value(samples, 'weft_input_dropped_total', { input: 'in', reason: 'drop' })).toBe(0);
    expect(value(samples, 'weft_output_pulled_total', { output: 'out' })).toBe(N);
    expect(types.get('weft_run_latency_seconds')).toBe('summary');
    expect(value(samples, 'weft_run_latency_seconds_count', {})).toBe(N);
    expect(value(samples, 'weft_run_latency_seconds', { quantile: '0.99' })).toBeGreaterThan(0);
    expect(types.get('weft_frame_pool_slots_in_use')).toBe('gauge');
    expect(samples.some((s) => s.name === 'weft_frame_pool_slots' && s.labels.class === '0')).toBe(true);
  });

  it('keeps a registry per server: two servers in one process do not clash', async () => {
    const g = new Session()
      .add(
        push('in'),
        graph().node('PassThroughCalculator', { inputs: { '': 'in' }, outputs: { '': 'out' } }),
        pull('out'),
      )
      .build();
    closers.push(() => g.close());
    const a = await serveDashboard(g);
    closers.push(() => a.close());
    const b = await serveDashboard(g);
    closers.push(() => b.close());
    expect(a.url).not.toBe(b.url);
    expect(a.metrics.registry).not.toBe(b.metrics.registry);
    for (const s of [a, b]) parseExposition(await (await fetch(s.metricsUrl)).text());
  });
});

describe('WeftMetrics readings', () => {
  /** A WeftMetrics whose `read` counts its calls; the figures themselves do not matter here. */
  function counted(): { metrics: WeftMetrics; reads: () => number } {
    let n = 0;
    const metrics = new WeftMetrics(() => {
      n++;
      return {
        atMs: n,
        state: 'running',
        error: undefined,
        stats: [],
        snapshot: undefined,
        snapshotAtMs: n,
        pool: [],
        app: undefined,
      };
    });
    return { metrics, reads: () => n };
  }

  it.each([
    ['scrape()', (m: WeftMetrics) => m.scrape()],
    ['registry.metrics()', (m: WeftMetrics) => m.registry.metrics()],
    [
      'a registry it was merged into',
      (m: WeftMetrics) => Registry.merge([m.registry, new Registry()]).metrics(),
    ],
  ])('takes one fresh reading per collection through %s', async (_how, collect) => {
    const { metrics, reads } = counted();
    await collect(metrics);
    expect(reads()).toBe(1);
    await collect(metrics);
    expect(reads()).toBe(2);
    // Two started in one turn collect the same instant: one reading between them.
    await Promise.all([collect(metrics), collect(metrics)]);
    expect(reads()).toBe(3);
  });
});
