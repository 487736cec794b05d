// The decision-boundary small multiples: the dataset alone, then one panel per optimizer
// showing the grid of the shown epoch (the latest grid at or before it). Each panel is a
// Plotly plot of the axes and points (redrawn only when the run, size or theme change), a
// canvas underneath painted with the grid (about a millisecond per epoch change) and an
// HTML title with the lane's colour, its score and its stop.

import { bestColumns, boundaryFigure, dataAspect, gridTraces, smallMultiplesFigure } from "../../mlp/boundary_fig.js";
import { pct } from "../../mlp/text.js";
import { fmt } from "../../format.js";
import { t } from "../../i18n.js";
import { h } from "../dom.js";
import { paintTraces, placeCanvas } from "./heatcanvas.js";

const Plotly = () => window.Plotly;
const CONFIG = { displayModeBar: false, responsive: false, displaylogo: false };
const TITLE_H = { normal: 24, projector: 34 };

export class BoundaryPanels {
  constructor(root, { onResize }) {
    this.root = root;
    this.panels = [];
    this.key = "";
    this.draws = 0; // grid repaints (for bench/ui.py)
    let last = "";
    new ResizeObserver(() => {
      const k = `${root.clientWidth}x${root.clientHeight}`;
      if (k === last || !root.offsetParent) return;
      last = k;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => { this.layout(); onResize?.(); }, 120);
    }).observe(root);
  }

  /** Build the panels for a run (dataset + lanes); a note when the data have no 2-D picture. */
  setRun(buffer, lanes) {
    const meta = buffer?.meta;
    this.meta = meta;
    this.lanes = lanes;
    const picture = !!meta?.points;
    const key = `${meta?.run_id}|${lanes.map((l) => l.label + l.color).join()}|${picture}`;
    if (key === this.key) return;
    this.key = key;
    this.root.replaceChildren();
    this.panels = [];
    this.root.closest(".mlp-view")?.classList.toggle("no-picture", !!meta && !picture);
    if (!meta) return;
    if (!picture) {
      const n = meta.feature_names?.length ?? meta.sizes?.[0];
      this.root.append(h("p", { class: "mlp-nopicture", dataset: { testid: "mlp-nopicture" } }, t("mlp.noPicture", { n }),
        n > 2 ? h("br") : null, n > 2 ? t("upload.noPictureHint") : null));
      return;
    }
    for (const lane of [null, ...lanes.keys()]) {
      const id = lane === null ? "data" : String(lane);
      const div = h("div", { class: "boundary-plot", dataset: { testid: `mlp-boundary-${id}` } });
      const title = h("div", { class: "boundary-title", dataset: { testid: `mlp-boundary-title-${id}` } });
      const canvas = h("canvas", { class: "boundary-canvas", "aria-hidden": "true" });
      const panel = { lane, div, title, canvas, staticKey: null, gridKey: null, busy: false, painted: null };
      const save = (format) => this.savePanel(panel, format);
      const tools = h("div", { class: "tools" },
        h("button", { type: "button", class: "mini", title: t("export.pngTitle"), onclick: () => save("png") }, t("export.png")),
        h("button", { type: "button", class: "mini", title: t("export.svgTitle"), onclick: () => save("svg") }, t("export.svg")));
      this.root.append(h("div", { class: "boundary-cell", role: "img" }, title, div, tools));
      this.panels.push(panel);
    }
    this.layout();
  }

  /** Size the panels to fill the box (the plot area keeps roughly the data's aspect). */
  layout() {
    if (!this.panels.length) return;
    const w = this.root.clientWidth;
    const hgt = Math.max(this.root.clientHeight, 240);
    const proj = document.body.classList.contains("projector");
    const extra = { x: 42, y: 32 + (proj ? TITLE_H.projector : TITLE_H.normal) };
    const aspect = dataAspect(this.meta);
    const best = bestColumns(this.panels.length, w, hgt, aspect, extra);
    const rows = Math.ceil(this.panels.length / best.cols);
    // at least 160 px wide, unless that would push the panels out of the card
    const width = Math.floor(Math.min(Math.max(160, best.width), (w - 8 * (best.cols - 1)) / best.cols));
    // use spare height: the plot may be up to 1.5× taller than equal units would make it
    const height = Math.max(140, Math.floor(Math.min((hgt - 8 * (rows - 1)) / rows, (width - extra.x) * aspect * 1.5 + extra.y)));
    this.root.style.gridTemplateColumns = `repeat(${best.cols}, ${width}px)`;
    const plotH = height - (proj ? TITLE_H.projector : TITLE_H.normal);
    for (const p of this.panels) {
      p.div.style.width = `${width}px`;
      p.div.style.height = `${plotH}px`;
      p.title.style.width = `${width}px`;
      p.staticKey = null;
    }
    this.size = { width, height: plotH };
  }

  /** The panel's title: the lane's colour chip, its label and the shown epoch's score and stop. */
  titleParts(panel) {
    const meta = this.meta;
    const b = this.buffer;
    if (panel.lane === null) return { color: null, label: t("mlp.dataTitle", { train: meta.n_train, val: meta.n_val }), extra: "" };
    const lane = this.lanes[panel.lane];
    const e = b ? Math.max(0, b.liveEpoch(panel.lane, this.epoch)) : 0;
    const reg = meta.task === "regression";
    const v = b?.value(reg ? "val_loss" : "val_acc", panel.lane, e) ?? b?.value(reg ? "train_loss" : "train_acc", panel.lane, e);
    const stop = b?.stopOf(panel.lane);
    const parts = [];
    if (v !== null && v !== undefined) parts.push(reg ? fmt(v, 3) : pct(v));
    if (stop && stop.epoch <= this.epoch) parts.push(t(stop.reason === "diverged" ? "mlp.divergedShort" : "mlp.stoppedShort", { k: stop.epoch }));
    return { color: lane.color, label: lane.label, extra: parts.join(" \u00b7 ") };
  }

  /** A panel's grid at the shown epoch, colour and title markup (exports). */
  exportParts(panel) {
    const g = panel.lane === null ? null : this.buffer?.gridAt(panel.lane, this.epoch) ?? null;
    const color = panel.lane === null ? null : this.lanes[panel.lane].color;
    const tp = this.titleParts(panel);
    const title = `${tp.color ? `<span style="color:${tp.color}">\u25A0</span> ` : ""}${tp.label}${tp.extra ? ` \u00b7 ${tp.extra}` : ""}`;
    return { g, color, title };
  }

  /** The whole figure of a panel, grid and title included (exports). */
  figureOf(panel) {
    const { g, title, color } = this.exportParts(panel);
    return boundaryFigure(this.meta, g, title, this.opts, color);
  }

  /** One panel as png or svg, at least 640 px wide, its plot area with the data's aspect. */
  savePanel(panel, format) {
    const fig = this.figureOf(panel);
    const mg = fig.layout.margin;
    const width = Math.max(640, panel.div.clientWidth);
    const height = Math.round((width - mg.l - mg.r) * dataAspect(this.meta) + mg.t + mg.b);
    const name = `descentlab-boundary-${panel.lane === null ? "data" : panel.lane + 1}`;
    return Plotly().downloadImage({ data: fig.data, layout: { ...fig.layout, width, height } },
      { format, filename: name, width, height, scale: format === "png" ? 2 : 1 });
  }

  /** Every panel (the dataset and each optimizer) in one figure, sized for export. */
  smallMultiples() {
    return smallMultiplesFigure(this.meta, this.panels.map((p) => this.exportParts(p)), this.opts);
  }

  /**
   * Bring every panel up to `epoch`; returns the Plotly promises (static redraws only). A call
   * starts at most one static redraw (a Plotly plot of axes and points) unless `force`, so a
   * new run's panels appear over a few frames and the page stays responsive.
   */
  update(buffer, epoch, opts, force = false) {
    this.buffer = buffer;
    this.epoch = epoch;
    this.opts = opts;
    const promises = [];
    if (!this.meta || !this.size) return promises;
    const skey = `${this.meta.run_id}|${opts.theme}|${opts.projector}|${opts.scale}|${opts.lang}|${this.size.width}x${this.size.height}`;
    this.skey = skey;
    for (const p of this.panels) {
      this.writeTitle(p);
      if (p.busy) continue;
      if (force || p.staticKey !== skey) {
        if (!force && promises.length) continue; // the next frame draws it
        p.busy = true;
        p.staticKey = skey;
        p.gridKey = null;
        const { data, layout } = boundaryFigure(this.meta, null, "", opts, null, { live: true });
        promises.push(Plotly().react(p.div, data, { ...layout, ...this.size }, CONFIG).then(() => {
          placeCanvas(p.canvas, p.div);
        }).finally(() => {
          p.busy = false;
          this.paint(p);
        }));
        continue;
      }
      this.paint(p);
    }
    return promises;
  }

  /** Repaint a panel's canvas if its grid changed. */
  paint(p) {
    if (p.lane === null || !p.canvas.axes) return;
    const g = this.buffer?.gridAt(p.lane, this.epoch) ?? null;
    const key = `${g?.epoch}|${p.staticKey}`;
    if (key === p.gridKey) return;
    p.gridKey = key;
    paintTraces(p.canvas, gridTraces(this.meta, g ? { ...g, color: this.lanes[p.lane].color } : null, this.opts));
    p.painted = g?.epoch ?? null;
    this.draws++;
  }

  writeTitle(p) {
    const tp = this.titleParts(p);
    const key = `${tp.color}|${tp.label}|${tp.extra}`;
    if (key === p.titleKey) return;
    p.titleKey = key;
    p.title.replaceChildren(tp.color ? h("span", { class: "swatch static square", style: { "--c": tp.color } }) : "",
      h("span", { class: "bt-label" }, tp.label), tp.extra ? h("span", { class: "bt-extra" }, tp.extra) : "");
    p.div.parentNode?.setAttribute("aria-label", `${tp.label}${tp.extra ? `, ${tp.extra}` : ""}`);
  }

  /** Whether every panel shows the current grid. */
  settled() {
    return this.panels.every((p) => !p.busy && p.staticKey !== null && p.staticKey === this.skey
      && (p.lane === null || p.gridKey !== null));
  }

  /** Figures of every panel (for the standalone page). */
  figures() {
    return this.panels.map((p) => ({ id: p.lane === null ? "data" : `b${p.lane}`,
      title: p.lane === null ? t("mlp.data") : this.lanes[p.lane].label, figure: this.figureOf(p) }));
  }
}
