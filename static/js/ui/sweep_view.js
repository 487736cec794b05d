// The Sweep tab: a form whose base is the race tab's or the MLP tab's current setup (one
// optimizer lane, one start), the axes (learning rate as a log range, optimizers, seeds, one
// more axis), Start/Cancel, live progress from GET /api/sweeps/{id}/events, and the results
// as sensitivity curves (median and inter-quartile band over the seeds) or a heat map, with
// CSV/JSON links and PNG/SVG export. The numbers: ../sweep/logic.js; figures: ../sweep/figs.js.

import { laneColor } from "../colors.js";
import { fmt, fmtDuration, fmtXY } from "../format.js";
import { has, pick, t } from "../i18n.js";
import { mlpRequest } from "../mlp/config.js";
import { raceOnly } from "../lane.js";
import { runRequest } from "../requests.js";
import { optimizerName } from "../summaries.js";
import { curvesFigure, heatFigure } from "../sweep/figs.js";
import {
  axisKinds, bestCell, buildAxes, cellCount, defaultView, expandAxes, higherIsBetter, LR_PATH, mergeCells, OPT_PATH,
  pendingCells, progressOf, SEED_PATH, SIGMA_PATH, sweepBase, sweepBody, curveSeries, heatGrid,
} from "../sweep/logic.js";
import { ApiError, request } from "./api.js";
import { $, h } from "./dom.js";
import { exportImage } from "./export.js";

const PRESETS = ["lrOptSeed", "lrSeed", "lrMomentum", "custom"];
const METRICS = { race: ["final_loss"], mlp: ["final_loss", "final_val_loss", "final_val_acc"] };
const EXTRA = {
  race: ["optimizers.0.params.momentum", "optimizers.0.params.weight_decay", SIGMA_PATH, "steps"],
  mlp: ["optimizers.0.params.momentum", "optimizers.0.params.weight_decay", "batch_size", "epochs"],
};
const ACTIVE = new Set(["queued", "running", "starting"]);
const RESUMABLE = new Set(["cancelled", "failed", "interrupted"]);

/** The words for an axis path ("optimizers.0.params.lr" → "Learning rate"). */
export function axisLabel(path) {
  if (path === OPT_PATH) return t("sweep.axis.optimizer");
  if (path === SEED_PATH) return t("race.seed");
  if (path === SIGMA_PATH) return t("noise.sigma");
  if (path === "batch_size") return t("sweep.axis.batch");
  if (path === "steps") return t("sweep.axis.steps");
  if (path === "epochs") return t("sweep.axis.epochs");
  if (path === "dataset.name") return t("sweep.axis.dataset");
  const m = /^optimizers\.\d+\.params\.(\w+)$/.exec(path ?? "");
  if (m && has(`param.${m[1]}`)) return t(`param.${m[1]}`);
  return String(path ?? "");
}

export class SweepView {
  constructor(app) {
    this.app = app;
    this.cat = app.cat;
    this.built = false;
    this.doc = null; // {id, links, kind, metric, axes (expanded), cells, status, done, total, elapsed, error}
    this.view = { x: LR_PATH, color: OPT_PATH, y: null, chart: "curves" };
    this.logy = true;
    this.es = null;
    this.seq = 0;
    this.statusMsg = ["sweep.status.idle", {}];
    this.form = null;
    this.drawPending = false;
    this.bootId = app.state.sweepId ?? null; // a link's sweep (?tab=sweep&sweep=<id>), shown once
  }

  // ------------------------------------------------------------------ building

  build() {
    this.built = true;
    const root = $("#sweep-view");
    this.formRoot = h("form", { class: "sweep-form", dataset: { testid: "sweep-form" }, novalidate: true,
      onsubmit: (ev) => { ev.preventDefault(); this.start(); } });
    this.statusEl = h("p", { class: "sweep-status", role: "status", "aria-live": "polite", dataset: { testid: "sweep-status" } });
    this.bar = h("progress", { class: "sweep-progress", max: 1, value: 0, dataset: { testid: "sweep-progress" } });
    this.chartTools = h("div", { class: "sweep-chart-tools", dataset: { testid: "sweep-chart-tools" } });
    this.plot = h("div", { id: "sweep-plot", class: "plot", role: "img", dataset: { testid: "sweep-plot", i18nLabel: "sweep.chart.label" },
      "aria-describedby": "sum-sweep" });
    this.keyEl = h("p", { class: "sweep-key", dataset: { testid: "sweep-key" } });
    this.summaryEl = h("p", { id: "sum-sweep", class: "sr-only", "aria-live": "polite", dataset: { testid: "summary-sweep" } });
    const result = h("div", { class: "sweep-result" }, h("div", { class: "sweep-progress-row" }, this.bar, this.statusEl),
      this.chartTools, h("div", { class: "sweep-plot-wrap" }, this.plot), this.keyEl, this.summaryEl);
    root.querySelector(".sweep-body").replaceChildren(h("div", { class: "sweep-form-wrap" }, this.formRoot), result);
    for (const fmtName of ["png", "svg"]) {
      $(`[data-testid=export-${fmtName}-sweep]`).addEventListener("click", () => this.exportChart(fmtName));
    }
    for (const id of ["#sweep-export-csv", "#sweep-export-json"]) {
      $(id).addEventListener("click", (ev) => {
        if ($(id).getAttribute("aria-disabled") === "true") ev.preventDefault();
      });
    }
    new ResizeObserver(() => { if (this.plotted) window.Plotly?.Plots.resize(this.plot); }).observe(this.plot);
  }

  /** The tab is shown (`from`: the tab it was opened from: the base follows it). */
  show(from = null) {
    if (!this.built) this.build();
    const source = from === "mlp" ? "mlp" : from === "race" || from === "basins" ? "race" : null;
    if (!this.form) this.form = this.defaultForm(source ?? "race");
    else if (source && source !== this.form.source && !this.active) this.form = this.defaultForm(source);
    this.renderForm();
    this.renderTools();
    this.renderStatus();
    this.draw();
    if (this.bootId && !this.doc && !this.app.lesson?.sweep) this.load(this.takeBootId()); // a lesson's sweep: openPreset
  }

  takeBootId() {
    const id = this.bootId;
    this.bootId = null;
    return id;
  }

  /** Show a stored sweep (a copied link's), following it while it still computes. */
  async load(id, view = {}) {
    this.close();
    const seq = ++this.seq;
    let full;
    try {
      full = await request("GET", `/api/sweeps/${encodeURIComponent(id)}`);
    } catch {
      if (seq !== this.seq) return;
      this.app.state.sweepId = null;
      this.app.saveUrl();
      return;
    }
    if (seq !== this.seq) return;
    const q = encodeURIComponent(id);
    const links = { self: `/api/sweeps/${q}`, events: `/api/sweeps/${q}/events`, export_csv: `/api/sweeps/${q}/export?format=csv`,
      export_json: `/api/sweeps/${q}/export?format=json`, ...(full.links ?? {}) };
    this.doc = { id, links, kind: full.kind, metric: full.metric ?? "final_loss", axes: full.axes ?? {}, cells: full.cells ?? [],
      status: full.status, done: full.done ?? 0, total: full.n_cells ?? (full.cells ?? []).length,
      elapsed: full.finished && full.created ? full.finished - full.created : null, error: full.error ?? null };
    if (full.base) this.form = this.formFromBody({ base: full.base, axes: full.axes ?? {}, metric: full.metric });
    this.view = defaultView(this.doc.axes, view);
    this.setLinks(links);
    this.renderForm();
    this.renderTools();
    this.progressed();
    if (this.active) this.listen(links.events, seq);
  }

  get active() {
    return !!this.doc && ACTIVE.has(this.doc.status);
  }

  /** The run request of the tab a sweep starts from. */
  baseRun(source) {
    return source === "mlp" ? mlpRequest(this.app.state.mlp) : runRequest(this.app.state);
  }

  /** The optimizers the form offers: every one with a learning rate (races only: not in the MLP tab). */
  optimizerChoices(source) {
    return [...this.cat.optimizer.values()].filter((e) => (e.params ?? []).some((p) => p.name === "lr"))
      .filter((e) => source !== "mlp" || !raceOnly(e)).map((e) => e.name);
  }

  defaultForm(source, preset = "lrOptSeed") {
    const run = this.baseRun(source);
    const offered = this.optimizerChoices(source);
    const names = [...new Set((run.optimizers ?? []).map((o) => o.name))].filter((n) => offered.includes(n));
    const lane1 = names[0] ?? offered[0] ?? "sgd";
    const sigma = run.noise?.sigma > 0 ? run.noise.sigma : 0.5;
    const form = { source, preset, optimizers: names.length > 1 ? names : [lane1, ...(lane1 !== "adam" && offered.includes("adam") ? ["adam"] : [])],
      lr: { lo: 1e-4, hi: 1, n: 9 }, seeds: 3, sigma, extra: { path: "", values: "" }, metric: "final_loss" };
    if (preset === "lrSeed") Object.assign(form, { optimizers: [lane1], seeds: 5 });
    if (preset === "lrMomentum") {
      Object.assign(form, { optimizers: [offered.includes("sgd") ? "sgd" : lane1], seeds: 3,
        extra: { path: "optimizers.0.params.momentum", values: "0, 0.5, 0.9, 0.99" }, lr: { lo: 1e-4, hi: 0.3, n: 8 } });
    }
    return form;
  }

  /** The form filled from a POST /api/sweeps body (a lesson's sweep). */
  formFromBody(body) {
    const base = body.base ?? {};
    const source = base.kind === "mlp" ? "mlp" : "race";
    const form = this.defaultForm(source, "custom");
    const axes = body.axes ?? {};
    const lr = axes[LR_PATH];
    if (lr?.log_range) form.lr = { lo: lr.log_range[0], hi: lr.log_range[1], n: lr.log_range[2] };
    else if (Array.isArray(lr) && lr.length) form.lr = { lo: Math.min(...lr), hi: Math.max(...lr), n: lr.length };
    form.optimizers = Array.isArray(axes[OPT_PATH]) ? [...axes[OPT_PATH]] : [base.optimizers?.[0]?.name ?? form.optimizers[0]];
    form.seeds = Array.isArray(axes[SEED_PATH]) ? axes[SEED_PATH].length : 1;
    if (source === "race") form.sigma = base.noise?.sigma ?? 0;
    const extra = Object.keys(axes).find((k) => ![LR_PATH, OPT_PATH, SEED_PATH].includes(k));
    if (extra) form.extra = { path: extra, values: expandAxes({ [extra]: axes[extra] })[extra].join(", ") };
    form.metric = body.metric ?? "final_loss";
    return form;
  }

  // ------------------------------------------------------------------ the form

  renderForm() {
    const f = this.form;
    const src = f.source;
    const field = (labelKey, input, extra = null, testid = null) => h("div", { class: "field", dataset: testid ? { testid } : undefined },
      h("label", { for: input.id }, t(labelKey)), input, extra);
    const sel = (id, options, value, onchange, testid) => {
      const s = h("select", { id, dataset: { testid }, onchange: () => onchange(s.value) },
        options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
      return s;
    };
    const num = (id, value, onchange, { testid, step = "any", min = null, max = null } = {}) => {
      const i = h("input", { id, type: "number", step, min: min ?? undefined, max: max ?? undefined, value: String(value), dataset: { testid },
        inputmode: "decimal", oninput: () => { onchange(i.value === "" ? NaN : Number(i.value)); this.refreshCount(); } });
      return i;
    };
    const source = sel("sweep-source", [["race", t("sweep.base.race")], ["mlp", t("sweep.base.mlp")]], src, (v) => {
      this.form = this.defaultForm(v, f.preset === "custom" ? "lrOptSeed" : f.preset);
      this.renderForm();
    }, "sweep-source");
    const preset = sel("sweep-preset", PRESETS.map((p) => [p, t(`sweep.preset.${p}`)]), f.preset, (v) => {
      if (v !== "custom") this.form = this.defaultForm(src, v);
      else this.form.preset = "custom";
      this.renderForm();
    }, "sweep-preset");
    const opts = h("fieldset", { class: "sweep-opts", dataset: { testid: "sweep-optimizers" } },
      h("legend", {}, t("sweep.optimizers")),
      this.optimizerChoices(src).map((name) => {
        const id = `sweep-opt-${name}`;
        const box = h("input", { type: "checkbox", id, value: name, checked: f.optimizers.includes(name), dataset: { testid: id },
          onchange: () => {
            f.optimizers = box.checked ? [...f.optimizers, name] : f.optimizers.filter((n) => n !== name);
            f.preset = "custom";
            this.refreshCount();
          } });
        return h("span", { class: "check" }, box, h("label", { for: id }, optimizerName(this.cat, { name, params: {} })));
      }));
    const lr = h("fieldset", { class: "sweep-lr" }, h("legend", {}, t("sweep.lr")), h("div", { class: "sweep-row" },
      field("sweep.lr.lo", num("sweep-lr-lo", f.lr.lo, (v) => { f.lr.lo = v; }, { testid: "sweep-lr-lo", min: 0 })),
      field("sweep.lr.hi", num("sweep-lr-hi", f.lr.hi, (v) => { f.lr.hi = v; }, { testid: "sweep-lr-hi", min: 0 })),
      field("sweep.lr.n", num("sweep-lr-n", f.lr.n, (v) => { f.lr.n = v; }, { testid: "sweep-lr-n", step: 1, min: 1, max: 200 }))));
    this.seedHelp = h("small", { class: "help" });
    const seeds = field("sweep.seeds", num("sweep-seeds", f.seeds, (v) => { f.seeds = v; }, { testid: "sweep-seeds", step: 1, min: 1, max: 100 }), this.seedHelp);
    const sigma = src === "race"
      ? field("sweep.sigma", num("sweep-sigma", f.sigma, (v) => { f.sigma = v; }, { testid: "sweep-sigma", min: 0 }),
        h("small", { class: "help" }, t("sweep.sigmaHelp")))
      : null;
    const extraPath = sel("sweep-extra", [["", t("sweep.extra.none")], ...EXTRA[src].map((p) => [p, axisLabel(p)])], f.extra.path, (v) => {
      f.extra.path = v;
      f.preset = "custom";
      extraValues.disabled = !v;
      this.refreshCount();
    }, "sweep-extra");
    const extraValues = h("input", { id: "sweep-extra-values", type: "text", value: f.extra.values, disabled: !f.extra.path,
      dataset: { testid: "sweep-extra-values" }, "aria-label": t("sweep.extra.values"), placeholder: t("sweep.extra.values"),
      oninput: () => { f.extra.values = extraValues.value; this.refreshCount(); } });
    const extra = h("div", { class: "field sweep-extra" }, h("label", { for: "sweep-extra" }, t("sweep.extra")),
      h("div", { class: "sweep-row" }, extraPath, extraValues));
    const metric = sel("sweep-metric", METRICS[src].map((m) => [m, t(`sweep.metric.${m}`)]), f.metric, (v) => { f.metric = v; }, "sweep-metric");
    this.countEl = h("span", { class: "sweep-count", dataset: { testid: "sweep-count" } });
    this.errorEl = h("p", { class: "sweep-error", role: "alert", dataset: { testid: "sweep-error" } });
    this.startBtn = h("button", { type: "submit", class: "primary", dataset: { testid: "sweep-start" } }, t("sweep.start"));
    this.cancelBtn = h("button", { type: "button", class: "ghost", dataset: { testid: "sweep-cancel" }, onclick: () => this.cancel() }, t("sweep.cancel"));
    this.resumeBtn = h("button", { type: "button", class: "ghost", dataset: { testid: "sweep-resume" }, onclick: () => this.resume(),
      title: t("sweep.resumeTitle") }, t("sweep.resume"));
    this.baseEl = h("p", { class: "sweep-base help", dataset: { testid: "sweep-base" } }, this.baseSummary(src));
    this.formRoot.replaceChildren(
      h("div", { class: "sweep-row" }, field("sweep.base", source), field("sweep.metric", metric)),
      this.baseEl, field("sweep.preset", preset), opts, lr,
      h("div", { class: "sweep-row" }, seeds, sigma),
      extra,
      h("div", { class: "sweep-foot" }, h("div", { class: "sweep-actions" }, this.startBtn, this.cancelBtn, this.resumeBtn, this.countEl), this.errorEl));
    this.refreshCount();
    this.refreshButtons();
  }

  /** "Rosenbrock · start (−1.5, 2) · 300 steps" or "moons · 60 epochs · batch 32". */
  baseSummary(source) {
    const st = this.app.state;
    if (source === "mlp") {
      const d = this.cat.dataset?.get(st.mlp.dataset.name);
      return t("sweep.base.summaryMlp", { dataset: d ? pick(d.label) : st.mlp.dataset.name, epochs: st.mlp.training.epochs,
        batch: st.mlp.training.batch_size });
    }
    return t("sweep.base.summaryRace", { surface: $("#stage-title")?.textContent || st.surface.name || "f(x, y)",
      start: fmtXY(st.starts[0]), steps: st.steps });
  }

  formSpec() {
    const f = this.form;
    return { optimizers: f.optimizers, lr: f.lr, seeds: f.seeds, extra: f.extra.path ? { path: f.extra.path, values: f.extra.values } : null };
  }

  refreshCount() {
    if (!this.countEl) return;
    const { axes, errors } = buildAxes(this.formSpec());
    this.countEl.textContent = errors.length ? "" : t("sweep.cells", { n: cellCount(axes) });
    this.errorEl.textContent = errors.length ? t(errors[0].key) : "";
    if (this.seedHelp) this.seedHelp.textContent = Number.isInteger(this.form.seeds) && this.form.seeds >= 1 ? t("sweep.seedsHelp", { last: this.form.seeds - 1 }) : "";
    this.startBtn.disabled = errors.length > 0 || this.active;
  }

  refreshButtons() {
    if (!this.startBtn) return;
    const { errors } = buildAxes(this.formSpec());
    this.startBtn.disabled = this.active || errors.length > 0;
    this.cancelBtn.disabled = !this.active;
    this.resumeBtn.hidden = !(this.doc?.id && RESUMABLE.has(this.doc.status) && this.doc.done < this.doc.total);
  }

  // ------------------------------------------------------------------ running

  /** Start a sweep of the form's axes over the chosen tab's setup. */
  start() {
    const f = this.form;
    const { axes, errors } = buildAxes(this.formSpec());
    if (errors.length) {
      this.errorEl.textContent = t(errors[0].key);
      return null;
    }
    const base = sweepBase(this.baseRun(f.source), { optimizers: f.optimizers, sigma: f.source === "race" ? f.sigma : null });
    return this.run(sweepBody({ base, axes, metric: f.metric }), {});
  }

  /** A lesson's sweep: its form, its view, started at once. */
  openPreset(body, view = {}) {
    if (!this.built) this.build();
    if (typeof view.log_loss === "boolean") this.logy = view.log_loss;
    if (this.bootId) return this.load(this.takeBootId(), view); // a link copied inside the lesson: its sweep
    this.form = this.formFromBody(body);
    if (typeof view.log_loss === "boolean") this.logy = view.log_loss;
    this.renderForm();
    return this.run(body, view);
  }

  /** POST the sweep and follow its events. */
  async run(body, view = {}) {
    this.close();
    const seq = ++this.seq;
    const axes = expandAxes(body.axes);
    this.doc = { id: null, links: null, kind: body.base?.kind ?? "surface", metric: body.metric ?? "final_loss", axes,
      cells: pendingCells(body.axes), status: "starting", done: 0, total: cellCount(body.axes), elapsed: null, error: null };
    this.view = defaultView(axes, { x: view.x, color: view.color, y: view.y, chart: view.chart });
    this.setStatus("sweep.status.starting");
    // a phone: the form is above the chart; show the chart as it fills
    if (window.innerWidth <= 820 && this.app.state.tab === "sweep") this.statusEl.scrollIntoView({ block: "start" });
    this.setLinks(null);
    this.renderTools();
    this.refreshButtons();
    this.draw();
    let res;
    try {
      res = await request("POST", "/api/sweeps", body);
    } catch (e) {
      if (seq !== this.seq) return;
      this.doc.status = "failed";
      this.refreshButtons();
      if (e instanceof ApiError && e.status === 429) this.setStatus("sweep.status.busy", { s: e.retryAfter ?? 1 });
      else this.setStatus("sweep.status.failed", { message: e.status === 0 ? t("status.network") : e.message });
      return;
    }
    if (seq !== this.seq) return;
    Object.assign(this.doc, { id: res.id, links: res.links ?? {}, status: res.status ?? "queued", total: res.n_cells ?? this.doc.total });
    this.app.state.sweepId = res.id; // in the URL: a copied link shows this sweep
    this.app.saveUrl();
    this.setLinks(this.doc.links);
    this.setStatus("sweep.status.running", { done: 0, total: this.doc.total });
    this.listen(this.doc.links.events ?? `/api/sweeps/${encodeURIComponent(res.id)}/events`, seq);
  }

  listen(url, seq) {
    const es = new EventSource(url);
    this.es = es;
    const doc = this.doc;
    const on = (name, fn) => es.addEventListener(name, (ev) => {
      if (seq !== this.seq || !ev.data) return;
      let data;
      try {
        data = JSON.parse(ev.data);
      } catch {
        return;
      }
      fn(data);
    });
    on("meta", (d) => {
      if (d.axes && typeof d.axes === "object") {
        const cells = pendingCells(d.axes);
        doc.axes = expandAxes(d.axes);
        doc.cells = mergeCells(cells, doc.cells.filter((c) => c && c.status !== "pending"));
        this.view = defaultView(doc.axes, this.view);
      }
      if (d.status) doc.status = d.status;
      if (Number.isInteger(d.n_cells)) doc.total = d.n_cells;
      this.progressed();
    });
    on("progress", (d) => {
      doc.cells = mergeCells(doc.cells, d.cells ?? []);
      doc.status = "running";
      if (Number.isInteger(d.done)) doc.done = d.done;
      if (Number.isInteger(d.total)) doc.total = d.total;
      this.progressed();
    });
    on("done", (d) => {
      this.close();
      Object.assign(doc, { status: d.status ?? "done", elapsed: d.elapsed_s ?? null });
      if (Number.isInteger(d.done)) doc.done = d.done;
      this.finish(seq);
    });
    es.addEventListener("error", (ev) => {
      if (seq !== this.seq) return;
      if (ev.data) {
        let d = {};
        try {
          d = JSON.parse(ev.data);
        } catch {
          d = { message: "stream error" };
        }
        this.close();
        Object.assign(doc, { status: d.status ?? "failed", error: d.message ?? "" });
        this.finish(seq);
      } else if (es.readyState === EventSource.CLOSED) {
        this.close();
        doc.status = "failed";
        doc.error = t("status.network");
        this.finish(seq);
      }
    });
  }

  /** The stream ended: read the whole document once (every cell as the server keeps it). */
  async finish(seq) {
    const doc = this.doc;
    try {
      const full = await request("GET", doc.links?.self ?? `/api/sweeps/${encodeURIComponent(doc.id)}`);
      if (seq !== this.seq) return;
      if (full?.axes) doc.axes = full.axes;
      if (Array.isArray(full?.cells)) doc.cells = full.cells;
      if (full?.status && !(doc.status === "cancelled" && full.status === "running")) doc.status = full.status;
      if (Number.isInteger(full?.done)) doc.done = full.done;
      if (full?.error && !doc.error) doc.error = full.error;
    } catch {
      // keep what the stream gave
    }
    if (seq !== this.seq) return;
    this.view = defaultView(doc.axes, this.view);
    this.progressed();
    this.renderTools();
    this.refreshButtons();
    window.dispatchEvent(new CustomEvent("descentlab:sweep", { detail: { status: doc.status, id: doc.id } }));
  }

  progressed() {
    const doc = this.doc;
    const { done } = progressOf(doc.cells);
    doc.done = Math.max(doc.done ?? 0, done);
    if (doc.status === "done") this.setStatus("sweep.status.done", { total: doc.total, time: fmtDuration(doc.elapsed) });
    else if (doc.status === "cancelled") this.setStatus("sweep.status.cancelled", { done: doc.done, total: doc.total });
    else if (doc.status === "failed" || doc.status === "interrupted") this.setStatus("sweep.status.failed", { message: doc.error ?? doc.status });
    else this.setStatus("sweep.status.running", { done: doc.done, total: doc.total });
    this.refreshButtons();
    this.scheduleDraw();
  }

  async cancel() {
    const doc = this.doc;
    if (!doc?.id || !this.active) return;
    this.cancelBtn.disabled = true;
    try {
      await request("POST", `/api/sweeps/${encodeURIComponent(doc.id)}/cancel`);
    } catch (e) {
      this.setStatus("sweep.status.failed", { message: e.message });
    }
  }

  /** Compute a cancelled (or interrupted, failed) sweep's missing cells, and follow it again. */
  async resume() {
    const doc = this.doc;
    if (!doc?.id || this.active) return;
    const seq = ++this.seq;
    const was = doc.status;
    doc.status = "starting";
    this.refreshButtons();
    try {
      await request("POST", `/api/sweeps/${encodeURIComponent(doc.id)}/resume`);
    } catch (e) {
      if (seq !== this.seq) return;
      doc.status = was;
      if (e instanceof ApiError && e.status === 429) this.setStatus("sweep.status.busy", { s: e.retryAfter ?? 1 });
      else this.setStatus("sweep.status.failed", { message: e.status === 0 ? t("status.network") : e.message });
      this.refreshButtons();
      return;
    }
    if (seq !== this.seq) return;
    Object.assign(doc, { status: "queued", error: null, elapsed: null });
    this.setStatus("sweep.status.running", { done: doc.done, total: doc.total });
    this.refreshButtons();
    this.listen(doc.links?.events ?? `/api/sweeps/${encodeURIComponent(doc.id)}/events`, seq);
  }

  close() {
    if (this.es) {
      this.es.close();
      this.es = null;
    }
  }

  // ------------------------------------------------------------------ status and links

  setStatus(key, vars = {}) {
    this.statusMsg = [key, vars];
    this.renderStatus();
  }

  renderStatus() {
    if (!this.statusEl) return;
    const [key, vars] = this.statusMsg;
    const doc = this.doc;
    let text = t(key, vars);
    if (doc) {
      const { diverged } = progressOf(doc.cells);
      if (diverged) text += ` \u00b7 ${t("sweep.status.diverged", { n: diverged })}`;
      const best = bestCell(doc.cells, doc.metric);
      if (best) text += ` \u00b7 ${t("sweep.status.best", { what: this.pointText(best.point), value: fmt(best.value, 4) })}`;
    }
    this.statusEl.textContent = text;
    this.statusEl.dataset.kind = doc?.status ?? "idle";
    this.bar.max = Math.max(1, doc?.total ?? 1);
    this.bar.value = doc?.done ?? 0;
  }

  /** "Adam · Learning rate 0.0316 · Seed 2" for a cell's point. */
  pointText(point) {
    return Object.entries(point ?? {}).map(([k, v]) => (k === OPT_PATH ? optimizerName(this.cat, { name: v, params: {} })
      : `${axisLabel(k)} ${typeof v === "number" ? fmt(v, 3) : v}`)).join(" \u00b7 ");
  }

  setLinks(links) {
    for (const [id, key] of [["#sweep-export-csv", "export_csv"], ["#sweep-export-json", "export_json"]]) {
      const a = $(id);
      const href = links?.[key] ?? null;
      a.href = href ?? "#";
      a.setAttribute("aria-disabled", String(!href));
      if (href) a.setAttribute("download", "");
      else a.removeAttribute("download");
    }
  }

  // ------------------------------------------------------------------ chart

  renderTools() {
    if (!this.chartTools) return;
    const axes = this.doc?.axes ?? {};
    const { numeric } = axisKinds(axes);
    const many = Object.keys(axes).filter((k) => axes[k].length > 1);
    const v = this.view;
    const seg = h("div", { class: "seg", role: "group", "aria-label": t("sweep.chart.kind") },
      ["curves", "heatmap"].map((kind) => h("button", { type: "button", class: "segb", "aria-pressed": String(v.chart === kind),
        dataset: { testid: `sweep-chart-${kind}` }, onclick: () => this.setView({ chart: kind }) }, t(`sweep.chart.${kind}`))));
    const sel = (id, labelKey, options, value, key) => {
      const s = h("select", { id, dataset: { testid: id }, onchange: () => this.setView({ [key]: s.value || null }) },
        options.map(([val, text]) => h("option", { value: val, selected: val === (value ?? "") }, text)));
      return h("span", { class: "sweep-pick" }, h("label", { for: id }, t(labelKey)), s);
    };
    const xs = numeric.length ? numeric : Object.keys(axes);
    const parts = [seg, sel("sweep-x", "sweep.chart.x", xs.map((p) => [p, axisLabel(p)]), v.x, "x")];
    if (v.chart === "curves") {
      parts.push(sel("sweep-color", "sweep.chart.color", [["", t("sweep.chart.none")], ...many.filter((p) => p !== v.x).map((p) => [p, axisLabel(p)])],
        v.color, "color"));
    } else {
      parts.push(sel("sweep-y", "sweep.chart.y", [...numeric, ...many.filter((p) => !numeric.includes(p))]
        .filter((p) => p !== v.x).map((p) => [p, axisLabel(p)]), v.y, "y"));
    }
    const box = h("input", { type: "checkbox", id: "sweep-logy", checked: this.logy, dataset: { testid: "sweep-logy" },
      onchange: () => { this.logy = box.checked; this.draw(); } });
    parts.push(h("span", { class: "logy" }, box, h("label", { for: "sweep-logy" }, t("chart.logy"))));
    this.chartTools.replaceChildren(...parts);
  }

  setView(patch) {
    const axes = this.doc?.axes ?? {};
    const next = { ...this.view, ...patch };
    if (patch.color === null) next.color = null;
    this.view = defaultView(axes, next);
    if (patch.color === null) this.view.color = null;
    this.renderTools();
    this.draw();
  }

  scheduleDraw() {
    if (this.drawPending) return;
    this.drawPending = true;
    setTimeout(() => {
      this.drawPending = false;
      this.draw();
    }, 120);
  }

  /** The figure of what the chart shows now (curves or the heat map). */
  figure() {
    const app = this.app;
    const opts = app.figOpts();
    const doc = this.doc;
    const metric = doc?.metric ?? "final_loss";
    const metricText = t(`sweep.metric.${metric}`);
    const v = this.view;
    if (!doc || !v.x) {
      return curvesFigure([], { ...opts, xLabel: t("param.lr"), yLabel: metricText, logx: true, logy: this.logy, note: t("sweep.chart.empty") });
    }
    const xs = doc.axes[v.x] ?? [];
    const logx = xs.length > 1 && xs.every((x) => typeof x === "number" && x > 0) && (/(^|\.)lr$/.test(v.x) || Math.max(...xs) / Math.min(...xs) >= 50);
    if (v.chart === "heatmap") {
      if (!v.y) return curvesFigure([], { ...opts, xLabel: axisLabel(v.x), yLabel: metricText, note: t("sweep.chart.noHeat") });
      const grid = heatGrid(doc.axes, doc.cells, { x: v.x, y: v.y, metric });
      return heatFigure(grid, { ...opts, xLabel: axisLabel(v.x), yLabel: axisLabel(v.y), zLabel: metricText, logy: this.logy,
        higherBetter: higherIsBetter(metric), valueName: (name) => optimizerName(this.cat, { name, params: {} }) });
    }
    const series = curveSeries(doc.axes, doc.cells, { x: v.x, color: v.color, metric });
    const meta = series.map((s, k) => ({ color: laneColor(k, app.state.theme),
      name: v.color === OPT_PATH ? optimizerName(this.cat, { name: s.key, params: {} })
        : v.color ? `${axisLabel(v.color)} ${typeof s.key === "number" ? fmt(s.key, 3) : s.key}` : null }));
    return curvesFigure(series, { ...opts, xLabel: axisLabel(v.x), yLabel: t("sweep.chart.yLabel", { metric: metricText }), logx,
      logy: this.logy && metric !== "final_val_acc", worstAtTop: !higherIsBetter(metric), series: meta,
      texts: { runs: t("sweep.chart.runs"), diverged: t("sweep.chart.diverged") } });
  }

  draw() {
    if (!this.built || !window.Plotly || this.app.state.tab !== "sweep") return;
    const fig = this.figure();
    this.lastFigure = fig;
    window.Plotly.react(this.plot, fig.data, fig.layout, { displayModeBar: false, responsive: true, displaylogo: false });
    this.plotted = true;
    this.keyEl.textContent = this.view.chart === "curves" && this.doc ? t("sweep.chart.key") : "";
    this.summaryEl.textContent = this.summary();
    this.renderStatus();
  }

  summary() {
    const doc = this.doc;
    if (!doc) return t("sweep.chart.empty");
    const best = bestCell(doc.cells, doc.metric);
    return t("sweep.summary", { n: doc.total, axes: Object.keys(doc.axes).map(axisLabel).join(" \u00d7 "), done: doc.done,
      best: best ? t("sweep.status.best", { what: this.pointText(best.point), value: fmt(best.value, 4) }) : "" });
  }

  exportChart(format) {
    const fig = this.figure();
    fig.layout = { ...fig.layout, title: { text: t("sweep.title"), x: 0.02 }, margin: { ...fig.layout.margin, t: 70 } };
    return exportImage(fig, format, "descentlab-sweep", this.plot);
  }

  /** Language, theme or projector changed: the form's words and the chart again. */
  restyle() {
    if (!this.built) return;
    if (this.form) this.renderForm();
    this.renderTools();
    this.renderStatus();
    this.draw();
  }
}
