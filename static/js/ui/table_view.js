// The summary table (one row per lane) and the lane legend above the surface, which shows
// each lane's loss at the shown step and its divergence.

import { fmt } from "../format.js";
import { t } from "../i18n.js";
import { tableRows } from "../summaries.js";
import { startDash } from "../colors.js";
import { h } from "./dom.js";
import { LaneLegend } from "./legend.js";

export function renderTable(root, summary, labels, meta, selected, onSelect) {
  if (!summary?.length) {
    root.replaceChildren(h("p", { class: "muted" }, t("table.empty")));
    return;
  }
  const cols = ["lane", "start", "final", "position", "nearest", "converged", "diverged"];
  const head = h("tr", {}, cols.map((c) => h("th", { scope: "col" }, t(`table.${c}`))));
  const body = tableRows(summary, labels, meta).map((r) => h("tr", {
    class: `${r.lane === selected ? "selected" : ""} ${r.isDiverged ? "diverged" : ""}`,
    tabindex: 0, dataset: { testid: `summary-row-${r.lane}` },
    onclick: () => onSelect(r.lane),
    onkeydown: (ev) => { if (ev.key === "Enter") onSelect(r.lane); },
  },
  h("td", {}, h("span", { class: "swatch static", style: { "--c": r.color } }), r.label),
  h("td", { class: "num" }, r.start), h("td", { class: "num" }, r.final), h("td", { class: "num" }, r.position),
  h("td", {}, r.nearest), h("td", { class: "num" }, r.converged), h("td", {}, r.diverged)));
  root.replaceChildren(h("table", { class: "summary", dataset: { testid: "summary-table" } },
    h("thead", {}, head), h("tbody", {}, body)));
}

/** Legend chips: colour (dash = start), label, and the loss at the shown step. */
export class Legend extends LaneLegend {
  constructor(root, { onSelect }) {
    super(root, { onSelect, testid: "legend", dashOf: (lane) => startDash(lane.start) });
  }

  valueOf(buffer, i, cursor) {
    if (!buffer) return { text: "", diverged: false };
    const d = buffer.divergedBy(i, cursor);
    if (d) return { text: t("plot.diverged", { k: d.step }), diverged: true };
    const r = buffer.headRow(i, cursor);
    return { text: r >= 0 ? `f = ${fmt(buffer.scalar("loss", i, r), 3)}` : "", diverged: false };
  }
}
