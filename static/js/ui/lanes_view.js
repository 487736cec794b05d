// The optimizer lanes editor: one card per lane (optimizer, its parameters, an optional
// learning-rate schedule and gradient clipping), add / duplicate / remove, Keras presets.
// The MLP view uses it too ({mlp: true}: reduce-on-plateau allowed, test ids prefixed).

import { laneColor } from "../colors.js";
import { pick, t } from "../i18n.js";
import { paramDefaults } from "../params.js";
import {
  addPart, composite, makeLane, MAX_LANES, mlpOnly, partNames, raceOnly, rateFamily, removePart,
} from "../state.js";
import { laneLabel } from "../summaries.js";
import { h, uid } from "./dom.js";
import { icon } from "./icons.js";
import { paramField } from "./param_input.js";

const RE = { rerender: true };
const MAIN_PARAMS = new Set(["lr", "momentum", "betas", "alpha", "rho"]);

export class LanesView {
  /** change(mutator(state), {live}) edits the state; select(i) picks a lane to inspect. */
  constructor(root, { cat, change, select, mlp = false, prefix = "" }) {
    this.root = root;
    this.cat = cat;
    this.change = change;
    this.select = select;
    this.mlp = mlp;
    this.prefix = prefix;
    this.open = new Set();
  }

  tid(s) {
    return `${this.prefix}${s}`;
  }

  render(state) {
    this.state = state;
    const theme = state.theme;
    const cards = state.lanes.map((lane, i) => this._card(lane, i, theme));
    const add = h("button", { type: "button", class: "add", dataset: { testid: this.tid("lane-add") },
      disabled: state.lanes.length >= MAX_LANES,
      onclick: () => this.change((s) => {
        const used = new Set(s.lanes.map((l) => l.name));
        const name = ["adam", "sgd", "rmsprop", "adagrad", "nadam", "adamw", "adadelta", "radam", "adamax", "gd"]
          .find((n) => !used.has(n)) ?? "adam";
        const lr = this.mlp ? (name === "sgd" ? 0.1 : 0.01) : name === "sgd" ? 0.005 : 0.05;
        s.lanes.push(makeLane(this.cat, name, { lr }, null, null, { mlp: this.mlp }));
      }, RE) }, `+ ${t("lanes.add")}`);
    const count = h("span", { class: "count", dataset: { testid: this.tid("lane-count") } },
      t("lanes.count", { n: state.lanes.length, max: MAX_LANES }));
    this.root.replaceChildren(...cards, h("div", { class: "lanes-foot" }, add, count));
  }

  _card(lane, i, theme) {
    const entry = this.cat.optimizer.get(lane.name);
    const color = laneColor(i, theme);
    const selId = uid("opt");
    const edit = (fn) => (v, o = {}) => this.change((s) => fn(s.lanes[i], v), o);
    const select = h("select", { id: selId, dataset: { testid: this.tid(`lane-${i}-optimizer`) },
      onchange: () => this.change((s) => {
        const old = s.lanes[i];
        // the surface's suggested rate for the new optimizer (Newton's 1 is not Adam's 0.01)
        const fresh = makeLane(this.cat, select.value, {}, null, null, { mlp: this.mlp });
        const sug = this.mlp || !fresh ? undefined : this.cat.surface?.get(s.surface?.name)?.suggested_lr?.[rateFamily(fresh)];
        s.lanes[i] = makeLane(this.cat, select.value, { lr: sug ?? old.params.lr }, old.schedule, old.clip, { mlp: this.mlp });
      }, RE) }, [...this.cat.optimizer.values()].filter((o) => !this.mlp || !raceOnly(o))
      .map((o) => h("option", { value: o.name, selected: o.name === lane.name }, pick(o.label))));
    const nLanes = this.state.lanes.length;
    const head = h("div", { class: "lane-head" },
      h("button", { type: "button", class: "swatch", style: { "--c": color }, title: t("lane.inspect"),
        "aria-label": `${t("lane.inspect")}: ${laneLabel(this.cat, lane)}`, onclick: () => this.select(i) }, String(i + 1)),
      h("label", { for: selId, class: "sr-only" }, t("lane.optimizer")),
      select,
      h("button", { type: "button", class: "icon", title: t("lane.duplicate"), "aria-label": t("lane.duplicate"),
        dataset: { testid: this.tid(`lane-${i}-duplicate`) }, disabled: nLanes >= MAX_LANES,
        onclick: () => this.change((s) => s.lanes.splice(i + 1, 0, structuredClone(s.lanes[i])), RE) }, icon("duplicate", 16)),
      h("button", { type: "button", class: "icon", title: t("lane.remove"), "aria-label": t("lane.remove"),
        dataset: { testid: this.tid(`lane-${i}-remove`) }, disabled: nLanes <= 1,
        onclick: () => this.change((s) => s.lanes.splice(i, 1), RE) }, icon("remove", 16)));

    const main = [];
    const more = [];
    for (const spec of entry?.params ?? []) {
      const f = paramField(spec, lane.params[spec.name], edit((l, v) => { l.params[spec.name] = v; }),
        { testid: this.tid(`lane-${i}-${spec.name}`) });
      (MAIN_PARAMS.has(spec.name) ? main : more).push(f);
    }
    more.push(this._schedule(lane, i), this._clip(lane, i));
    const presets = h("div", { class: "presets" },
      entry?.keras_defaults ? h("button", { type: "button", class: "mini", title: t("lane.kerasTitle"),
        onclick: () => this.change((s) => { s.lanes[i].params = { ...paramDefaults(entry), ...entry.keras_defaults }; }, RE) }, t("lane.keras")) : null,
      h("button", { type: "button", class: "mini", title: t("lane.torchTitle"),
        onclick: () => this.change((s) => { s.lanes[i].params = paramDefaults(entry); }, RE) }, t("lane.torch")));
    more.push(presets);
    const details = h("details", { open: this.open.has(i) || !!lane.schedule || !!lane.clip },
      h("summary", {}, t("lane.more")), ...more);
    details.addEventListener("toggle", () => (details.open ? this.open.add(i) : this.open.delete(i)));
    return h("div", { class: "lane", style: { "--c": color }, dataset: { testid: this.tid(`lane-${i}`), lane: i } },
      head, h("div", { class: "lane-body" }, ...main, details));
  }

  _schedule(lane, i) {
    const id = uid("sched");
    const scheds = [...this.cat.schedule.values()].filter((s) => this.mlp || !mlpOnly(s));
    const sel = h("select", { id, dataset: { testid: this.tid(`lane-${i}-schedule`) },
      onchange: () => this.change((s) => {
        const e = this.cat.schedule.get(sel.value);
        s.lanes[i].schedule = e ? { name: e.name, params: paramDefaults(e) } : null;
      }, RE) },
    h("option", { value: "", selected: !lane.schedule }, t("lane.scheduleNone")),
    scheds.map((s) => h("option", { value: s.name, selected: lane.schedule?.name === s.name, title: pick(s.help) }, pick(s.label))));
    const box = h("div", { class: "schedule" }, h("label", { for: id }, t("lane.schedule")), sel);
    if (lane.schedule) {
      const e = this.cat.schedule.get(lane.schedule.name);
      box.append(h("p", { class: "help" }, pick(e.help)));
      if (composite(e)) {
        box.append(this._parts(lane, i, e));
        return box;
      }
      for (const spec of e.params) {
        box.append(paramField(spec, lane.schedule.params[spec.name],
          (v, o) => this.change((s) => { s.lanes[i].schedule.params[spec.name] = v; }, o),
          { testid: this.tid(`lane-${i}-sched-${spec.name}`) }));
      }
    }
    return box;
  }

  /** SequentialLR: each part's schedule and parameters, the milestone where it takes over. */
  _parts(lane, i, entry) {
    const params = lane.schedule.params;
    const parts = params.schedulers ?? [];
    const names = partNames(entry);
    const mSpec = { name: "milestone", type: "int", low: 1, high: 1_000_000, default: 50, help: null };
    const wrap = h("div", { class: "parts", dataset: { testid: this.tid(`lane-${i}-parts`) } });
    parts.forEach((part, j) => {
      const pe = this.cat.schedule.get(part.name);
      const edit = (fn) => this.change((s) => fn(s.lanes[i].schedule.params), RE);
      const row = h("div", { class: "part" });
      if (j > 0) {
        const f = paramField(mSpec, params.milestones?.[j - 1], (v, o) => this.change((s) => {
          s.lanes[i].schedule.params.milestones[j - 1] = v;
        }, o), { testid: this.tid(`lane-${i}-milestone-${j}`) });
        f.querySelector("label").textContent = t("lane.partFrom");
        row.append(f);
      }
      const sel = h("select", { dataset: { testid: this.tid(`lane-${i}-part-${j}`) }, "aria-label": t("lane.part", { n: j + 1 }),
        onchange: () => edit((p) => { p.schedulers[j] = { name: sel.value, params: paramDefaults(this.cat.schedule.get(sel.value)) }; }) },
      names.map((n) => h("option", { value: n, selected: n === part.name }, pick(this.cat.schedule.get(n)?.label) || n)));
      const drop = parts.length > 1 ? h("button", { type: "button", class: "mini", title: t("lane.removePart"),
        onclick: () => this.change((s) => { s.lanes[i].schedule.params = removePart(s.lanes[i].schedule.params, j); }, RE) },
      "×") : null;
      row.append(h("div", { class: "field-inline" }, sel, drop));
      for (const spec of pe?.params ?? []) {
        row.append(paramField(spec, part.params?.[spec.name] ?? spec.default, (v, o) => this.change((s) => {
          s.lanes[i].schedule.params.schedulers[j].params[spec.name] = v;
        }, o), { testid: this.tid(`lane-${i}-part-${j}-${spec.name}`) }));
      }
      wrap.append(row);
    });
    if (parts.length < 8) {
      wrap.append(h("button", { type: "button", class: "mini", dataset: { testid: this.tid(`lane-${i}-add-part`) },
        onclick: () => this.change((s) => { s.lanes[i].schedule.params = addPart(s.lanes[i].schedule.params); }, RE) },
      t("lane.addPart")));
    }
    return wrap;
  }

  _clip(lane, i) {
    const id = uid("clip");
    const on = h("input", { type: "checkbox", id, checked: !!lane.clip,
      onchange: () => this.change((s) => { s.lanes[i].clip = on.checked ? 1 : null; }, RE) });
    const spec = { name: "clip_norm", type: "float", low: 1e-6, high: 1e6, log: true, default: 1, help: null };
    const wrap = h("div", { class: "clip" }, h("div", { class: "field-inline" }, on, h("label", { for: id }, t("lane.clip"))));
    if (lane.clip) {
      const f = paramField(spec, lane.clip, (v, o) => this.change((s) => { s.lanes[i].clip = v; }, o));
      f.querySelector("label").remove();
      wrap.append(f);
    }
    return wrap;
  }
}
