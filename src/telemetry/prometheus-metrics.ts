/**
 * Prometheus metrics of a live graph or Run, in the text exposition format, through `prom-client`.
 *
 * Every metric is collected lazily: a scrape takes one {@link LiveReading} (shared counters, no
 * message to any actor) and each metric's `collect()` copies its figures out of it. Nothing is
 * counted or timed on the data path for Prometheus. Each {@link WeftMetrics} has a private
 * `Registry`, so two servers in one process never share or clash over the global one.
 *
 * Threading: the thread that owns the graph or Run (main thread). Lifecycle: lives as long as its
 * owner keeps it (the dashboard server); holds no timer and no handle.
 */
import type * as PromClient from 'prom-client';
import { requireDependency } from '../core/module-loader.js';
import type { LiveReading } from './live-reading.js';
import { COUNTER_FAMILIES, GAUGE_FAMILIES, type Labels } from './prometheus-families.js';

// prom-client is loaded with the first WeftMetrics, not with weft: an application that serves no
// metrics, and every thread whose calculator module imports weft, would otherwise load it for
// nothing (~25 ms of a fresh thread's start-up). It is CommonJS, so `require` loads it synchronously.
let promClient: typeof PromClient | undefined;
function prom(): typeof PromClient {
  promClient ??= requireDependency<typeof PromClient>('prom-client', 'Prometheus metrics');
  return promClient;
}

/**
 * Loads prom-client now, for a caller that must know before it commits to serving metrics (a
 * server about to listen). Any thread.
 * @throws MissingDependencyError when it cannot be loaded.
 */
export function loadMetricsLibrary(): void {
  prom();
}

/**
 * The metrics of one graph or Run, in a registry of their own.
 *
 * Threading: the thread that owns the graph or Run (normally the main thread): each scrape reads its
 * shared counters there; the registry is prom-client's, which is not shared between threads.
 * Lifecycle: constructing it loads prom-client (MissingDependencyError when it is not installed);
 * it holds no timer or handle, so there is nothing to close.
 */
export class WeftMetrics {
  /** The private registry: register more metrics here to serve them on the same `/metrics`. */
  readonly registry: PromClient.Registry = new (prom().Registry)();
  // The reading of the collection in progress: every collect() of one collection sees the same
  // figures. prom-client calls each metric's collect() synchronously as a collection starts (its
  // `metrics()` maps over them before it first awaits), so a reading lives until the next
  // microtask: one per collection, whether it comes from scrape(), from `registry.metrics()`
  // called directly, or from a registry this one was merged into (collections started in one
  // synchronous turn share it: the same instant).
  private current: LiveReading | undefined;

  /** `read` takes a reading; it is called once per scrape, on the owner's thread. */
  constructor(private readonly read: () => LiveReading) {
    const metrics = this;
    const { Counter, Gauge } = prom();
    for (const [name, help, labelNames, pick] of COUNTER_FAMILIES) {
      new Counter({
        name,
        help,
        labelNames,
        registers: [this.registry],
        collect() {
          // A counter cannot be set: it is rebuilt from the shared counter on each scrape.
          this.reset();
          for (const [labels, value] of pick(metrics.reading())) this.inc(labels, value);
        },
      });
    }
    for (const [name, help, labelNames, pick] of GAUGE_FAMILIES) {
      new Gauge({
        name,
        help,
        labelNames,
        registers: [this.registry],
        collect() {
          this.reset();
          for (const [labels, value] of pick(metrics.reading())) this.set(labels, value);
        },
      });
    }
    const reading = () => this.reading();
    this.registry.registerMetric(
      rendered('weft_run_latency_seconds', 'Push to pull latency of a Run (latency: true).', 'summary', () =>
        runLatency(reading()),
      ),
    );
    this.registry.registerMetric(
      rendered(
        'weft_app_latency_seconds',
        'Latency the application measures (the fleet: capture to sink).',
        'histogram',
        () => appLatency(reading()),
      ),
    );
  }

  /** The exposition's content type (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** One scrape: takes a reading, then renders every metric from it. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  private reading(): LiveReading {
    if (this.current === undefined) {
      this.current = this.read();
      queueMicrotask(() => {
        this.current = undefined;
      });
    }
    return this.current;
  }
}

type Rendered = { labels: Labels; value: number; metricName: string };

/**
 * Latency, where the figures exist: a Run recording latency gives its push → pull percentiles
 * (a summary: the Run keeps samples, not buckets); an application histogram (the fleet's capture →
 * sink) gives a histogram. prom-client's Histogram and Summary only take observations, one by one,
 * so these are Gauges whose `get()` renders the whole family from the reading.
 */
function rendered(
  name: string,
  help: string,
  type: 'summary' | 'histogram',
  values: () => Rendered[],
): PromClient.Gauge {
  return new (class extends prom().Gauge {
    override async get() {
      // prom-client's typings name the type by an enum its runtime does not use: the text is what counts.
      return {
        name,
        help,
        type: type as never,
        aggregator: 'omit' as const,
        collect: () => {},
        values: values(),
      };
    }
  })({ name, help, registers: [] });
}

function runLatency(r: LiveReading): Rendered[] {
  const l = r.snapshot?.latency;
  if (l === undefined || l.count === 0) return [];
  const name = 'weft_run_latency_seconds';
  const quantiles = [
    ['0.5', l.p50],
    ['0.9', l.p90],
    ['0.95', l.p95],
    ['0.99', l.p99],
  ] as const;
  return [
    ...quantiles.map(([quantile, ms]) => ({ labels: { quantile }, value: ms / 1000, metricName: name })),
    { labels: {}, value: (l.mean * l.count) / 1000, metricName: `${name}_sum` },
    { labels: {}, value: l.count, metricName: `${name}_count` },
  ];
}

function appLatency(r: LiveReading): Rendered[] {
  const h = r.app?.latencyHistogram;
  if (h === undefined) return [];
  const name = 'weft_app_latency_seconds';
  const out: Rendered[] = [];
  let total = 0;
  for (let i = 0; i < h.counts.length; i++) {
    total += h.counts[i]!;
    const le = h.upperBoundsMs[i]!;
    if (le === Number.POSITIVE_INFINITY) continue;
    out.push({ labels: { le: String(le / 1000) }, value: total, metricName: `${name}_bucket` });
  }
  out.push({ labels: { le: '+Inf' }, value: total, metricName: `${name}_bucket` });
  out.push({ labels: {}, value: h.sumMs / 1000, metricName: `${name}_sum` });
  out.push({ labels: {}, value: total, metricName: `${name}_count` });
  return out;
}
