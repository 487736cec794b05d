// Small pieces of the MLP view: the counters (epoch, iteration, iterations per epoch,
// parameters), the lane legend with each lane's validation score at the shown epoch, the key
// to the points and colours, and the summary table.

import { fmt } from "../../format.js";
import { t } from "../../i18n.js";
import { classColor } from "../../mlp/colormaps.js";
import { counters, netDiagram, pct, sizesText, tableRows } from "../../mlp/text.js";
import { h } from "../dom.js";
import { LaneLegend } from "../legend.js";

/** The counter tiles; text is replaced only when it changes (cheap every frame). */
export class Counters {
  constructor(root) {
    this.root = root;
    this.tiles = new Map();
  }

  update(meta, buffer, epoch) {
    if (!meta) {
      this.root.replaceChildren();
      this.tiles.clear();
      return;
    }
    for (const c of counters(meta, buffer, epoch)) {
      let tile = this.tiles.get(c.id);
      if (!tile || !tile.el.isConnected) {
        tile = { label: h("span", { class: "counter-label" }), value: h("span", { class: "counter-value" }) };
        // a short form (numbers only) replaces the sentence when the stage is narrow (CSS)
        if (c.short !== undefined) tile.short = h("span", { class: "counter-value counter-short", "aria-hidden": "true" });
        tile.value.classList.toggle("counter-long", !!tile.short);
        tile.el = h("div", { class: `counter counter-${c.id}`, dataset: { testid: `mlp-count-${c.id}` } },
          tile.label, tile.value, tile.short ?? "");
        this.tiles.set(c.id, tile);
        this.root.append(tile.el);
      }
      if (tile.label.textContent !== c.label) tile.label.textContent = c.label;
      if (tile.value.textContent !== c.value) tile.value.textContent = c.value;
      if (tile.short && tile.short.textContent !== c.short) tile.short.textContent = c.short;
      if (tile.el.title !== c.value) tile.el.title = c.value;
    }
    const key = (meta.sizes ?? []).join();
    if (key !== this.netKey) {
      this.netKey = key;
      this.net?.remove();
      this.net = networkSvg(meta.sizes ?? []);
      this.tiles.get("params")?.el.append(this.net);
    }
  }
}

/** The network as a small SVG: dots per layer (at most 6 drawn) and the edges; widths in its title. */
function networkSvg(sizes) {
  const ns = "http://www.w3.org/2000/svg";
  const w = Math.min(110, 18 * sizes.length);
  const { nodes, edges } = netDiagram(sizes, w, 30);
  const el = (tag, attrs) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    return e;
  };
  const svg = el("svg", { viewBox: `0 0 ${w} 30`, width: w, height: 30, class: "netsvg", role: "img" });
  svg.append(el("title", {}));
  svg.querySelector("title").textContent = sizesText(sizes);
  for (const [x0, y0, x1, y1] of edges) svg.append(el("line", { x1: x0, y1: y0, x2: x1, y2: y1, class: "net-edge" }));
  for (const [x, y] of nodes) svg.append(el("circle", { cx: x, cy: y, r: 2.4, class: "net-node" }));
  return svg;
}

/** Legend chips: colour, label and the validation accuracy (or loss) at the shown epoch. */
export class MlpLegend extends LaneLegend {
  constructor(root, { onSelect }) {
    super(root, { onSelect, testid: "mlp-legend" });
  }

  valueOf(buffer, i, epoch) {
    if (!buffer?.rows) return { text: "", diverged: false };
    const reg = buffer.meta.task === "regression";
    const stop = buffer.stopOf(i);
    const e = Math.max(0, buffer.liveEpoch(i, epoch));
    const v = buffer.value(reg ? "val_loss" : "val_acc", i, e) ?? buffer.value(reg ? "train_loss" : "train_acc", i, e);
    let text = v === null ? "" : t(reg ? "mlp.chip.loss" : "mlp.chip.acc", { v: reg ? fmt(v, 3) : pct(v) });
    if (stop && stop.epoch <= epoch) {
      text += ` \u00b7 ${t(stop.reason === "diverged" ? "mlp.divergedShort" : "mlp.stoppedShort", { k: stop.epoch })}`;
    }
    return { text, diverged: stop?.reason === "diverged" };
  }
}

/** The key under the boundary panels: filled = train, hollow = validation, and the class colours. */
export function renderKey(root, meta) {
  if (!meta?.points) {
    root.replaceChildren();
    return;
  }
  const items = [h("span", { class: "key-item" }, h("span", { class: "dot filled" }), t("mlp.train")),
    h("span", { class: "key-item" }, h("span", { class: "dot hollow" }), t("mlp.val"))];
  if (meta.task === "regression") {
    items.push(h("span", { class: "key-item muted" }, t(meta.grid?.y ? "mlp.key.surface" : "mlp.key.curve")));
  } else {
    (meta.class_names ?? []).forEach((name, k) => items.push(h("span", { class: "key-item" },
      h("span", { class: "swatch static square", style: { "--c": classColor(k) } }), t("mlp.class", { c: name }))));
    items.push(h("span", { class: "key-item muted" }, t(meta.task === "binary" ? "mlp.key.prob" : "mlp.key.conf")));
  }
  root.replaceChildren(...items);
}

/** The line styles of the curves: train solid, validation dashed, minibatch loss faint. */
export function renderLineKey(root) {
  root.replaceChildren(...[["solid", "mlp.train"], ["dashed", "mlp.val"], ["faint", "mlp.minibatch"]].map(([cls, key]) =>
    h("span", { class: "key-item" }, h("span", { class: `ls ${cls}` }), t(key))));
}

/** The summary table (one row per lane) once training is done. */
export function renderMlpTable(root, summary, labels, meta, selected, onSelect) {
  if (!summary?.length) {
    root.replaceChildren(h("p", { class: "muted" }, t("mlp.table.empty")));
    return;
  }
  const cols = ["lane", "bestLoss", "bestAcc", "bestEpoch", "stopped", "why", "final"];
  const head = h("tr", {}, cols.map((c) => h("th", { scope: "col" }, t(c === "lane" ? "table.lane" : `mlp.table.${c}`))));
  const body = tableRows(summary, labels, meta).map((r) => h("tr", {
    class: `${r.lane === selected ? "selected" : ""} ${r.isDiverged ? "diverged" : ""}`, tabindex: 0,
    dataset: { testid: `mlp-summary-row-${r.lane}` }, onclick: () => onSelect(r.lane),
    onkeydown: (ev) => { if (ev.key === "Enter") onSelect(r.lane); },
  },
  h("td", {}, h("span", { class: "swatch static", style: { "--c": r.color } }), r.label),
  h("td", { class: "num" }, r.bestLoss), h("td", { class: "num" }, r.bestAcc), h("td", { class: "num" }, r.bestEpoch),
  h("td", { class: "num" }, r.stopped), h("td", { class: "why" }, r.why), h("td", { class: "num" }, r.final)));
  root.replaceChildren(h("table", { class: "summary", dataset: { testid: "mlp-summary-table" } },
    h("thead", {}, head), h("tbody", {}, body)));
}
