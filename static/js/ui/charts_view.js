// The four linked step charts. Curves are redrawn (Plotly.react, one call in flight per
// chart) only when data arrive or playback reaches new steps (curves never run past the
// furthest step played, `limit`); the playback cursor, the veil over steps already played
// but after the cursor, and the hover line are plain positioned elements moved every frame.

import { CHARTS, chartLayout, chartMode, chartTraces } from "../chart_fig.js";
import { t } from "../i18n.js";
import { h } from "./dom.js";
import { fitOverlay } from "./chart_cursor.js";

const Plotly = () => window.Plotly;
const CONFIG = { displayModeBar: false, responsive: true, displaylogo: false };
const THIN_TO = 400; // points per lane while the race moves

/** Put the cursor, veil and hover line inside Plotly's container, under its hover labels. */
function mountOverlays(c) {
  const container = c.plot.querySelector(".svg-container");
  if (!container || c.veil.parentNode === container) return;
  const svgs = container.querySelectorAll(":scope > svg.main-svg");
  const top = svgs.length > 1 ? svgs[svgs.length - 1] : null;
  for (const el of [c.veilBox, c.cursor, c.hover]) container.insertBefore(el, top);
}

export class ChartsView {
  constructor(container, { onHoverStep, onSeek, onExport, makeLogToggle, onLaidOut }) {
    this.opts = { theme: "light", projector: false, logy: true, limit: null };
    this.onLaidOut = onLaidOut ?? (() => {});
    this.buffer = null;
    this.lanes = [];
    this.info = null;
    this.charts = CHARTS.map((def) => this._build(container, def, { onHoverStep, onSeek, onExport, makeLogToggle }));
    this.lastFlush = 0;
    this.turn = 0; // the chart whose turn it is while the race moves (one redraw per flush)
  }

  _build(container, def, { onHoverStep, onSeek, onExport, makeLogToggle }) {
    const plot = h("div", { class: "plot", dataset: { testid: def.testid }, role: "img",
      "aria-describedby": `sum-${def.id}` });
    const veil = h("div", { class: "veil" });
    const veilBox = h("div", { class: "veil-box" }, veil);
    const cursor = h("div", { class: "cursor-line" });
    const hover = h("div", { class: "hover-line" });
    const title = h("h3", { id: `title-${def.id}`, dataset: { i18n: def.title } }, t(def.title));
    const logToggle = def.id === "loss" ? makeLogToggle() : null;
    if (logToggle) this.logToggle = logToggle;
    const tools = h("div", { class: "tools" },
      logToggle,
      h("button", { class: "mini", type: "button", dataset: { i18n: "export.png", i18nTitle: "export.pngTitle", testid: `export-png-${def.id}` },
        onclick: () => onExport(def.id, "png") }, t("export.png")),
      h("button", { class: "mini", type: "button", dataset: { i18n: "export.svg", i18nTitle: "export.svgTitle", testid: `export-svg-${def.id}` },
        onclick: () => onExport(def.id, "svg") }, t("export.svg")));
    const summary = h("p", { class: "sr-only", id: `sum-${def.id}`, "aria-live": "polite", dataset: { testid: `summary-${def.id}` } });
    const card = h("figure", { class: "card chart", dataset: { chart: def.id } },
      h("figcaption", {}, title, tools),
      h("div", { class: "plot-wrap" }, plot, veilBox, cursor, hover), summary);
    container.append(card);
    const chart = { def, plot, veil, veilBox, cursor, hover, summary, busy: false, dirty: true, drawn: false, box: "" };
    plot.setAttribute("aria-labelledby", `title-${def.id}`);
    plot.addEventListener("mouseleave", () => onHoverStep(null));
    const wire = () => {
      plot.on("plotly_hover", (ev) => {
        const x = ev.points?.[0]?.x;
        if (Number.isFinite(x)) onHoverStep(Math.round(x));
      });
      plot.on("plotly_unhover", () => onHoverStep(null));
      plot.on("plotly_click", (ev) => {
        const x = ev.points?.[0]?.x;
        if (Number.isFinite(x)) onSeek(Math.round(x));
      });
    };
    chart.wire = wire;
    new ResizeObserver(() => {
      // the plot area moved: the cursor and veil are placed again once Plotly has laid out
      if (plot._fullLayout) Plotly().Plots.resize(plot).then(() => this._laidOut(chart)).catch(() => {});
    }).observe(plot);
    return chart;
  }

  setOptions(opts) {
    Object.assign(this.opts, opts);
    this.invalidate();
  }

  /** Show rows 0..row only (null: every row); redraws when it changes. */
  setLimit(row) {
    const limit = row === null || row === undefined ? null : row;
    if (limit === this.opts.limit) return;
    this.opts.limit = limit;
    this.invalidate();
  }

  /** The log box says what the axis is: ticked only while the loss axis is logarithmic. */
  _showLogState(isLog) {
    const box = this.logToggle?.querySelector("input");
    if (!box) return;
    const impossible = this.opts.logy && !isLog && !!this.buffer;
    box.checked = isLog;
    box.disabled = impossible;
    this.logToggle.classList.toggle("unavailable", impossible);
    this.logToggle.title = impossible ? t("chart.logyUnavailable") : "";
  }

  _laidOut(c) {
    c.box = ""; // force fitOverlay to measure again
    this.onLaidOut();
  }

  setRace(buffer, lanes, info) {
    this.buffer = buffer;
    this.lanes = lanes;
    this.info = info;
    this.invalidate();
  }

  invalidate() {
    for (const c of this.charts) c.dirty = true;
  }

  /** The chart's figure as plain data (also used for export); `thinTo` points per lane. */
  figure(id, thinTo = 0) {
    const c = this.charts.find((x) => x.def.id === id);
    const mode = chartMode(c.def, this.buffer, this.info, this.opts.logy, this.opts.limit);
    const data = chartTraces(c.def, this.buffer, this.lanes, mode, { ...this.opts, thinTo });
    return { data, layout: chartLayout(c.def, this.buffer, mode, this.opts, this.lanes, data) };
  }

  /**
   * Redraw charts whose data changed. While the race moves (`minGapMs` > 0: streaming, or
   * playing with the future hidden) one chart per call, in turn, at most every `minGapMs`:
   * four Plotly redraws in one animation frame took a quarter of a second on a classroom
   * laptop, so playback ran at 4 frames a second; one at a time keeps the paths moving.
   */
  flush(minGapMs = 0) {
    const now = performance.now();
    if (now - this.lastFlush < minGapMs) return [];
    const promises = [];
    if (minGapMs === 0) for (const c of this.charts) if (c.thinned) c.dirty = true; // at rest: whole
    const n = this.charts.length;
    const order = minGapMs > 0
      ? Array.from({ length: n }, (_, i) => this.charts[(this.turn + i) % n])
      : this.charts;
    for (const c of order) {
      if (!c.dirty || c.busy) continue;
      if (minGapMs > 0 && promises.length) break; // the others on the next calls
      this.turn = (this.charts.indexOf(c) + 1) % n;
      c.dirty = false;
      c.busy = true;
      this.lastFlush = now;
      // while moving, a few hundred points a lane (what a chart this size can show); the
      // whole series once the race rests (the next flush without a gap)
      const { data, layout } = this.figure(c.def.id, minGapMs > 0 ? THIN_TO : 0);
      c.thinned = minGapMs > 0;
      if (c.def.id === "loss") this._showLogState(layout.yaxis.type === "log");
      promises.push(Plotly().react(c.plot, data, layout, CONFIG).then(() => {
        mountOverlays(c);
        if (!c.drawn) {
          c.drawn = true;
          c.wire();
        }
        this._laidOut(c); // margins or axes may have moved (projector mode, a new range)
      }).finally(() => {
        c.busy = false;
      }));
    }
    return promises;
  }

  /** Whether a chart waits for a redraw it can have now (it was busy when its turn came). */
  wantsFlush() {
    return this.charts.some((c) => c.dirty && !c.busy);
  }

  /** Whether every chart shows the latest data. */
  settled() {
    return this.charts.every((c) => !c.dirty && !c.busy);
  }

  /** Move the cursor line, the veil over the future and the hover line (transforms only). */
  setCursor(cursor, hoverStep) {
    for (const c of this.charts) {
      const xa = c.plot._fullLayout?.xaxis;
      const ya = c.plot._fullLayout?.yaxis;
      if (!xa || !ya || !this.buffer) {
        c.veilBox.style.display = c.cursor.style.display = c.hover.style.display = "none";
        c.box = "";
        continue;
      }
      const place = fitOverlay(c, xa, ya);
      if (place) Object.assign(c.hover.style, place);
      const px = (s) => ((s - xa.range[0]) / (xa.range[1] - xa.range[0])) * xa._length;
      const x = px(cursor);
      c.cursor.style.transform = `translateX(${xa._offset + x}px)`;
      c.veil.style.transform = `translateX(${x}px)`;
      if (hoverStep === null || hoverStep === undefined) c.hover.style.display = "none";
      else Object.assign(c.hover.style, { display: "block", transform: `translateX(${xa._offset + px(hoverStep)}px)` });
    }
  }

  setSummaries(texts) {
    for (const c of this.charts) c.summary.textContent = texts[c.def.id] ?? "";
  }
}
