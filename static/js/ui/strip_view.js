// The control strip: in projector mode (or with the settings column closed) the essential
// knobs in one row: the surface, each lane's learning rate, the steps.

import { laneColor } from "../colors.js";
import { pick, t } from "../i18n.js";
import { paramDefaults } from "../params.js";
import { applySuggestedRates, MAX_STEPS } from "../state.js";
import { optimizerName } from "../summaries.js";
import { h, uid } from "./dom.js";
import { paramField } from "./param_input.js";

export class StripView {
  constructor(root, { cat, change, openSettings }) {
    Object.assign(this, { root, cat, change, openSettings });
  }

  render(state) {
    const id = uid("strip-surface");
    const isFormula = state.surface.formula !== undefined && state.surface.formula !== null;
    const sel = h("select", { id, dataset: { testid: "strip-surface" }, onchange: () => {
      const e = this.cat.surface.get(sel.value);
      if (!e) return;
      this.change((s) => {
        s.surface = { name: e.name, params: paramDefaults(e) };
        if (e.starts?.length) s.starts = [e.starts[0].slice()];
        applySuggestedRates(s.lanes, e.suggested_lr);
      }, { surface: true, rerender: true });
    } },
    [...this.cat.surface.values()].map((e) => h("option", { value: e.name, selected: !isFormula && e.name === state.surface.name }, pick(e.label))),
    isFormula ? h("option", { value: "", selected: true }, t("surface.custom")) : null);
    const items = [h("div", { class: "strip-item" }, h("label", { for: id }, t("surface.select")), sel)];
    state.lanes.forEach((lane, i) => {
      const spec = this.cat.optimizer.get(lane.name)?.params.find((p) => p.name === "lr");
      if (!spec) return;
      const f = paramField(spec, lane.params.lr, (v, o) => this.change((s) => { s.lanes[i].params.lr = v; }, { ...o, sidebar: true }),
        { testid: `strip-lr-${i}` });
      f.querySelector("input[type=range]")?.remove();
      const label = f.querySelector("label");
      label.replaceChildren(h("span", { class: "swatch static", style: { "--c": laneColor(i, state.theme) } }),
        `${optimizerName(this.cat, lane)} · lr`);
      label.title = pick(spec.help);
      f.classList.add("strip-item");
      items.push(f);
    });
    const steps = paramField({ name: "steps", type: "int", low: 1, high: MAX_STEPS, log: true, default: 300, help: null },
      state.steps, (v, o) => this.change((s) => { s.steps = v; }, { ...o, sidebar: true }), { testid: "strip-steps" });
    steps.querySelector("label").textContent = t("race.steps");
    steps.querySelector("input[type=range]")?.remove();
    steps.classList.add("strip-item");
    items.push(steps);
    items.push(h("button", { type: "button", class: "ghost", dataset: { testid: "strip-settings" },
      onclick: () => this.openSettings() }, `${t("top.controls")}…`));
    this.root.replaceChildren(...items);
  }
}
