// The archive's charts, drawn with Observable Plot (vendor/) from JSON the page embeds.
//
// A chart is a <div data-chart="NAME" data-source="ID"> whose data sits in
// <script type="application/json" id="ID">: the server decides what is counted, this
// file only decides how it looks. No eval, no inline handlers, nothing fetched from
// another host, so it runs under the archive's Content-Security-Policy and offline.
(function () {
  "use strict";

  const ACCENT = "#1f6f8b";
  const KIND_COLOURS = ["#1f6f8b", "#e08e0b", "#3a9a5b", "#9a6fb0"];

  // Every year between the first and the last, so a gap in the archive shows as a gap.
  function yearDomain(rows) {
    const years = rows.map((d) => d.year);
    return d3.range(d3.min(years), d3.max(years) + 1);
  }

  const charts = {
    // Figures page: figures per year, stacked by kind.
    "figures-by-year": (data, width) =>
      Plot.plot({
        width,
        height: 220,
        marginLeft: 50,
        x: { type: "band", domain: yearDomain(data.rows), label: null, tickFormat: String },
        y: { grid: true, label: "figures" },
        color: { legend: true, domain: data.kinds, range: KIND_COLOURS },
        marks: [
          Plot.barY(data.rows, { x: "year", y: "figures", fill: "kind", tip: true }),
          Plot.ruleY([0]),
        ],
      }),

    // Overview: posts per theme and year, one cell each, the count written in it.
    "themes-by-year": (rows, width) =>
      Plot.plot({
        width,
        height: 28 * new Set(rows.map((d) => d.theme)).size + 50,
        marginLeft: 270,
        padding: 0.06,
        x: { type: "band", domain: yearDomain(rows), label: null, tickFormat: String, axis: "top" },
        y: { label: null },
        color: { type: "linear", scheme: "blues", label: "posts" },
        marks: [
          Plot.cell(rows, { x: "year", y: "theme", fill: "posts", inset: 0.5, tip: true }),
          Plot.text(rows, {
            x: "year",
            y: "theme",
            text: "posts",
            fill: (d) => (d.posts > d3.max(rows, (r) => r.posts) / 2 ? "white" : "black"),
          }),
        ],
      }),

    // Overview: one horizontal bar per primary country, for the field named by the chart.
    "countries-posts": (rows, width) => countryBars(rows, width, "posts"),
    "countries-figures": (rows, width) => countryBars(rows, width, "figures"),
  };

  function countryBars(rows, width, field) {
    return Plot.plot({
      width,
      height: 26 * rows.length + 40,
      marginLeft: 110,
      marginRight: 50,
      x: { grid: true, label: field },
      y: { label: null, domain: rows.map((d) => d.name) },
      marks: [
        Plot.barX(rows, { x: field, y: "name", fill: ACCENT, tip: true }),
        Plot.text(rows, {
          x: field,
          y: "name",
          text: (d) => d[field].toLocaleString("en"),
          textAnchor: "start",
          dx: 4,
        }),
        Plot.ruleX([0]),
      ],
    });
  }

  for (const box of document.querySelectorAll("[data-chart]")) {
    const draw = charts[box.dataset.chart];
    const source = document.getElementById(box.dataset.source);
    if (!draw || !source) continue;
    box.replaceChildren(draw(JSON.parse(source.textContent), box.clientWidth || 640));
  }
})();
