// Charting page: draws the session's vitals (heart rate, blood pressure,
// SpO2) with uPlot from the JSON in #vitals-chart's data-vitals attribute.
// The numbers come from the server's chart; nothing is computed here.
(function () {
  "use strict";
  function draw(el) {
    var d;
    try { d = JSON.parse(el.getAttribute("data-vitals")); } catch (e) { return; }
    if (!d || !d.t || d.t.length === 0 || typeof uPlot === "undefined") { return; }
    el.textContent = "";
    var width = Math.max(300, el.clientWidth || 600);
    var opts = {
      width: width, height: 260,
      // Fixed clinical ranges, widened only by values outside them, so
      // that a 1 % change of SpO2 does not look like a fall.
      scales: {
        // The server's span: the planned session around the points (or 30
        // min either side), never the library's guess around one point.
        x: { time: true, auto: false, range: d.span && d.span[1] > d.span[0] ? d.span : [d.t[0] - 1800, d.t[d.t.length - 1] + 1800] },
        bpm: { range: function (u, min, max) { return [Math.min(40, min), Math.max(180, max)]; } },
        pct: { range: function (u, min, max) { return [Math.min(85, min), 100]; } }
      },
      series: [
        {},
        { label: "HR /min", scale: "bpm", stroke: "#b91c1c", width: 2, points: { show: true } },
        { label: "Systolic mmHg", scale: "bpm", stroke: "#1d4ed8", width: 2, points: { show: true } },
        { label: "Diastolic mmHg", scale: "bpm", stroke: "#60a5fa", width: 2, points: { show: true } },
        { label: "SpO2 %", scale: "pct", stroke: "#047857", width: 2, points: { show: true } }
      ],
      axes: [{}, { scale: "bpm", label: "/min · mmHg" }, { scale: "pct", side: 1, label: "SpO2 %", grid: { show: false } }]
    };
    new uPlot(opts, [d.t, d.hr, d.sbp, d.dbp, d.spo2], el);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("vitals-chart");
    if (el) { draw(el); }
  });
})();
