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
  // Chart.js gives a left axis at most half the chart's width and cuts what does not fit, so
  // a reason is shown on up to two short lines instead of one long one.
  var LINE = 18;
  function shortLabel(value) {
    var lines = [""];
    this.getLabelForValue(value).split(/\s+/).forEach(function (word) {
      var last = lines.length - 1;
      var joined = lines[last] ? lines[last] + " " + word : word;
      if (joined.length > LINE && lines[last]) { lines.push(word); } else { lines[last] = joined; }
    });
    var shown = lines.slice(0, 2).map(function (line) {
      return line.length > LINE ? line.slice(0, LINE - 1) + "\u2026" : line;
    });
    if (lines.length > 2 && shown[1].slice(-1) !== "\u2026") {
      shown[1] = shown[1].slice(0, LINE - 1) + "\u2026";
    }
    return shown;
  }
  if (data.reasons.length) {
    draw("cs-chart-reasons", { type: "bar", options: Object.assign({}, common, { indexAxis: "y",
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } },
                y: { ticks: { callback: shortLabel } } } }),
      data: { labels: data.reasons, datasets: [{ label: "Items", data: data.reason_counts, backgroundColor: "#ef6c00" }] } });
  }
})();
