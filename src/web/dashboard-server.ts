/**
 * The live view of a graph or Run, and its Prometheus metrics, served over HTTP by the process that
 * runs it (`node:http`, no framework):
 *
 * | path | what |
 * |---|---|
 * | `/` | the page: graph left to right, nodes coloured by work / back-pressure / idle, charts, tables |
 * | `/api/state` | the live figures and their history, JSON (see dashboard-protocol.ts) |
 * | `/api/graph` | the graph's layout (ELK), JSON; 503 until the run's nodes exist |
 * | `/metrics` | Prometheus text format (prom-client, a private registry) |
 * | `/assets/…` | the page's script, and uPlot from the installed package |
 *
 * Nothing is served unless asked for: {@link serveDashboard} opens the server, bound to 127.0.0.1
 * unless told otherwise. The figures come from shared counters, sampled once per `intervalMs` on
 * this thread and at each scrape: the data path pays nothing and no actor gets a message. Every
 * answer is built from the latest figures and is a few KiB, and the page asks again only once
 * answered, so a slow or vanished browser holds at most one small response per connection; the
 * connections themselves are capped and time out.
 *
 * Threading: main thread (the thread that owns the graph or Run). Lifecycle: lives until
 * `close()` (or `await using`), independently of the run: after the run ended or failed the page
 * keeps showing its last figures and the failure; closing the run does not close the server.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { DashboardListenError, InvalidArgumentError } from '../core/errors.js';
import type { AppFigures, LiveSourceRef } from '../telemetry/live-reading.js';
import { loadMetricsLibrary, WeftMetrics } from '../telemetry/prometheus-metrics.js';
import { dashboardHtml } from './dashboard-page.js';
import type { GraphLayout } from './dashboard-protocol.js';
import { DASHBOARD_SCRIPT } from './dashboard-script.js';
import { DashboardSampler } from './dashboard-state.js';
import { layoutGraph } from './graph-layout.js';

/** Options of {@link serveDashboard}, read once when it is called; `figures` runs on its thread. */
export interface DashboardOptions {
  /** Interface to listen on. Default `127.0.0.1` (this machine only). */
  readonly host?: string;
  /** TCP port; 0 (the default) picks a free one: read the actual one from `url`. */
  readonly port?: number;
  /** The page's title. Default `weft`. */
  readonly title?: string;
  /** How often the view's figures are sampled, ms (at least 100). Default 1000. */
  readonly intervalMs?: number;
  /** Points each chart keeps. Default 300 (5 minutes at 1 s). */
  readonly historyLength?: number;
  /**
   * An application's own figures (items processed and dropped, latency, lanes), called at each
   * sample and scrape on this thread: read shared counters, do not block. The fleet's:
   * `fleetDashboardFigures`.
   */
  readonly figures?: () => AppFigures | undefined;
}

const MAX_CONNECTIONS = 64;

/**
 * A running view server. See the module comment for its endpoints.
 *
 * Threading: the thread that owns the graph or Run (normally the main thread), which
 * {@link serveDashboard} runs on: the server samples the run's shared counters there and serves
 * from that thread's event loop. Lifecycle: made listening by {@link serveDashboard}; it keeps the
 * process alive until {@link close} (or `await using`), which the owner must call: closing the run
 * does not close it, and after the run ended or failed it keeps showing the last figures.
 */
export class DashboardServer implements AsyncDisposable {
  /** The page's address, e.g. `http://127.0.0.1:39113/`. */
  readonly url: string;
  /** The metrics' address (`url` + `metrics`). */
  readonly metricsUrl: string;
  /** The metrics served at `/metrics`; add your own to `metrics.registry`. */
  readonly metrics: WeftMetrics;
  private layout: Promise<GraphLayout> | undefined;
  private closing: Promise<void> | undefined;
  private readonly assets = new Map<string, { type: string; body: string | Buffer }>();

  /** Use {@link serveDashboard}. */
  constructor(
    private readonly server: Server,
    private readonly sampler: DashboardSampler,
    private readonly title: string,
  ) {
    const a = server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    this.url = `http://${host}:${a.port}/`;
    this.metricsUrl = `${this.url}metrics`;
    this.metrics = new WeftMetrics(() => sampler.read());
    server.on('request', (req, res) => this.handle(req, res));
  }

  /**
   * Shows the run as failed with `error` (its message) from now on. For the run's owner, where it
   * catches the failure: a CalculatorGraph's counters say which node failed, not why.
   */
  fail(error: unknown): void {
    this.sampler.fail(error);
  }

  /** Stops sampling and serving; open connections are closed. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.sampler.stop();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.route(req, res).catch((err: unknown) => {
      // A failure to read or lay out is the page's problem to show, never the process's.
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `weft dashboard: ${String(err)}\n`);
      else res.destroy();
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/' || path === '/index.html') {
      send(res, 200, 'text/html; charset=utf-8', dashboardHtml(this.title));
    } else if (path === '/api/state') {
      send(res, 200, 'application/json', JSON.stringify(this.sampler.state()));
    } else if (path === '/api/graph') {
      const layout = await this.graphLayout();
      if (layout === undefined) send(res, 503, 'application/json', '{"error":"the run has not started"}');
      else send(res, 200, 'application/json', JSON.stringify(layout));
    } else if (path === '/metrics') {
      send(res, 200, this.metrics.contentType, await this.metrics.scrape());
    } else if (path.startsWith('/assets/')) {
      const asset = this.asset(path.slice('/assets/'.length));
      if (asset === undefined) send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
      else send(res, 200, asset.type, asset.body, 'public, max-age=3600');
    } else {
      send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    }
  }

  // Laid out once, from the first reading that has the nodes (a run's topology never changes).
  private async graphLayout(): Promise<GraphLayout | undefined> {
    if (this.layout === undefined) {
      const snapshot = this.sampler.read().snapshot;
      if (snapshot === undefined || snapshot.elements.length === 0) return undefined;
      this.layout = layoutGraph(snapshot);
      this.layout.catch(() => {
        this.layout = undefined;
      });
    }
    return this.layout;
  }

  private asset(name: string): { type: string; body: string | Buffer } | undefined {
    const cached = this.assets.get(name);
    if (cached !== undefined) return cached;
    let asset: { type: string; body: string | Buffer } | undefined;
    if (name === 'dashboard.js') asset = { type: 'text/javascript; charset=utf-8', body: DASHBOARD_SCRIPT };
    else if (name === 'uPlot.iife.min.js' || name === 'uPlot.min.css') {
      // uPlot's own build, from wherever the package manager installed it.
      const file = createRequire(import.meta.url).resolve(`uplot/dist/${name}`);
      const type = name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
      asset = { type, body: readFileSync(file) };
    }
    if (asset !== undefined) this.assets.set(name, asset);
    return asset;
  }
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  cache = 'no-store',
): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': cache,
    'x-content-type-options': 'nosniff',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/**
 * Serves the live view and `/metrics` of `source`: a CalculatorGraph or a Run, started or about to
 * be (until its nodes exist the page says `starting`), or a function returning it once it exists. Resolves once listening; read the address
 * from `url`. Rejects with DashboardListenError (`ERR_WEFT_UI_LISTEN`) when the port is taken or the
 * host cannot be bound, InvalidArgumentError for a bad port or interval.
 * Threading: main thread (the thread that owns the graph or Run), before, during or after its run.
 * Lifecycle: the caller owns the server it resolves with: close it with `close()` (or `await using`);
 * until then it keeps the process alive.
 */
export async function serveDashboard(
  source: LiveSourceRef,
  options: DashboardOptions = {},
): Promise<DashboardServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  const intervalMs = options.intervalMs ?? 1000;
  const historyLength = options.historyLength ?? 300;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`dashboard port must be an integer in 0..65535, not ${String(port)}`);
  }
  if (!(intervalMs >= 100) || !Number.isInteger(historyLength) || historyLength < 2) {
    throw new InvalidArgumentError('dashboard intervalMs must be ≥ 100 and historyLength an integer ≥ 2');
  }
  // node:http (and net) load with the first server, not with weft; prom-client before the server
  // listens, so that a broken install fails here rather than leaving a server behind.
  loadMetricsLibrary();
  const { createServer } = await import('node:http');
  const server = createServer({ requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 5_000 });
  server.maxConnections = MAX_CONNECTIONS;
  // A connection that stays silent this long is dropped: an abandoned tab holds nothing for long.
  server.setTimeout(30_000, (socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) =>
      reject(
        new DashboardListenError(
          `cannot serve the dashboard on ${host}:${port} (${err.code ?? err.message})`,
          {
            phase: 'run',
            cause: err,
          },
        ),
      );
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const title = options.title ?? 'weft';
  const sampler = new DashboardSampler(source, { title, intervalMs, historyLength, app: options.figures });
  const dashboard = new DashboardServer(server, sampler, title);
  // An error on a live server (a socket's, say) must not crash the process that runs the graph.
  server.on('error', () => {});
  server.on('clientError', (_err, socket) => socket.destroy());
  sampler.start();
  return dashboard;
}
