// The basin view: one basin-of-attraction map per optimizer, side by side, with the same
// colour for the same minimum in every map (POST /api/basins).

import { basinColor, basinColorscale, PLOT_FONT, themeColors } from "../colors.js";
import { fmt, fmtDuration, fmtXY } from "../format.js";
import { t } from "../i18n.js";
import { basinSummary } from "../summaries.js";
import { sizes } from "../surface_fig.js";
import { h } from "./dom.js";
import { exportImage } from "./export.js";

const Plotly = () => window.Plotly;

export function basinFigure(result, o, info, starts, name, opts) {
  const c = themeColors(opts.theme, opts.projector);
  const s = sizes(opts.projector, opts.scale);
  const { colorscale, zmin, zmax } = basinColorscale(result.minima.length);
  const n = result.n;
  const z = [];
  for (let j = 0; j < n; j++) z.push(result.labels[o].slice(j * n, (j + 1) * n));
  const mins = result.minima;
  const data = [
    { type: "heatmap", x: result.x, y: result.y, z, zmin, zmax, colorscale, showscale: false,
      hovertemplate: "(%{x:.2f}, %{y:.2f})<extra></extra>" },
    { type: "scatter", mode: "markers+text", x: mins.map((m) => m.xy[0]), y: mins.map((m) => m.xy[1]),
      text: mins.map((_, i) => String(i + 1)), textposition: "top center",
      textfont: { size: s.small, color: "#111111", shadow: "auto" },
      marker: { symbol: "star", size: s.cp, color: "#ffffff", line: { width: 1.5, color: "#111111" } }, hoverinfo: "skip" },
    { type: "scatter", mode: "markers", x: starts.map((p) => p[0]), y: starts.map((p) => p[1]),
      marker: { symbol: "circle-open", size: s.start + 2, color: "#111111", line: { width: 2.5 } }, hoverinfo: "skip" },
  ];
  const [[x0, x1], [y0, y1]] = info.domain;
  const axis = (range) => ({ range, showgrid: false, zeroline: false, fixedrange: true, tickfont: { size: s.small, color: c.text }, ticks: "outside" });
  const layout = {
    paper_bgcolor: c.paper, plot_bgcolor: c.plot, font: { family: PLOT_FONT, size: s.small, color: c.text },
    margin: { l: 40, r: 8, t: 34, b: 28 }, showlegend: false, dragmode: false,
    title: { text: name, font: { size: s.font, color: c.text }, x: 0.5, y: 0.98 },
    xaxis: axis([x0, x1]), yaxis: { ...axis([y0, y1]), scaleanchor: "x", constrain: "domain" },
  };
  return { data, layout };
}

export class BasinsView {
  constructor(root, { compute }) {
    this.root = root;
    this.compute = compute;
    this.result = null;
    this.n = 80;
    this.steps = 300;
    this.stale = false;
    this.busy = false;
    this.plots = [];
    let last = "";
    new ResizeObserver(() => {
      const key = `${root.clientWidth}x${root.clientHeight}`;
      if (key === last || root.hidden) return;
      last = key;
      clearTimeout(this.resizeTimer);
      this.resizeTimer = setTimeout(() => { if (this.result && this.ctx) this.render(this.ctx); }, 150);
    }).observe(root);
  }

  markStale() {
    if (this.result) this.stale = true;
  }

  async run(ctx) {
    this.busy = true;
    this.render(ctx);
    try {
      this.result = await this.compute(this.n, this.steps);
      this.stale = false;
    } finally {
      this.busy = false;
      this.render(ctx);
    }
  }

  /** ctx: {info, starts, names, opts}. */
  render(ctx) {
    this.ctx = ctx;
    const gridSel = h("select", { id: "basin-n", onchange: () => { this.n = Number(gridSel.value); } },
      [40, 80, 120, 160].map((n) => h("option", { value: n, selected: n === this.n }, `${n}×${n}`)));
    const stepsSel = h("select", { id: "basin-steps", onchange: () => { this.steps = Number(stepsSel.value); } },
      [100, 300, 1000].map((n) => h("option", { value: n, selected: n === this.steps }, String(n))));
    const button = h("button", { type: "button", class: "primary", disabled: this.busy, dataset: { testid: "basins-compute" },
      onclick: () => this.run(this.ctx) }, t("basins.compute"));
    const r = this.result;
    const status = this.busy ? t("basins.computing", { count: (this.n * this.n).toLocaleString() })
      : this.stale ? t("basins.stale")
        : r ? t("basins.elapsed", { count: (r.n * r.n).toLocaleString(), time: fmtDuration(r.elapsed_s) }) : t("basins.empty");
    const bar = h("div", { class: "basin-bar" },
      h("label", { for: "basin-n" }, t("basins.grid")), gridSel,
      h("label", { for: "basin-steps" }, t("basins.steps")), stepsSel, button,
      h("span", { class: `basin-status ${this.stale ? "stale" : ""}`, role: "status", dataset: { testid: "basins-status" } }, status));
    const intro = h("p", { class: "help" }, t("basins.intro", { n: this.n }));
    const count = r?.labels.length ?? 0;
    const cols = count <= 2 ? Math.max(1, count) : count <= 4 ? 2 : count <= 6 ? 3 : 4;
    const maps = h("div", { class: "basin-maps", dataset: { testid: "basin-maps" },
      style: { gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))` } });
    const legend = r ? h("ul", { class: "basin-legend" },
      r.minima.map((m, i) => h("li", {}, h("span", { class: "swatch static square", style: { "--c": basinColor(i) } }),
        t("basins.minimum", { i: i + 1, xy: fmtXY(m.xy, 2), value: fmt(m.value, 3) }))),
      h("li", {}, h("span", { class: "swatch static square", style: { "--c": basinColor(-1) } }), t("basins.diverged")),
      h("li", {}, h("span", { class: "swatch static square", style: { "--c": basinColor(-2) } }), t("basins.unconverged"))) : "";
    const summary = h("p", { class: "sr-only", "aria-live": "polite" }, r ? basinSummary(r, ctx.names) : "");
    this.root.replaceChildren(bar, intro, maps, legend, summary);
    this.plots = [];
    if (!r || !ctx.info) return;
    const rows = Math.ceil(count / cols);
    const gap = 8;
    const size = Math.max(180, Math.floor(Math.min((maps.clientWidth - gap * (cols - 1)) / cols,
      (Math.max(maps.clientHeight, 360) - gap * (rows - 1)) / rows)));
    maps.style.gridTemplateColumns = `repeat(${cols}, ${size}px)`;
    r.labels.forEach((_, o) => {
      const div = h("div", { class: "basin-plot", dataset: { testid: `basin-plot-${o}` }, role: "img",
        "aria-label": `${t("basins.title")}: ${ctx.names[o] ?? o + 1}`, style: { width: `${size}px`, height: `${size}px` } });
      const { data, layout } = basinFigure(r, o, ctx.info, ctx.starts, ctx.names[o] ?? `#${o + 1}`, ctx.opts);
      const save = (format) => exportImage({ data, layout }, format, `descentlab-basins-${o + 1}`, div);
      maps.append(h("div", { class: "basin-cell" }, div, h("div", { class: "tools" },
        h("button", { type: "button", class: "mini", title: t("export.pngTitle"), onclick: () => save("png") }, t("export.png")),
        h("button", { type: "button", class: "mini", title: t("export.svgTitle"), onclick: () => save("svg") }, t("export.svg")))));
      Plotly().react(div, data, { ...layout, width: size, height: size }, { displayModeBar: false });
      this.plots.push(div);
    });
  }
}
