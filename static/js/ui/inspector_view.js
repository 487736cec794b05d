// The step inspector: the selected lane's gradient, moments, learning rate and update at
// the shown step, as numbers (the arrows are drawn on the surface by overlay.js).

import { fmt, fmtVec, fmtXY, norm2 } from "../format.js";
import { t } from "../i18n.js";
import { momentUsed } from "../summaries.js";
import { h } from "./dom.js";

export class InspectorView {
  constructor(root, { onSelect }) {
    this.root = root;
    this.onSelect = onSelect;
    this.key = null;
  }

  /** Re-render when lane, step, run or language changed. */
  update(buffer, labels, lane, step, lang, laneSpec) {
    const key = `${buffer?.version}.${buffer?.details}|${labels.join()}|${lane}|${step}|${lang}`;
    if (key === this.key) return;
    this.key = key;
    if (!buffer || !labels.length) {
      this.root.replaceChildren(h("p", { class: "muted" }, t("insp.noRun")));
      return;
    }
    const l = Math.min(lane, labels.length - 1);
    const select = h("select", { id: "insp-lane", dataset: { testid: "inspector-lane" },
      onchange: () => this.onSelect(Number(select.value)) },
    labels.map((name, i) => h("option", { value: i, selected: i === l }, `${i + 1}. ${name}`)));
    const color = buffer.meta.lanes[l]?.color;
    const head = h("div", { class: "insp-head" },
      h("span", { class: "swatch static", style: { "--c": color } }),
      h("label", { for: "insp-lane" }, t("insp.lane")), select,
      h("span", { class: "insp-step", dataset: { testid: "inspector-step" } }, `${t("insp.step")} ${step}`));
    const rows = [];
    const row = (label, value, testid) => rows.push(h("tr", {}, h("th", { scope: "row" }, label),
      h("td", { dataset: testid ? { testid } : {} }, value)));
    const xy = buffer.vector("xy", l, step);
    row(t("insp.position"), fmtXY(xy, 4), "insp-position");
    row(t("insp.loss"), fmt(buffer.scalar("loss", l, step), 4), "insp-loss");
    const d = buffer.divergedBy(l, step);
    let note = null;
    if (d) note = t("insp.diverged", { k: d.step, reason: d.reason ?? "" });
    if (step < 1) {
      note = note ?? t("insp.start");
    } else if (!d) {
      const g = buffer.vector("grad", l, step);
      const u = buffer.vector("update", l, step);
      const m = momentUsed(laneSpec) ? buffer.vector("m", l, step) : null;
      const v = buffer.vector("v", l, step);
      const gn = norm2(g);
      const un = norm2(u);
      row(t("insp.grad"), `${fmtVec(g, 4)}   |∇f| = ${fmt(gn, 4)}`, "insp-grad");
      row(t("insp.m"), m ? fmtVec(m, 4) : t("insp.notUsed"), "insp-m");
      row(t("insp.v"), v ? fmtVec(v, 4) : t("insp.notUsed"), "insp-v");
      row(t("insp.lr"), fmt(buffer.scalar("lr", l, step), 4), "insp-lr");
      row(t("insp.update"), `${fmtVec(u, 4)}   |Δθ| = ${fmt(un, 4)}`, "insp-update");
      row(t("insp.effective"), gn > 0 && un !== null ? fmt(un / gn, 4) : "\u2014", "insp-effective");
    }
    const legend = h("p", { class: "arrow-legend" }, `${t("insp.arrows")}: `,
      h("span", { class: "a-grad" }, `\u2192 ${t("insp.arrowGrad")}`), " ",
      h("span", { class: "a-m" }, `\u21e2 ${t("insp.arrowM")}`), " ",
      h("span", { class: "a-up", style: { color } }, `\u2794 ${t("insp.arrowUpdate")}`));
    this.root.replaceChildren(head, h("table", { class: "insp" }, h("tbody", {}, rows)),
      note ? h("p", { class: "note" }, note) : "", step >= 1 && !d ? legend : "");
  }
}
