// One labelled input for a catalog parameter spec: slider + box for bounded numbers,
// checkbox, select, pair, list; "auto" for nullable ones. Invalid text is flagged inline
// and never sent.

import { has, pick, t } from "../i18n.js";
import {
  checkParam, fromSlider, hasSlider, paramToInput, parseParam, SLIDER_MAX, toSlider,
} from "../params.js";
import { h, uid } from "./dom.js";
import { icon } from "./icons.js";

export function paramLabel(spec) {
  const key = `param.${spec.name}`;
  return has(key) ? t(key) : spec.name;
}

function errorText(spec, value) {
  const err = checkParam(spec, value);
  if (!err) return "";
  return t("err.must", { what: t(err.key, err.vars) });
}

/**
 * A field for `spec` showing `value`. onChange(value, {live}) fires with valid values only;
 * `live` is true while a slider is dragged.
 */
export function paramField(spec, value, onChange, { testid = null } = {}) {
  const id = uid(`p-${spec.name}`);
  const help = pick(spec.help);
  const msg = h("div", { class: "field-error", id: `${id}-err`, role: "alert" });
  const label = h("label", { for: id, title: help }, paramLabel(spec),
    // the PyTorch/Keras argument name, as a code chip after the translated label
    spec.name !== paramLabel(spec) ? h("code", { class: "pname", title: t("param.codeName", { name: spec.name }) }, spec.name) : null);
  const wrap = h("div", { class: `field field-${spec.type}`, dataset: { param: spec.name, ...(testid ? { testid } : {}) } });
  if (spec.type === "bool" || spec.type === "choice") return pickField(spec, value, onChange, { id, help, label, wrap });

  const box = h("input", { type: "text", id, inputmode: "decimal", autocomplete: "off", spellcheck: false,
    value: paramToInput(spec, value), "aria-describedby": `${id}-err`, title: help });
  const invalid = (text) => {
    box.setAttribute("aria-invalid", text ? "true" : "false");
    msg.textContent = text;
  };
  const row = h("div", { class: "field-row" });
  const slider = hasSlider(spec) ? sliderFor(spec, value, box, invalid, onChange) : null;
  if (slider) row.append(slider);
  const commit = (live) => {
    const v = parseParam(spec, box.value);
    const text = v === undefined ? t("err.must", { what: t(`err.${KIND_WORD[spec.type] ?? "number"}`) }) : errorText(spec, v);
    invalid(text);
    if (text) return;
    if (slider && typeof v === "number") slider.value = toSlider(spec, v);
    onChange(v, { live });
  };
  commitOnEdit(box, commit);
  row.append(box);
  if (spec.nullable) row.append(autoToggle(spec, value, box, slider, invalid, commit, onChange));
  wrap.append(label, row, msg);
  return wrap;
}

const KIND_WORD = { int: "integer", pair: "pair", int_list: "intList", float_list: "floatList" };

/** A checkbox (bool) or a select (choice): no text to check. */
function pickField(spec, value, onChange, { id, help, label, wrap }) {
  if (spec.type === "bool") {
    const box = h("input", { type: "checkbox", id, checked: !!value, title: help,
      onchange: () => onChange(box.checked, { live: false }) });
    wrap.classList.add("field-inline");
    wrap.append(box, label);
    return wrap;
  }
  // a nullable choice (L-BFGS' line_search_fn) offers "none" first: the value null
  const none = spec.nullable ? [h("option", { value: "", selected: value === null || value === undefined }, t("lane.none"))] : [];
  const sel = h("select", { id, title: help, onchange: () => onChange(sel.value === "" && spec.nullable ? null : sel.value, { live: false }) },
    [...none, ...(spec.choices ?? []).map((c) => h("option", { value: c, selected: c === value }, c))]);
  wrap.append(label, sel);
  return wrap;
}

/** The slider beside the text box: dragging writes the box and reports live values. */
function sliderFor(spec, value, box, invalid, onChange) {
  const slider = h("input", { type: "range", min: 0, max: SLIDER_MAX, step: 1, tabindex: -1, "aria-hidden": "true",
    value: toSlider(spec, typeof value === "number" ? value : spec.default ?? spec.low) });
  slider.addEventListener("input", () => {
    const v = fromSlider(spec, Number(slider.value));
    box.value = paramToInput(spec, v);
    invalid("");
    onChange(v, { live: true });
  });
  return slider;
}

/** Typing commits after a pause; Enter and leaving the box commit at once. */
function commitOnEdit(box, commit) {
  let timer = null;
  box.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => commit(false), 350);
  });
  box.addEventListener("change", () => {
    clearTimeout(timer);
    commit(false);
  });
  box.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      clearTimeout(timer);
      commit(false);
    }
  });
}

/** "auto" for a nullable parameter: ticked, the value is null (the run's own default). */
function autoToggle(spec, value, box, slider, invalid, commit, onChange) {
  const autoId = uid("auto");
  const auto = h("input", { type: "checkbox", id: autoId, checked: value === null || value === undefined });
  const sync = () => {
    box.disabled = auto.checked;
    if (slider) slider.disabled = auto.checked;
  };
  sync();
  auto.addEventListener("change", () => {
    sync();
    if (auto.checked) {
      invalid("");
      onChange(null, { live: false });
    } else {
      if (!box.value) box.value = paramToInput(spec, spec.low ?? 1);
      commit(false);
    }
  });
  return h("span", { class: "auto" }, auto, h("label", { for: autoId }, t("lane.auto")));
}

/** The random seed: a number box (no slider) and a dice button for a fresh seed. `set(v, opts)`
 * stores it; the dice re-renders the controls. */
export function seedField(value, set, testid) {
  const seed = paramField({ name: "seed", type: "int", low: 0, high: 2 ** 32 - 1, log: false, default: 0, help: null },
    value, set, { testid });
  seed.querySelector("label").textContent = t("race.seed");
  seed.querySelector("input[type=range]")?.remove();
  seed.querySelector(".field-row").append(h("button", { type: "button", class: "icon", title: t("race.seed"),
    "aria-label": t("race.seed"), onclick: () => set(Math.floor(Math.random() * 100000), { rerender: true }) }, icon("dice", 16)));
  return seed;
}
