/**
 * The dashboard's page: one HTML document that loads uPlot (served from the installed package) and
 * the view's script (dashboard-script.ts). Kept as TypeScript strings so that the build (`tsc`)
 * carries them into dist/ with the rest: nothing to bundle, nothing for a user to build.
 *
 * Threading: none (constants and a pure function).
 */

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** `text` safe inside HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c]!);
}

const STYLE = `
  :root { font: 13px/1.35 system-ui, sans-serif; color: #1d2330; background: #f5f6f8; }
  body { margin: 0; }
  header { display: flex; gap: 18px; align-items: baseline; padding: 10px 16px; background: #1d2330; color: #fff; }
  header h1 { font-size: 16px; margin: 0; }
  #status.failed { color: #ff8a80; font-weight: 600; }
  #status.disconnected { color: #ffd180; }
  #bottleneck-box b { color: #ffab91; }
  main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 12px; padding: 12px 16px; }
  main > div { display: flex; flex-direction: column; gap: 12px; }
  #graph-section { grid-column: 1 / -1; }
  #graph svg { width: 100%; height: auto; max-height: 70vh; }
  section { background: #fff; border-radius: 6px; padding: 10px 12px; box-shadow: 0 1px 2px #0002; overflow-x: auto; }
  h2 { font-size: 13px; margin: 0 0 8px; text-transform: uppercase; letter-spacing: .04em; color: #5a6275; }
  #graph svg text { font-size: 11px; fill: #1d2330; }
  #graph svg text.name { font-weight: 600; font-size: 12px; }
  #graph svg text.edge { fill: #5a6275; font-size: 10px; }
  #graph svg path { fill: none; stroke: #8a93a6; stroke-width: 1.4; }
  #graph svg rect.box { stroke: #5a6275; stroke-width: 1; }
  #graph svg rect.box.bottleneck { stroke: #d84315; stroke-width: 3; }
  #graph svg rect.box.Failed { stroke: #b71c1c; stroke-width: 3; stroke-dasharray: 4 2; }
  .legend span { display: inline-block; margin-right: 12px; }
  .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; }
  .figures { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; margin-bottom: 8px; }
  .figures div { background: #f5f6f8; border-radius: 4px; padding: 6px 8px; }
  .figures b { display: block; font-size: 17px; }
  table { border-collapse: collapse; width: 100%; margin-top: 6px; }
  th, td { text-align: right; padding: 2px 4px; border-bottom: 1px solid #eceef2; white-space: nowrap; }
  th:first-child, td:first-child { text-align: left; }
  #error { color: #b71c1c; white-space: pre-wrap; }
`;

/** The page, titled `title`. */
export function dashboardHtml(title: string): string {
  const t = escapeHtml(title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${t} · weft</title>
<link rel="stylesheet" href="assets/uPlot.min.css">
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>${t}</h1>
  <span>state: <b id="status">connecting</b></span>
  <span id="bottleneck-box">bottleneck: <b id="bottleneck">–</b></span>
  <span id="updated"></span>
</header>
<main>
  <section id="graph-section">
    <h2>Graph</h2>
    <div class="legend"><span><i style="background:#e53935"></i>work</span><span><i style="background:#7e57c2"></i>back-pressured</span><span><i style="background:#90caf9"></i>idle</span><span>(share of the last interval; thick red outline: the bottleneck)</span></div>
    <div id="graph"></div>
    <div id="error"></div>
  </section>
  <div>
    <section>
      <h2>Throughput, latency, drops</h2>
      <div class="figures">
        <div>throughput<b id="throughput">–</b></div>
        <div>processed<b id="processed">–</b></div>
        <div>latency p50 / p99<b id="latency">–</b></div>
        <div>dropped<b id="dropped">–</b></div>
      </div>
      <div class="charts"><div id="chart-throughput"></div><div id="chart-latency"></div><div id="chart-drops"></div></div>
    </section>
  </div>
  <div>
    <section>
      <h2>Nodes</h2>
      <table id="nodes"></table>
    </section>
    <section id="lanes-section" hidden>
      <h2>Lanes</h2>
      <table id="lanes"></table>
    </section>
    <section id="pool-section" hidden>
      <h2>Frame pool</h2>
      <table id="pool"></table>
    </section>
  </div>
</main>
<script src="assets/uPlot.iife.min.js"></script>
<script src="assets/dashboard.js"></script>
</body>
</html>
`;
}
