// The settings column: surface (catalogue or typed formula), race settings (steps, noise,
// seed) and start points. Lanes have their own module.

import { fmtXY, plain } from "../format.js";
import { pick, t } from "../i18n.js";
import { paramDefaults } from "../params.js";
import { applySuggestedRates, MAX_STEPS } from "../state.js";
import { h, uid } from "./dom.js";
import { icon } from "./icons.js";
import { paramField, seedField } from "./param_input.js";

const RE = { rerender: true };
const EXAMPLE = "sin(x)*cos(y) + 0.1*(x**2 + y**2)";

export class ControlsView {
  /**
   * change(mutator, {live, rerender, surface}) edits the state; checkFormula(text, domain)
   * resolves to the API's answer.
   */
  constructor({ surfaceRoot, raceRoot, startsRoot }, { cat, change, checkFormula }) {
    Object.assign(this, { surfaceRoot, raceRoot, startsRoot, cat, change, checkFormula });
    this.formulaTimer = null;
    this.formulaSeq = 0;
  }

  render(state, surfaceInfo) {
    this.state = state;
    this._surface(state);
    this._race(state);
    this.renderStarts(state, surfaceInfo);
  }

  _surface(state) {
    const id = uid("surface");
    const isFormula = state.surface.formula !== undefined && state.surface.formula !== null;
    const sel = h("select", { id, dataset: { testid: "surface-select" },
      onchange: () => {
        if (sel.value === "__formula") {
          this.change((s) => { s.surface = { formula: EXAMPLE, domain: null }; }, { ...RE, surface: true });
          return;
        }
        const e = this.cat.surface.get(sel.value);
        this.change((s) => {
          s.surface = { name: e.name, params: paramDefaults(e) };
          if (e.starts?.length) s.starts = [e.starts[0].slice()];
          applySuggestedRates(s.lanes, e.suggested_lr);
        }, { ...RE, surface: true });
      } },
    [...this.cat.surface.values()].map((e) => h("option", { value: e.name, selected: !isFormula && e.name === state.surface.name }, pick(e.label))),
    h("option", { value: "__formula", selected: isFormula }, t("surface.custom")));
    const parts = [h("label", { for: id }, t("surface.select")), sel];
    if (isFormula) {
      parts.push(this._formula(state));
    } else {
      const e = this.cat.surface.get(state.surface.name);
      if (e) {
        parts.push(h("p", { class: "formula-text", dataset: { testid: "surface-formula" } }, `f(x, y) = ${e.formula}`));
        parts.push(h("p", { class: "help" }, pick(e.help)));
        for (const spec of e.params) {
          parts.push(paramField(spec, state.surface.params?.[spec.name] ?? spec.default,
            (v, o) => this.change((s) => { s.surface.params[spec.name] = v; }, { ...o, surface: true }),
            { testid: `surface-${spec.name}` }));
        }
      }
    }
    this.surfaceRoot.replaceChildren(...parts);
  }

  _formula(state) {
    const id = uid("formula");
    const box = h("input", { type: "text", id, value: state.surface.formula ?? "", spellcheck: false,
      autocomplete: "off", dataset: { testid: "formula-input" }, placeholder: t("formula.placeholder"),
      "aria-describedby": `${id}-msg` });
    const msg = h("div", { class: "formula-msg", id: `${id}-msg`, role: "status", dataset: { testid: "formula-message" } });
    const dom = state.surface.domain ?? this.formulaDomain ?? [[-3, 3], [-3, 3]];
    const dInputs = dom.flat().map((v, k) => h("input", { type: "text", inputmode: "decimal", value: plain(v),
      "aria-label": t(["dom.xmin", "dom.xmax", "dom.ymin", "dom.ymax"][k]), class: "dom", dataset: { testid: `domain-${k}` } }));
    const readDomain = () => {
      const d = dInputs.map((i) => Number(i.value));
      if (!d.every(Number.isFinite) || !(d[0] < d[1] && d[2] < d[3])) return undefined;
      return [[d[0], d[1]], [d[2], d[3]]];
    };
    const check = (apply) => {
      clearTimeout(this.formulaTimer);
      const text = box.value.trim();
      const domain = readDomain();
      if (domain === undefined) {
        msg.className = "formula-msg bad";
        msg.textContent = t("err.domain");
        return;
      }
      const seq = ++this.formulaSeq;
      msg.className = "formula-msg";
      msg.textContent = t("formula.checking");
      this.checkFormula(text, domain).then((res) => {
        if (seq !== this.formulaSeq) return;
        showFormulaCheck(box, msg, text, res);
        if (res.ok && apply) {
          this.change((s) => { s.surface = { formula: text, domain: domain ?? null }; }, { surface: true });
        }
      }).catch((e) => {
        if (seq !== this.formulaSeq) return;
        msg.className = "formula-msg bad";
        msg.textContent = t("status.error", { message: e.message });
      });
    };
    const schedule = () => {
      clearTimeout(this.formulaTimer);
      this.formulaTimer = setTimeout(() => check(true), 500);
    };
    box.addEventListener("input", schedule);
    box.addEventListener("keydown", (ev) => { if (ev.key === "Enter") check(true); });
    for (const i of dInputs) i.addEventListener("change", () => check(true));
    const apply = h("button", { type: "button", class: "mini", dataset: { testid: "formula-apply" }, onclick: () => check(true) }, t("formula.apply"));
    queueMicrotask(() => check(false));
    return h("div", { class: "formula" },
      h("label", { for: id }, t("formula.label")),
      h("div", { class: "field-row" }, box, apply), msg,
      h("p", { class: "help" }, t("formula.hint")),
      h("fieldset", { class: "domain" }, h("legend", {}, t("formula.domain")),
        h("div", { class: "dom-row" }, h("span", {}, t("formula.x")), dInputs[0], dInputs[1]),
        h("div", { class: "dom-row" }, h("span", {}, t("formula.y")), dInputs[2], dInputs[3])));
  }

  _race(state) {
    const steps = paramField({ name: "steps", type: "int", low: 1, high: MAX_STEPS, log: true, default: 300, help: null },
      state.steps, (v, o) => this.change((s) => { s.steps = v; }, o), { testid: "steps" });
    steps.querySelector("label").textContent = t("race.steps");
    const noiseId = uid("noise");
    const mode = h("select", { id: noiseId, dataset: { testid: "noise-mode" },
      onchange: () => this.change((s) => { s.noise.mode = mode.value; }, RE) },
    ["none", "sigma", "batch"].map((m) => h("option", { value: m, selected: state.noise.mode === m }, t(`noise.${m}`))));
    const noise = [h("label", { for: noiseId }, t("race.noise")), mode];
    if (state.noise.mode === "sigma") {
      const f = paramField({ name: "sigma", type: "float", low: 0, high: 1000, log: false, default: 0.1, help: null },
        state.noise.sigma, (v, o) => this.change((s) => { s.noise.sigma = v; }, o), { testid: "noise-sigma" });
      f.querySelector("label").textContent = t("noise.sigmaValue");
      f.querySelector("input[type=range]")?.remove();
      noise.push(f);
    } else if (state.noise.mode === "batch") {
      const f = paramField({ name: "batch", type: "int", low: 1, high: 100000, log: true, default: 8, help: null },
        state.noise.batch, (v, o) => this.change((s) => { s.noise.batch = v; }, o), { testid: "noise-batch" });
      f.querySelector("label").textContent = t("noise.batchValue");
      noise.push(f);
    }
    const seed = seedField(state.seed, (v, o) => this.change((s) => { s.seed = v; }, o), "seed");
    this.raceRoot.replaceChildren(steps, h("div", { class: "field" }, ...noise), seed);
  }

  renderStarts(state, info) {
    const list = h("ol", { class: "starts", dataset: { testid: "starts" } }, state.starts.map((p, i) => h("li", {},
      h("span", { class: "start-xy", dataset: { testid: `start-${i}` } }, `${t("starts.label", { n: i + 1 })} ${fmtXY(p, 3)}`),
      state.starts.length > 1 ? h("button", { type: "button", class: "icon", title: t("starts.remove", { n: i + 1 }),
        "aria-label": t("starts.remove", { n: i + 1 }), onclick: () => this.change((s) => s.starts.splice(i, 1), RE) }, icon("remove", 14)) : null)));
    const suggested = info?.starts ?? [];
    const sug = suggested.length ? h("div", { class: "suggested" }, h("span", {}, t("starts.suggested")),
      suggested.map((p) => h("button", { type: "button", class: "mini", onclick: (ev) => this.change((s) => {
        if (ev.shiftKey && s.starts.length < 16) s.starts.push(p.slice());
        else s.starts = [p.slice()];
      }, RE) }, fmtXY(p, 2)))) : null;
    this.startsRoot.replaceChildren(h("p", { class: "help" }, t("starts.hint")), list, sug ?? "");
  }
}

/** The server's verdict on a formula under its box: the message with a caret at the column,
 * a warning where f overflows (or is too large to draw) somewhere, or "ok". */
function showFormulaCheck(box, msg, text, res) {
  box.setAttribute("aria-invalid", res.ok ? "false" : "true");
  if (!res.ok) {
    msg.className = "formula-msg bad";
    const caret = Number.isInteger(res.column) ? `${text}\n${" ".repeat(Math.max(0, res.column - 1))}^` : null;
    msg.replaceChildren(h("span", {}, res.message), caret ? h("pre", { class: "caret" }, caret) : "");
    return;
  }
  const v = res.values;
  if (res.warning && v) {
    const pct = (x) => `${Number((100 * x).toPrecision(3))}%`;
    msg.className = "formula-msg bad warn";
    msg.textContent = t("formula.overflow", { finite: pct(v.finite), clipped: pct(v.clipped) });
  } else {
    msg.className = "formula-msg ok";
    msg.textContent = t("formula.ok");
  }
}
