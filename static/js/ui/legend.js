// Lane legend chips, shared by the race and the MLP views: a chip per lane (colour, line
// style, label, a value), the selected lane pressed, a click selects. Each view says what a
// chip's value is (`valueOf`) and when it reads as diverged.

import { h } from "./dom.js";

export class LaneLegend {
  /** testid: the chips' data-testid prefix; dashOf(lane): the line's dash class suffix. */
  constructor(root, { onSelect, testid = "legend", dashOf = () => null }) {
    this.root = root;
    this.onSelect = onSelect;
    this.testid = testid;
    this.dashOf = dashOf;
    this.items = [];
    this.key = null;
  }

  build(lanes, selected) {
    const key = `${lanes.map((l) => `${l.label}${l.color}`).join()}|${selected}`;
    if (key === this.key) return;
    this.key = key;
    this.items = lanes.map((lane, i) => {
      const value = h("span", { class: "chip-value" });
      const dash = this.dashOf(lane);
      const chip = h("button", { type: "button", class: `chip ${i === selected ? "selected" : ""}`,
        style: { "--c": lane.color }, dataset: { testid: `${this.testid}-${i}` }, "aria-pressed": String(i === selected),
        onclick: () => this.onSelect(i) },
      h("span", { class: dash ? `line dash-${dash}` : "line" }), h("span", { class: "chip-label" }, lane.label), value);
      return { chip, value, last: null };
    });
    this.root.replaceChildren(...this.items.map((x) => x.chip));
  }

  /** Show each chip's value at `at` (text only when it changed). */
  update(buffer, at) {
    this.items.forEach((item, i) => {
      const { text, diverged } = this.valueOf(buffer, i, at);
      if (text !== item.last) {
        item.last = text;
        item.value.textContent = text;
        item.chip.classList.toggle("diverged", diverged);
      }
    });
  }

  /** {text, diverged} of lane i at `at`: each view's own. */
  valueOf() {
    return { text: "", diverged: false };
  }
}
