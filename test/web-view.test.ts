// The live web view: a real headless browser (Debian's chromium through playwright-core) against the
// camera fleet shows every node, figures that move, and the bottleneck diagnose() names; plus the
// server's contract without a browser: loopback by default, a taken port is a typed error, a failed
// run keeps the page showing the failure.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CalculatorGraph,
  DashboardListenError,
  type DashboardServer,
  type DashboardState,
  fleetDashboardFigures,
  type GraphLayout,
  graph,
  runFleet,
  serveDashboard,
} from '../src/index.js';
import { faultRegistry } from './fixtures/faults/registry.js';
import { waitUntil } from './helpers/wait-until.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const ARTIFACTS = new URL('../test-artifacts/', import.meta.url);

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function json<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}

/** Reads the view's state until `ok` holds: bounded by reads, never by time. */
async function poll(ok: (s: DashboardState) => boolean, ui: DashboardServer): Promise<DashboardState> {
  for (let i = 0; i < 100_000; i++) {
    const s = (await json<DashboardState>(`${ui.url}api/state`)).body;
    if (ok(s)) return s;
  }
  throw new Error('the view never showed the expected state');
}

describe('dashboard server', () => {
  it('listens on 127.0.0.1 by default, on a free port when given 0', async () => {
    const g = new CalculatorGraph(
      graph()
        .node('CounterSourceCalculator', { outputs: { '': 'n' }, options: { count: 10 } })
        .build(),
    );
    closers.push(() => g.close());
    const ui = await serveDashboard(g, { port: 0 });
    closers.push(() => ui.close());
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*\/$/);
    // Before the run: the page is served and says so.
    expect((await json<DashboardState>(`${ui.url}api/state`)).body.state).toBe('starting');
    expect((await fetch(`${ui.url}api/graph`)).status).toBe(503);
    expect((await fetch(ui.url)).headers.get('content-type')).toContain('text/html');
    expect((await fetch(`${ui.url}assets/uPlot.iife.min.js`)).status).toBe(200);
    expect((await fetch(`${ui.url}nothing`)).status).toBe(404);
    expect((await fetch(ui.url, { method: 'POST' })).status).toBe(405);
    await g.runToCompletion();
    const layout = await json<GraphLayout>(`${ui.url}api/graph`);
    expect(layout.body.nodes.map((n) => n.id)).toEqual(['CounterSourceCalculator']);
    await ui.close();
    await expect(fetch(ui.url)).rejects.toThrow();
  });

  it('refuses a port already in use with DashboardListenError', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => taken.close(resolve)));
    const port = (taken.address() as { port: number }).port;
    const g = new CalculatorGraph(graph().build());
    const err = await serveDashboard(g, { port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DashboardListenError);
    expect(err).toMatchObject({ code: 'ERR_WEFT_UI_LISTEN' });
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
  });

  it('serves other clients while one has stopped reading its answers', async () => {
    const g = new CalculatorGraph(graph().build());
    const ui = await serveDashboard(g);
    closers.push(() => ui.close());
    const port = Number(new URL(ui.url).port);
    const stalled = connect(port, '127.0.0.1');
    closers.push(async () => stalled.destroy());
    await new Promise((resolve) => stalled.once('connect', resolve));
    // Pipelined requests whose answers are never read: the server must not wait on this socket.
    stalled.pause();
    stalled.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(2000));
    for (let i = 0; i < 5; i++) expect((await fetch(`${ui.url}api/state`)).status).toBe(200);
  });

  it('keeps showing a failed run, and its error, instead of failing itself', async () => {
    const g = new CalculatorGraph(
      graph()
        .node('CounterSourceCalculator', { name: 'source', outputs: { '': 'n' }, options: { count: 10 } })
        .node('FaultyCalculator', {
          name: 'faulty',
          inputs: { '': 'n' },
          outputs: { '': 'm' },
          options: { at: 3 },
        })
        .build(),
      { registry: faultRegistry },
    );
    closers.push(() => g.close());
    const ui = await serveDashboard(g, { intervalMs: 100 });
    closers.push(() => ui.close());
    const failure = await g.runToCompletion().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    await waitUntil(() => g.stageStats().some((s) => s.state === 'Failed'), 'the node fails');
    // The page shows the next sample: the node failed, and so did the run.
    const before = await poll((s) => s.nodes.find((n) => n.node === 'faulty')?.state === 'Failed', ui);
    expect(before.state).toBe('failed');
    ui.fail(failure);
    const after = await json<DashboardState>(`${ui.url}api/state`);
    expect(after.body.state).toBe('failed');
    expect(after.body.error).toBe((failure as Error).message);
    expect((await fetch(`${ui.url}metrics`)).status).toBe(200);
    expect((await fetch(`${ui.url}api/graph`)).status).toBe(200);
  });
});

describe('weft run --ui', () => {
  const main = new URL('../dist/cli/main.js', import.meta.url).pathname;
  const weft = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [main, ...args], (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : Number(err.code), stdout, stderr });
      });
    });

  it('serves while the graph runs, prints where, and exits when it is done', async () => {
    const r = await weft(['run', 'examples/graphs/counter-chain.pbtxt', '--ui', '0']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /live view at http:\/\/127\.0\.0\.1:\d+\/ \(Prometheus metrics at http:\/\/127\.0\.0\.1:\d+\/metrics\)/,
    );
    expect(r.stdout).toContain('bottleneck:');
  });

  it('fails with ERR_WEFT_UI_LISTEN, before running anything, when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => taken.close(resolve)));
    const port = String((taken.address() as { port: number }).port);
    const r = await weft(['run', 'examples/graphs/counter-chain.pbtxt', '--ui', port]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERR_WEFT_UI_LISTEN');
    expect(r.stdout).toBe('');
  });
});

const browserTest = hasChromium || process.env.CI ? it : it.skip;
const skipNote = hasChromium ? '' : ` (skipped: no chromium at ${CHROMIUM}; apt-get install chromium)`;

describe('web view in a headless browser', () => {
  browserTest(
    `shows the fleet's every node, live figures and diagnose()'s bottleneck${skipNote}`,
    async () => {
      const { chromium } = await import('playwright-core');
      const stop = new AbortController();
      let ui: DashboardServer | undefined;
      let g: CalculatorGraph | undefined;
      const fleet = runFleet({
        cameras: 40,
        shards: 2,
        width: 32,
        height: 32,
        signal: stop.signal,
        onStart: (graph, stats) => {
          g = graph;
          void serveDashboard(graph, {
            intervalMs: 250,
            title: 'fleet',
            figures: fleetDashboardFigures(stats, graph),
          }).then((server) => {
            ui = server;
          });
        },
      });
      closers.push(async () => {
        stop.abort();
        await fleet.catch(() => {});
        await ui?.close();
      });
      const browser = await chromium.launch({ executablePath: CHROMIUM });
      closers.push(() => browser.close());
      await waitUntil(() => ui !== undefined, 'the fleet runs and its view is served');
      const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
      await page.goto(ui!.url);

      // Every node of the running graph has its box.
      const nodes = g!.stageStats().map((s) => s.node);
      expect(nodes.length).toBeGreaterThanOrEqual(10);
      for (const node of nodes) await page.locator(`[data-node="${node}"]`).waitFor();
      expect(await page.locator('[data-node]').count()).toBe(nodes.length);
      await page.locator('#lanes tr').nth(2).waitFor();
      await page.locator('#pool tr').nth(2).waitFor();

      // The figures move between two reads (the next update brings more frames processed).
      // Page-side conditions as strings: the test is compiled without the DOM's types.
      await page.waitForFunction(`/\\d/.test(document.getElementById('processed').textContent)`);
      const first = await page.textContent('#processed');
      await page.waitForFunction(
        `document.getElementById('processed').textContent !== ${JSON.stringify(first)}`,
      );
      const second = await page.textContent('#processed');
      expect(second).not.toBe(first);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: new URL('web-view-fleet.png', ARTIFACTS).pathname, fullPage: true });

      // Once the run is over its counters stand still: the page's bottleneck is diagnose()'s.
      stop.abort();
      await fleet;
      await page.waitForFunction(`document.getElementById('status').textContent === 'ended'`);
      const named = await page.textContent('#bottleneck');
      expect(named).toBe(g!.diagnose().bottleneck ?? 'none');
      await page.screenshot({
        path: new URL('web-view-fleet-ended.png', ARTIFACTS).pathname,
        fullPage: true,
      });
    },
    120_000,
  );
});
