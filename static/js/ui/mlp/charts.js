// The MLP view's chart cards: each a Plotly plot with its title, export buttons and a
// screen-reader summary. Charts against epochs ("epoch") are redrawn when data arrive and
// get a cursor line and a veil over the epochs not yet shown (moved every animation
// frame); charts of the shown epoch ("cursor") are redrawn when the epoch changes.
// One Plotly call in flight per chart; a chart that changes meanwhile is drawn again after.
// A frame starts redraws until ~12 ms of work are spent (the others wait for the next
// frame, in turn), so the replay and the live boundaries keep moving.

import { t } from "../../i18n.js";
import { h } from "../dom.js";
import { fitOverlay } from "../chart_cursor.js";

const Plotly = () => window.Plotly;
const CONFIG = { displayModeBar: false, responsive: true, displaylogo: false };

export const MLP_CHARTS = [
  { id: "loss", title: "mlp.chart.loss", kind: "epoch" },
  { id: "acc", title: "mlp.chart.acc", kind: "epoch" },
  { id: "gradLayers", title: "mlp.chart.gradLayers", kind: "cursor" },
  { id: "gradEpochs", title: "mlp.chart.gradEpochs", kind: "epoch" },
  { id: "hist", title: "mlp.chart.hist", kind: "cursor" },
  { id: "lr", title: "mlp.chart.lr", kind: "epoch" },
];

export class MlpCharts {
  /**
   * figure(id) → {data, layout}; onExport(id, format); onSeek(epoch); tools(id) → extra
   * elements; onDrawn() after each redraw (the cursor must follow the new plot area).
   */
  constructor(root, { figure, onExport, onSeek, tools, onDrawn }) {
    this.figure = figure;
    this.onDrawn = onDrawn;
    this.charts = MLP_CHARTS.map((def) => this._build(root, def, { onExport, onSeek, tools }));
    this.lastFlush = 0; // last redraw of an epoch chart (throttled while streaming)
    this.lastCursor = 0; // last redraw of a chart of the shown epoch (throttled while playing)
    this.next = 0; // where the next frame starts looking, round robin
  }

  _build(root, def, { onExport, onSeek, tools }) {
    const plot = h("div", { class: "plot", dataset: { testid: `mlp-${def.id}-plot` }, role: "img",
      "aria-describedby": `sum-mlp-${def.id}`, "aria-labelledby": `title-mlp-${def.id}` });
    const veil = h("div", { class: "veil" });
    const veilBox = h("div", { class: "veil-box" }, veil);
    const cursor = h("div", { class: "cursor-line" });
    const button = (format) => h("button", { class: "mini", type: "button", dataset: { i18n: `export.${format}`,
      i18nTitle: `export.${format}Title`, testid: `export-${format}-mlp-${def.id}` }, onclick: () => onExport(def.id, format) },
    t(`export.${format}`));
    const summary = h("p", { class: "sr-only", id: `sum-mlp-${def.id}`, "aria-live": "polite", dataset: { testid: `summary-mlp-${def.id}` } });
    const card = h("figure", { class: "card chart", dataset: { chart: `mlp-${def.id}` } },
      h("figcaption", {}, h("h3", { id: `title-mlp-${def.id}`, dataset: { i18n: def.title } }, t(def.title)),
        h("div", { class: "tools" }, ...(tools?.(def.id) ?? []), button("png"), button("svg"))),
      h("div", { class: "plot-wrap" }, plot, veilBox, cursor), summary);
    root.append(card);
    const chart = { def, plot, veil, veilBox, cursor, summary, card, busy: false, dirty: true, wired: false, box: "" };
    chart.wire = () => plot.on("plotly_click", (ev) => {
      const x = ev.points?.[0]?.x;
      if (def.kind === "epoch" && Number.isFinite(x)) onSeek(Math.round(x));
    });
    new ResizeObserver(() => {
      if (plot._fullLayout && plot.offsetParent) Plotly().Plots.resize(plot).catch(() => {});
    }).observe(plot);
    return chart;
  }

  /** Mark charts to redraw: "data" (new frames: every chart), "epoch" (the shown epoch). */
  invalidate(what = "data") {
    for (const c of this.charts) if (what === "data" || c.def.kind === "cursor") c.dirty = true;
  }

  chart(id) {
    return this.charts.find((c) => c.def.id === id);
  }

  /**
   * Redraw dirty charts: the epoch charts at most every `minGapMs` (while streaming), the
   * charts of the shown epoch at most every `cursorGapMs` (while playing), within `budgetMs`.
   */
  flush(minGapMs = 0, cursorGapMs = 0, budgetMs = 12) {
    const now = performance.now();
    const throttled = now - this.lastFlush < minGapMs;
    const cursorThrottled = now - this.lastCursor < cursorGapMs;
    const promises = [];
    const n = this.charts.length;
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n;
      const c = this.charts[i];
      if (!c.dirty || c.busy) continue;
      if (c.def.kind === "epoch" ? throttled : cursorThrottled) continue;
      if (performance.now() - now > budgetMs) {
        this.next = i;
        break;
      }
      if (c.def.kind === "epoch") this.lastFlush = now;
      else this.lastCursor = now;
      this.next = (i + 1) % n;
      c.dirty = false;
      c.busy = true;
      const { data, layout } = this.figure(c.def.id);
      promises.push(Plotly().react(c.plot, data, layout, CONFIG).then(() => {
        if (!c.wired) {
          c.wired = true;
          c.wire();
        }
        const container = c.plot.querySelector(".svg-container");
        if (container && c.veilBox.parentNode !== container) {
          const svgs = container.querySelectorAll(":scope > svg.main-svg");
          const top = svgs.length > 1 ? svgs[svgs.length - 1] : null;
          for (const el of [c.veilBox, c.cursor]) container.insertBefore(el, top);
        }
        c.box = "";
        this.onDrawn?.();
      }).finally(() => {
        c.busy = false;
      }));
    }
    return promises;
  }

  settled() {
    return this.charts.every((c) => !c.dirty && !c.busy);
  }

  /** Move the cursor line and the veil of the epoch charts to `epoch` (null: hide them). */
  setCursor(epoch) {
    for (const c of this.charts) {
      if (c.def.kind !== "epoch") continue;
      const xa = c.plot._fullLayout?.xaxis;
      const ya = c.plot._fullLayout?.yaxis;
      // no cursor over a chart without data (a regression's accuracy note): its x axis is
      // Plotly's default −1…6, and epoch 100 on it sat thousands of pixels to the right
      if (!xa || !ya || epoch === null || !xa._length || !c.plot.data?.length) {
        c.veilBox.style.display = c.cursor.style.display = "none";
        c.box = "";
        continue;
      }
      fitOverlay(c, xa, ya);
      const span = xa.range[1] - xa.range[0];
      const x = Math.min(Math.max(((epoch - xa.range[0]) / span) * xa._length, 0), xa._length);
      c.cursor.style.transform = `translateX(${xa._offset + x}px)`;
      c.veil.style.transform = `translateX(${x}px)`;
    }
  }

  setSummaries(texts) {
    for (const c of this.charts) if (texts[c.def.id] !== undefined) c.summary.textContent = texts[c.def.id];
  }

  /** A chart's title with what it shows now (the epoch, the selected optimizer). */
  setTitle(id, text) {
    const h3 = this.chart(id)?.card.querySelector("h3");
    if (h3 && h3.textContent !== text) h3.textContent = text;
  }
}
