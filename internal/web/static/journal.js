/* Charts of the journal and analytics pages, drawn with uPlot
   (vendor/uPlot.iife.min.js). Each <div class="chart" data-chart="…"> holds
   its chart as JSON (internal/web chartSpec); no inline script is needed,
   as the Content-Security-Policy requires. */
(function () {
  'use strict';
  var palette = ['#0b5f6b', '#b45309', '#6d28d9', '#be123c', '#15803d', '#1d4ed8', '#4b5563'];
  var charts = [];

  function isoDate(sec) {
    return new Date(sec * 1000).toISOString().slice(0, 10);
  }

  function markPlugin(spec) {
    return {
      hooks: {
        draw: [function (u) {
          if (!spec.marks || !spec.marks.length) { return; }
          var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
          ctx.save();
          ctx.strokeStyle = 'rgba(11, 95, 107, 0.45)';
          ctx.lineWidth = Math.max(1, devicePixelRatio);
          ctx.setLineDash([4 * devicePixelRatio, 4 * devicePixelRatio]);
          spec.marks.forEach(function (m) {
            var x = Math.round(u.valToPos(m, 'x', true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) { return; }
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + h);
            ctx.stroke();
          });
          ctx.restore();
        }]
      }
    };
  }

  function build(el) {
    var spec;
    try {
      spec = JSON.parse(el.getAttribute('data-chart'));
    } catch (e) {
      return;
    }
    var data = [spec.x];
    var xSeries = { label: spec.x_label };
    if (spec.x_time) {
      xSeries.value = function (u, v) { return v == null ? '' : isoDate(v); };
    }
    var series = [xSeries];
    var groupColor = {};
    var next = 0;
    spec.series.forEach(function (s) {
      var color;
      if (s.group && groupColor[s.group]) {
        color = groupColor[s.group];
      } else {
        color = palette[next % palette.length];
        next++;
        if (s.group) { groupColor[s.group] = color; }
      }
      data.push(s.values);
      var o = { label: s.label, stroke: color, width: 2, spanGaps: false, points: { show: spec.x.length <= 60, size: 5 } };
      if (s.dash) { o.dash = [6, 4]; o.width = 1; o.points = { show: false }; }
      if (spec.stepped) { o.paths = uPlot.paths.stepped({ align: 1 }); o.points = { show: false }; }
      if (s.points) { o.paths = function () { return null; }; o.points = { show: true, size: 8, fill: color, stroke: color }; }
      series.push(o);
    });
    var yRange = function (u, min, max) {
      var lo = spec.y_min != null ? spec.y_min : min;
      var hi = spec.y_max != null ? spec.y_max : max;
      if (lo == null || hi == null) { return [0, 1]; }
      if (hi === lo) { hi = lo + 1; }
      return [lo, hi];
    };
    var opts = {
      width: Math.max(280, el.clientWidth || 600),
      height: 260,
      scales: { x: { time: !!spec.x_time }, y: { range: yRange } },
      axes: [{ label: spec.x_label }, { label: spec.y_label }],
      series: series,
      legend: { live: !spec.stepped },
      plugins: [markPlugin(spec)]
    };
    var u = new uPlot(opts, data, el);
    if (spec.marks && spec.marks.length) {
      var note = document.createElement('p');
      note.className = 'chart-note';
      note.textContent = 'Dashed vertical lines: ' + (spec.mark_label || 'marks') + '.';
      el.appendChild(note);
    }
    charts.push({ el: el, u: u });
  }

  function resize(width) {
    charts.forEach(function (c) {
      c.u.setSize({ width: width || Math.max(280, c.el.clientWidth), height: 260 });
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-print]'), function (b) {
      b.addEventListener('click', function () { window.print(); });
    });
    if (typeof uPlot === 'undefined') { return; }
    Array.prototype.forEach.call(document.querySelectorAll('.chart[data-chart]'), build);
    var t;
    window.addEventListener('resize', function () {
      clearTimeout(t);
      t = setTimeout(function () { resize(0); }, 150);
    });
    // Printed charts fit an A4/Letter page width.
    var print = window.matchMedia('print');
    var onPrint = function (e) { resize(e.matches ? 640 : 0); };
    if (print.addEventListener) { print.addEventListener('change', onPrint); }
    window.addEventListener('beforeprint', function () { resize(640); });
    window.addEventListener('afterprint', function () { resize(0); });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
