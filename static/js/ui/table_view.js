// The summary table (one row per lane) and the lane legend above the surface, which shows
// each lane's loss at the shown step and its divergence.

import { fmt } from "../format.js";
import { t } from "../i18n.js";
import { tableRows } from "../summaries.js";
import { startDash } from "../colors.js";
import { h } from "./dom.js";

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
export class Legend {
  constructor(root, { onSelect }) {
    this.root = root;
    this.onSelect = onSelect;
    this.items = [];
    this.key = null;
  }

  build(lanes, selected) {
    const key = `${lanes.map((l) => `${l.label}${l.color}`).join()}|${selected}`;
    if (key === this.key) return;
    this.key = key;
    this.items = lanes.map((lane, i) => {
      const value = h("span", { class: "chip-value" });
      const dash = startDash(lane.start);
      const chip = h("button", { type: "button", class: `chip ${i === selected ? "selected" : ""}`,
        style: { "--c": lane.color }, dataset: { testid: `legend-${i}` }, "aria-pressed": String(i === selected),
        onclick: () => this.onSelect(i) },
      h("span", { class: `line dash-${dash}` }), h("span", { class: "chip-label" }, lane.label), value);
      return { chip, value, last: null };
    });
    this.root.replaceChildren(...this.items.map((x) => x.chip));
  }

  /** Update the values at step `cursor` (cheap: text only when it changed). */
  update(buffer, cursor) {
    this.items.forEach((item, i) => {
      let text = "";
      if (buffer) {
        const d = buffer.divergedBy(i, cursor);
        if (d) text = t("plot.diverged", { k: d.step });
        else {
          const r = buffer.headRow(i, cursor);
          text = r >= 0 ? `f = ${fmt(buffer.scalar("loss", i, r), 3)}` : "";
        }
      }
      if (text !== item.last) {
        item.last = text;
        item.value.textContent = text;
        item.chip.classList.toggle("diverged", text !== "" && !text.startsWith("f ="));
      }
    });
  }
}
