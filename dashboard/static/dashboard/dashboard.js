/* Draws the dashboard's charts from the JSON the page carries (Chart.js, served locally). */
(function () {
  "use strict";
  var source = document.getElementById("cs-chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var common = { responsive: true, maintainAspectRatio: false, animation: false,
    plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } };
  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) { new Chart(canvas, config); }
  }
  draw("cs-chart-pushed", { type: "bar", options: common, data: { labels: data.days,
    datasets: [{ label: "Products", data: data.pushed, backgroundColor: "#2e7d32" }] } });
  draw("cs-chart-runs", { type: "bar", data: { labels: data.days, datasets: [
      { label: "Finished", data: data.runs_ok, backgroundColor: "#1565c0" },
      { label: "Failed", data: data.runs_failed, backgroundColor: "#c62828" }] },
    options: Object.assign({}, common, { plugins: { legend: { display: true } },
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }) });
  function shortLabel(value) {
    var label = this.getLabelForValue(value);
    return label.length > 26 ? label.slice(0, 25) + "\u2026" : label;
  }
  if (data.reasons.length) {
    // Chart.js measures the longest label a little short, so its first letter was cut off at
    // the card's edge: room on the left keeps it whole.
    draw("cs-chart-reasons", { type: "bar", options: Object.assign({}, common, { indexAxis: "y",
      layout: { padding: { left: 12 } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } },
                y: { ticks: { callback: shortLabel } } } }),
      data: { labels: data.reasons, datasets: [{ label: "Items", data: data.reason_counts, backgroundColor: "#ef6c00" }] } });
  }
})();
