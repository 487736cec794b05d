// The MLP view's settings, generated from the catalog: the dataset and its parameters, the
// network (mlp_setting "model"), training (loss, batch size, epochs, L1/L2), early
// stopping, the optimizer lanes (the race's lane editor) and the seed; plus the one-row
// strip that projector mode shows instead.

import { laneColor } from "../../colors.js";
import { pick, t } from "../../i18n.js";
import {
  chooseDataset, DEFAULT_DATASET, lossesFor, settingDefaults, settingSpecs, shape, taskOf,
} from "../../mlp/config.js";
import { int, sizesText } from "../../mlp/text.js";
import { parseParam } from "../../params.js";
import { optimizerName } from "../../summaries.js";
import { h, uid } from "../dom.js";
import { LanesView } from "../lanes_view.js";
import { paramField, paramLabel, seedField } from "../param_input.js";
import { UploadBox } from "./upload_box.js";

/** A parameter's PyTorch/Keras name as a small code chip (the label itself is translated). */
function codeChip(name) {
  return h("code", { class: "pname", title: t("param.codeName", { name }) }, name);
}

const RE = { rerender: true };

/** A labelled <select> of catalog entries (their labels, their help as tooltips). */
function entrySelect(label, entries, value, onChange, testid) {
  const id = uid("sel");
  const sel = h("select", { id, dataset: { testid }, onchange: () => onChange(sel.value) },
    entries.map((e) => h("option", { value: e.name, selected: e.name === value, title: pick(e.help) }, pick(e.label) || e.name)));
  const e = entries.find((x) => x.name === value);
  return h("div", { class: "field" }, h("label", { for: id }, label), sel, e?.help ? h("p", { class: "help" }, pick(e.help)) : null);
}

function section(title, testid, ...children) {
  return h("section", { class: "group", dataset: { testid } }, h("h2", {}, title), ...children);
}

export class MlpControls {
  /** change(mutator(mlp), {rerender, live}) edits state.mlp. */
  constructor(root, strip, { cat, change, select, openSettings }) {
    Object.assign(this, { root, strip, cat, change, openSettings });
    this.lanesRoot = h("div", { class: "lanes", dataset: { testid: "mlp-lanes" } });
    this.lanes = new LanesView(this.lanesRoot, { cat, change, select, mlp: true, prefix: "mlp-" });
    const fallback = () => (cat.dataset.has(DEFAULT_DATASET) ? DEFAULT_DATASET : cat.dataset.keys().next().value);
    this.uploads = new UploadBox({ cat,
      choose: (name) => this.change((m) => { chooseDataset(cat, m, name ?? fallback()); }, RE) });
  }

  spec(entry, name) {
    return settingSpecs(this.cat, entry).find((p) => p.name === name)
      ?? { name, type: "float", default: settingDefaults(this.cat, entry)[name], low: null, high: null, help: null };
  }

  field(entry, name, get, set, testid) {
    return paramField(this.spec(entry, name), get, (v, o) => this.change((m) => set(m, v), o), { testid });
  }

  render(mlp, theme) {
    this.mlp = mlp;
    const cat = this.cat;
    const dsEntries = [...cat.dataset.values()];
    const ds = cat.dataset.get(mlp.dataset.name);
    const data = section(t("mlp.sec.data"), "mlp-sec-data",
      entrySelect(t("mlp.dataset"), dsEntries, mlp.dataset.name, (name) => this.change((m) => { chooseDataset(cat, m, name); }, RE),
        "mlp-dataset"),
      ...(ds?.params ?? []).map((spec) => paramField(spec, mlp.dataset.params[spec.name],
        (v, o) => this.change((m) => { m.dataset.params[spec.name] = v; }, o), { testid: `mlp-ds-${spec.name}` })),
      ...this.gridFields(mlp, ds),
      this.uploads.element(mlp.dataset.name));

    const model = mlp.model;
    const acts = [...cat.activation.values()].filter((e) => !e.output_only);
    const inits = [...cat.initializer.values()];
    const net = section(pick(cat.mlp_setting.get("model")?.label) || t("mlp.sec.model"), "mlp-sec-model",
      this.hiddenField(model.hidden),
      entrySelect(t("param.activation"), acts, model.activation, (v) => this.change((m) => { m.model.activation = v; }, RE), "mlp-activation"),
      entrySelect(t("param.init"), inits, model.init, (v) => this.change((m) => { m.model.init = v; }, RE), "mlp-init"),
      this.field("model", "dropout", model.dropout, (m, v) => { m.model.dropout = v; }, "mlp-dropout"),
      this.field("model", "batch_norm", model.batch_norm, (m, v) => { m.model.batch_norm = v; }, "mlp-batch_norm"),
      ...(model.batch_norm ? [ // torch's BatchNorm1d momentum and eps, shown with batch norm on
        this.field("model", "bn_momentum", model.bn_momentum, (m, v) => { m.model.bn_momentum = v; }, "mlp-bn_momentum"),
        this.field("model", "bn_eps", model.bn_eps, (m, v) => { m.model.bn_eps = v; }, "mlp-bn_eps")] : []));

    const tr = mlp.training;
    const task = taskOf(cat, mlp.dataset.name);
    const train = section(pick(cat.mlp_setting.get("training")?.label) || t("mlp.sec.training"), "mlp-sec-training",
      entrySelect(t("param.loss"), lossesFor(cat, task), tr.loss, (v) => this.change((m) => { m.training.loss = v; }, RE), "mlp-loss"),
      this.batchField(tr.batch_size),
      this.field("training", "epochs", tr.epochs, (m, v) => { m.training.epochs = v; }, "mlp-epochs"),
      this.field("training", "l1", tr.l1, (m, v) => { m.training.l1 = v; }, "mlp-l1"),
      this.field("training", "l2", tr.l2, (m, v) => { m.training.l2 = v; }, "mlp-l2"));

    const esId = uid("es");
    const esBox = h("input", { type: "checkbox", id: esId, checked: !!mlp.es, dataset: { testid: "mlp-es" },
      onchange: () => this.change((m) => { m.es = esBox.checked ? settingDefaults(cat, "early_stopping") : null; }, RE) });
    const esEntry = cat.mlp_setting.get("early_stopping");
    const es = section(pick(esEntry?.label) || t("mlp.sec.es"), "mlp-sec-es",
      h("div", { class: "field-inline" }, esBox, h("label", { for: esId }, t("mlp.es.on"))),
      h("p", { class: "help" }, pick(esEntry?.help)),
      ...(mlp.es ? settingSpecs(cat, "early_stopping").map((spec) => paramField(spec, mlp.es[spec.name],
        (v, o) => this.change((m) => { m.es[spec.name] = v; }, o), { testid: `mlp-es-${spec.name}` })) : []));

    this.lanes.render({ lanes: mlp.lanes, theme });
    const seed = seedField(mlp.seed, (v, o) => this.change((m) => { m.seed = v; }, o), "mlp-seed");
    const lanes = section(t("sec.optimizers"), "mlp-sec-optimizers", this.lanesRoot, seed);
    this.root.replaceChildren(data, net, train, es, lanes);
    this.renderStrip(mlp, theme);
  }

  /** Data with more than two features: draw the boundary over two picked ones (the others
   * at their mean), or none. */
  gridFields(mlp, ds) {
    const n = ds?.n_features ?? 2;
    if (n <= 2) return [];
    const names = ds.upload?.features ?? Array.from({ length: n }, (_, i) => t("upload.feature", { k: i + 1 }));
    const id = uid("grid");
    const box = h("input", { type: "checkbox", id, checked: !!mlp.grid, dataset: { testid: "mlp-grid-on" },
      onchange: () => this.change((m) => { m.grid = box.checked ? [0, 1] : null; }, RE) });
    const out = [h("div", { class: "field-inline" }, box, h("label", { for: id }, t("upload.gridOn")))];
    if (mlp.grid) {
      const pick = (axis, k) => {
        const sid = uid(`grid-${axis}`);
        const sel = h("select", { id: sid, dataset: { testid: `mlp-grid-${axis}` }, onchange: () => this.change((m) => {
          const g = [...m.grid];
          g[k] = Number(sel.value);
          if (g[0] === g[1]) g[1 - k] = m.grid[k]; // the same feature twice: swap them
          m.grid = g;
        }, RE) }, names.map((name, i) => h("option", { value: String(i), selected: i === mlp.grid[k] }, name)));
        return h("div", { class: "field" }, h("label", { for: sid }, t(`upload.grid.${axis}`)), sel);
      };
      out.push(h("div", { class: "grid-pick" }, pick("x", 0), pick("y", 1)));
    }
    out.push(h("p", { class: "help" }, t("upload.gridHelp", { n })));
    return out;
  }

  /** Hidden widths as "16, 16" (empty: no hidden layer, a linear model) and the network it makes. */
  hiddenField(hidden) {
    const id = uid("hidden");
    const spec = this.spec("model", "hidden");
    const s = shape(this.cat, this.mlp);
    const msg = h("div", { class: "field-error", role: "alert" });
    const box = h("input", { type: "text", id, value: hidden.join(", "), autocomplete: "off", spellcheck: false,
      dataset: { testid: "mlp-hidden" }, "aria-describedby": `${id}-net`, title: pick(spec.help) });
    const commit = () => {
      const text = box.value.trim();
      const v = text === "" ? [] : parseParam({ ...spec, type: "int_list" }, text);
      const ok = Array.isArray(v) && v.length <= 16 && v.every((n) => n >= (spec.low ?? 1) && n <= (spec.high ?? 1024));
      box.setAttribute("aria-invalid", String(!ok));
      msg.textContent = ok ? "" : t("err.must", { what: t("err.intList") });
      if (ok && v.join() !== this.mlp.model.hidden.join()) this.change((m) => { m.model.hidden = v; }, RE);
    };
    box.addEventListener("change", commit);
    box.addEventListener("keydown", (ev) => { if (ev.key === "Enter") commit(); });
    return h("div", { class: "field" }, h("label", { for: id }, t("param.hidden")), box, msg,
      h("p", { class: "help net-line", id: `${id}-net`, dataset: { testid: "mlp-net" } },
        t("mlp.network", { sizes: sizesText(s.sizes), n: int(s.weights) })),
      h("p", { class: "help" }, t("mlp.hiddenHint")));
  }

  /** Batch size: a number, with 1 (SGD), 32 and the full set one click away (concept 4). */
  batchField(value) {
    const full = value === "full";
    const s = shape(this.cat, this.mlp);
    const f = this.field("training", "batch_size", full ? s.n : value, (m, v) => { m.training.batch_size = v; }, "mlp-batch");
    f.querySelector("input[type=range]")?.remove();
    const quick = [[1, "1 (SGD)"], [32, "32"], ["full", t("mlp.batchFull")]].map(([v, text]) => h("button", {
      type: "button", class: "mini", "aria-pressed": String(v === value), dataset: { testid: `mlp-batch-${v}` },
      onclick: () => this.change((m) => { m.training.batch_size = v; }, RE) }, text));
    f.append(h("div", { class: "presets" }, ...quick),
      h("p", { class: "help", dataset: { testid: "mlp-ipe" } }, t("mlp.ipeLine", { k: int(s.ipe), n: int(s.n) })));
    return f;
  }

  /** Refresh the lines derived from several settings (network, iterations per epoch) in place. */
  refreshDerived(mlp) {
    this.mlp = mlp;
    const s = shape(this.cat, mlp);
    const net = this.root.querySelector("[data-testid=mlp-net]");
    if (net) net.textContent = t("mlp.network", { sizes: sizesText(s.sizes), n: int(s.weights) });
    const ipe = this.root.querySelector("[data-testid=mlp-ipe]");
    if (ipe) ipe.textContent = t("mlp.ipeLine", { k: int(s.ipe), n: int(s.n) });
    for (const b of this.root.querySelectorAll("[data-testid^=mlp-batch-]")) {
      const v = b.dataset.testid.slice("mlp-batch-".length);
      b.setAttribute("aria-pressed", String(v === String(mlp.training.batch_size)));
    }
  }

  /** The strip (projector mode): dataset, each lane's learning rate, batch size, epochs. */
  renderStrip(mlp, theme) {
    const id = uid("strip-ds");
    const sel = h("select", { id, dataset: { testid: "mlp-strip-dataset" },
      onchange: () => this.change((m) => { chooseDataset(this.cat, m, sel.value); }, RE) }, [...this.cat.dataset.values()].map((e) => h("option", { value: e.name, selected: e.name === mlp.dataset.name }, pick(e.label))));
    const items = [h("div", { class: "strip-item" }, h("label", { for: id }, t("mlp.dataset")), sel)];
    mlp.lanes.forEach((lane, i) => {
      const spec = this.cat.optimizer.get(lane.name)?.params.find((p) => p.name === "lr");
      if (!spec) return;
      const f = paramField(spec, lane.params.lr, (v, o) => this.change((m) => { m.lanes[i].params.lr = v; }, { ...o, sidebar: true }),
        { testid: `mlp-strip-lr-${i}` });
      f.querySelector("input[type=range]")?.remove();
      // "SGD · Learning rate [lr]": the words in the page's language, torch's name as a code chip
      f.querySelector("label").replaceChildren(h("span", { class: "swatch static", style: { "--c": laneColor(i, theme) } }),
        `${optimizerName(this.cat, lane)} \u00b7 ${paramLabel(spec)}`, codeChip("lr"));
      f.classList.add("strip-item");
      items.push(f);
    });
    for (const [name, testid] of [["batch_size", "mlp-strip-batch"], ["epochs", "mlp-strip-epochs"]]) {
      const v = mlp.training[name];
      const f = this.field("training", name, v === "full" ? shape(this.cat, mlp).n : v, (m, x) => { m.training[name] = x; }, testid);
      f.querySelector("input[type=range]")?.remove();
      f.classList.add("strip-item");
      items.push(f);
    }
    items.push(h("button", { type: "button", class: "ghost", onclick: () => this.openSettings() }, `${t("top.controls")}\u2026`));
    this.strip.replaceChildren(...items);
  }
}
