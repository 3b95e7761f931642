/**
 * The view's browser script, served as `assets/dashboard.js`: it fetches the layout once
 * (`api/graph`), then polls `api/state` — the next request only after the previous answered, so a
 * slow browser or server never piles requests up — and redraws: node boxes coloured by their share
 * of work, back-pressure and idle time, rates on nodes and edges, the bottleneck, the charts (uPlot)
 * and the tables. A failed request keeps the last figures on screen and says `disconnected`.
 *
 * Plain ES2017 in a string: it runs as is in any current browser, with no build step.
 */
export const DASHBOARD_SCRIPT = `'use strict';
(function () {
  var SVG = 'http://www.w3.org/2000/svg';
  var layout = null;
  var charts = {};
  var boxes = {};
  var edgeLabels = {};
  var failures = 0;

  function $(id) { return document.getElementById(id); }
  function el(name, attrs, parent) {
    var e = document.createElementNS(SVG, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function fmt(x) {
    if (x === null || x === undefined || !isFinite(x)) return '–';
    if (x >= 1e6) return (x / 1e6).toFixed(2) + 'M';
    if (x >= 1e4) return (x / 1e3).toFixed(1) + 'k';
    if (x >= 100 || x === Math.round(x)) return x.toFixed(0);
    return x.toFixed(1);
  }
  function pct(x) { return (x * 100).toFixed(0) + '%'; }
  function colour(n) {
    if (n.work + n.backPressured + n.idle === 0) return '#eceff1';
    if (n.backPressured > n.work && n.backPressured > 0.1) return 'hsl(265,45%,' + (92 - 30 * n.backPressured).toFixed(0) + '%)';
    return 'hsl(' + (210 - 210 * n.work).toFixed(0) + ',75%,' + (88 - 22 * n.work).toFixed(0) + '%)';
  }

  function drawGraph(g) {
    var host = $('graph');
    host.textContent = '';
    var svg = el('svg', { viewBox: '-10 -10 ' + (g.width + 20) + ' ' + (g.height + 20) }, host);
    var defs = el('defs', {}, svg);
    var marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' }, defs);
    el('path', { d: 'M0,0 L10,5 L0,10 z', style: 'fill:#8a93a6;stroke:none' }, marker);
    g.edges.forEach(function (e) {
      var d = e.points.map(function (p, i) { return (i ? 'L' : 'M') + p[0] + ',' + p[1]; }).join(' ');
      el('path', { d: d, 'marker-end': 'url(#arrow)', 'data-edge': e.id }, svg);
      var mid = e.points[Math.floor(e.points.length / 2) - (e.points.length % 2 ? 0 : 1)];
      var last = e.points[e.points.length - 1];
      var x = e.points.length === 2 ? (e.points[0][0] + last[0]) / 2 : mid[0];
      var y = e.points.length === 2 ? (e.points[0][1] + last[1]) / 2 : mid[1];
      var t = el('text', { x: x, y: y - 4, 'text-anchor': 'middle', class: 'edge' }, svg);
      t.textContent = e.stream;
      edgeLabels[e.id] = t;
    });
    g.nodes.forEach(function (n) {
      var grp = el('g', { transform: 'translate(' + n.x + ',' + n.y + ')', 'data-node': n.id }, svg);
      var rect = el('rect', { class: 'box', width: n.width, height: n.height, rx: 5, fill: '#eceff1' }, grp);
      var name = el('text', { x: 8, y: 16, class: 'name' }, grp);
      name.textContent = n.id;
      var calc = el('text', { x: 8, y: 30 }, grp);
      calc.textContent = n.calculator;
      var rate = el('text', { x: 8, y: 45 }, grp);
      var queue = el('text', { x: 8, y: 59 }, grp);
      var bars = [['#e53935'], ['#7e57c2'], ['#90caf9']].map(function (c) {
        return el('rect', { y: n.height - 8, height: 6, width: 0, fill: c[0] }, grp);
      });
      boxes[n.id] = { rect: rect, rate: rate, queue: queue, bars: bars, width: n.width };
    });
  }

  function updateGraph(s) {
    s.nodes.forEach(function (n) {
      var b = boxes[n.node];
      if (!b) return;
      b.rect.setAttribute('fill', colour(n));
      b.rect.setAttribute('class', 'box ' + n.state + (s.bottleneck === n.node ? ' bottleneck' : ''));
      b.rate.textContent = fmt(n.perSecond) + '/s  ' + n.state + (n.restarts ? '  restarts ' + n.restarts : '');
      b.queue.textContent = n.queues.length ? 'queue ' + n.queues.map(function (q) { return q.depth + '/' + q.limit; }).join(' ') : 'source';
      var x = 8;
      var w = b.width - 16;
      [n.work, n.backPressured, n.idle].forEach(function (share, i) {
        b.bars[i].setAttribute('x', x);
        b.bars[i].setAttribute('width', (w * share).toFixed(1));
        x += w * share;
      });
    });
    s.edges.forEach(function (e) {
      var t = edgeLabels[e.id];
      if (t) t.textContent = e.stream + '  ' + fmt(e.perSecond) + '/s';
    });
  }

  function table(id, head, rows) {
    var t = $(id);
    var html = '<tr>' + head.map(function (h) { return '<th>' + h + '</th>'; }).join('') + '</tr>';
    rows.forEach(function (r) {
      html += '<tr>' + r.map(function (c) { return '<td>' + String(c).replace(/[&<>]/g, function (x) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;' }[x]; }) + '</td>'; }).join('') + '</tr>';
    });
    t.innerHTML = html;
  }

  function chart(id, label, series, values) {
    var host = $(id);
    var width = Math.max(280, host.clientWidth || 420);
    if (!charts[id]) {
      charts[id] = new uPlot({
        title: label, width: width, height: 140,
        scales: { x: { time: true } },
        series: [{}].concat(series.map(function (s) { return { label: s[0], stroke: s[1], width: 1.5, spanGaps: true }; })),
        axes: [{}, { size: 64 }],
      }, [[]].concat(series.map(function () { return []; })), host);
    }
    charts[id].setData(values);
  }

  function update(s) {
    var status = $('status');
    status.textContent = s.state + (s.error ? ': ' + s.error : '');
    status.className = s.state === 'failed' ? 'failed' : '';
    $('error').textContent = s.state === 'failed' && s.error ? 'The run failed: ' + s.error : '';
    $('bottleneck').textContent = s.bottleneck === null ? 'none' : s.bottleneck;
    $('updated').textContent = 'updated ' + new Date(s.atMs).toLocaleTimeString();
    var t = s.totals;
    $('throughput').textContent = fmt(t.perSecond) + ' ' + t.unit + '/s';
    $('processed').textContent = fmt(t.processed) + ' ' + t.unit;
    $('latency').textContent = t.latencyP50 === null ? '–' : fmt(t.latencyP50) + ' / ' + fmt(t.latencyP99) + ' ms';
    $('dropped').textContent = fmt(t.dropped);
    if (layout) updateGraph(s);
    table('nodes', ['node', 'state', 'work', 'back-pr.', 'idle', 'out/s', 'in', 'out', 'restarts', 'lost', 'queues'],
      s.nodes.map(function (n) {
        return [n.node, n.state, pct(n.work), pct(n.backPressured), pct(n.idle), fmt(n.perSecond), n.packetsIn, n.packetsOut, n.restarts, n.lost,
          n.queues.map(function (q) { return q.depth + '/' + q.limit; }).join(' ')];
      }));
    $('lanes-section').hidden = s.lanes.length === 0;
    table('lanes', ['lane', t.unit, t.unit + '/s', 'queued', 'busiest stage'], s.lanes.map(function (l) {
      return [l.lane, l.processed, fmt(l.perSecond), l.queued, l.busiest + ' ' + pct(l.busiestShare)];
    }));
    $('pool-section').hidden = s.pool.length === 0;
    table('pool', ['class', 'slot bytes', 'slots', 'in use', 'high water', 'waits'], s.pool.map(function (c) {
      return [c.class, c.slotBytes, c.slots, c.inUse, c.highWater, c.exhaustedWaits];
    }));
    var h = s.history;
    if (typeof uPlot !== 'undefined') {
      chart('chart-throughput', 'throughput (' + t.unit + '/s)', [['throughput', '#1e88e5']], [h.t, h.throughput]);
      chart('chart-latency', 'latency (ms)', [['p50', '#43a047'], ['p99', '#e53935']], [h.t, h.p50, h.p99]);
      chart('chart-drops', 'drops (/s)', [['drops', '#8e24aa']], [h.t, h.drops]);
    }
  }

  function loadLayout() {
    return fetch('api/graph', { cache: 'no-store' }).then(function (r) {
      if (r.status === 200) return r.json().then(function (g) { layout = g; drawGraph(g); });
    });
  }

  function poll() {
    var next = Promise.resolve();
    if (!layout) next = loadLayout().catch(function () {});
    next.then(function () { return fetch('api/state', { cache: 'no-store' }); })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (s) { failures = 0; update(s); schedule(s.intervalMs); })
      .catch(function () {
        failures++;
        var status = $('status');
        status.textContent = 'disconnected (showing the last figures)';
        status.className = 'disconnected';
        schedule(Math.min(5000, 1000 * failures));
      });
  }
  function schedule(ms) { setTimeout(poll, Math.max(250, Math.min(ms, 1000))); }
  poll();
})();
`;
