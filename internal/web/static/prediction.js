/* Predicted plasma concentrations on the course and charting pages, drawn
   with uPlot (vendor/uPlot.iife.min.js) from the JSON in
   #prediction-chart's data-prediction attribute (internal/web predChart).
   The numbers are the server's (internal/prediction); nothing is computed
   here but the drawing. No inline script: the Content-Security-Policy
   forbids it. */
(function () {
  'use strict';
  var charts = [];

  // marks draws the threshold as a horizontal line and each mark (now) as a
  // vertical one, with their labels.
  function marks(spec) {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx, b = u.bbox, dpr = window.devicePixelRatio || 1;
          ctx.save();
          ctx.lineWidth = Math.max(1, dpr);
          ctx.font = (11 * dpr) + 'px sans-serif';
          if (spec.h_line) {
            var y = Math.round(u.valToPos(spec.h_line, 'y', true));
            if (y >= b.top && y <= b.top + b.height) {
              ctx.strokeStyle = 'rgba(75, 85, 99, 0.7)';
              ctx.setLineDash([2 * dpr, 4 * dpr]);
              ctx.beginPath(); ctx.moveTo(b.left, y); ctx.lineTo(b.left + b.width, y); ctx.stroke();
              ctx.fillStyle = 'rgba(75, 85, 99, 0.9)';
              ctx.fillText(spec.h_label, b.left + 4 * dpr, y - 3 * dpr);
            }
          }
          (spec.marks || []).forEach(function (m) {
            var x = Math.round(u.valToPos(m.x, 'x', true));
            if (x < b.left || x > b.left + b.width) { return; }
            ctx.strokeStyle = 'rgba(185, 28, 28, 0.8)';
            ctx.setLineDash([4 * dpr, 3 * dpr]);
            ctx.beginPath(); ctx.moveTo(x, b.top); ctx.lineTo(x, b.top + b.height); ctx.stroke();
            ctx.fillStyle = 'rgba(185, 28, 28, 0.9)';
            ctx.fillText(m.label, x + 3 * dpr, b.top + 12 * dpr);
          });
          ctx.restore();
        }]
      }
    };
  }

  function build(el) {
    var spec;
    try { spec = JSON.parse(el.getAttribute('data-prediction')); } catch (e) { return; }
    if (!spec || !spec.x || spec.x.length === 0) { return; }
    var data = [spec.x];
    var series = [{ label: spec.x_name || spec.x_label }];
    if (!spec.x_time) {
      series[0].value = function (u, v) { return v == null ? '' : 'day ' + v.toFixed(2); };
    }
    var bands = [];
    var top = 0;
    spec.lines.forEach(function (l) {
      var dash = l.dash ? [7, 5] : undefined;
      var hi = -1;
      if (l.hi) {
        data.push(l.hi);
        hi = data.length - 1;
        series.push({ label: l.label + ' p95', stroke: l.fill, width: 1, dash: dash, points: { show: false } });
      }
      data.push(l.values);
      series.push({ label: l.label, stroke: l.color, width: 2, dash: dash, points: { show: false } });
      if (l.lo) {
        data.push(l.lo);
        series.push({ label: l.label + ' p5', stroke: l.fill, width: 1, dash: dash, points: { show: false } });
        bands.push({ series: [hi, data.length - 1], fill: l.fill });
      }
      [l.hi, l.values].forEach(function (v) {
        (v || []).forEach(function (x) { if (x != null && x > top) { top = x; } });
      });
    });
    var opts = {
      width: Math.max(280, el.clientWidth || 600),
      height: 300,
      // x is drawn over the data's own span (never uPlot's default padding
      // of a single point); y from 0 to the highest line or band edge.
      scales: {
        x: { time: !!spec.x_time, auto: false, range: [spec.x[0], spec.x[spec.x.length - 1]] },
        y: { auto: false, range: [0, top > 0 ? top * 1.08 : 1] }
      },
      axes: [{ label: spec.x_label }, { label: spec.y_label }],
      series: series,
      bands: bands,
      legend: { live: true },
      plugins: [marks(spec)]
    };
    el.textContent = '';
    charts.push({ el: el, u: new uPlot(opts, data, el) });
  }

  function resize() {
    charts.forEach(function (c) { c.u.setSize({ width: Math.max(280, c.el.clientWidth), height: 300 }); });
  }

  function init() {
    if (typeof uPlot === 'undefined') { return; }
    Array.prototype.forEach.call(document.querySelectorAll('[data-prediction]'), build);
    var t;
    window.addEventListener('resize', function () { clearTimeout(t); t = setTimeout(resize, 150); });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
