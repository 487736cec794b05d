// The MLP tab's learning-rate range test (POST /api/lr-finder, torch-lr-finder's method): lane
// 1 trains once while its rate grows; the loss against the rate (raw and smoothed, log x) with
// the suggested rate marked, and "Use this rate", which sets lane 1's learning rate.

import { laneColor } from "../../colors.js";
import { fmt } from "../../format.js";
import { t } from "../../i18n.js";
import { mlpRequest } from "../../mlp/config.js";
import { optimizerName } from "../../summaries.js";
import { lrFinderFigure } from "../../sweep/figs.js";
import { request } from "../api.js";
import { $, h } from "../dom.js";
import { exportImage } from "../export.js";

/** torch-lr-finder's defaults (davidtvs/pytorch-lr-finder), the ones the form shows. */
export const LRF_DEFAULTS = { start_lr: 1e-7, end_lr: 10, num_iter: 100, step_mode: "exp" };
const EXTRA_KEYS = ["smooth_f", "diverge_th"];

/** The body of POST /api/lr-finder: the MLP setup with lane 1 only, and the test's settings. */
export function lrFinderBody(mlp, params = {}) {
  const base = mlpRequest(mlp);
  base.optimizers = base.optimizers.slice(0, 1);
  const body = { base };
  for (const k of Object.keys(LRF_DEFAULTS)) body[k] = params[k] ?? LRF_DEFAULTS[k];
  for (const k of EXTRA_KEYS) if (params[k] !== undefined) body[k] = params[k];
  return body;
}

export class LrFinderPanel {
  constructor(app) {
    this.app = app;
    this.params = { ...LRF_DEFAULTS };
    this.doc = null;
    this.busy = false;
    this.seq = 0;
    this.message = null; // [key, vars]
    this.dialog = null;
    $("#lrf-open")?.addEventListener("click", () => this.open({}));
  }

  build() {
    const num = (key, testid, step = "any") => {
      const i = h("input", { id: `lrf-${key}`, type: "number", step, value: String(this.params[key]), dataset: { testid },
        inputmode: "decimal", oninput: () => { if (i.value !== "" && Number.isFinite(Number(i.value))) this.params[key] = Number(i.value); } });
      return i;
    };
    this.inputs = { start_lr: num("start_lr", "lrf-start"), end_lr: num("end_lr", "lrf-end"), num_iter: num("num_iter", "lrf-iters", 1) };
    this.mode = h("select", { id: "lrf-mode", dataset: { testid: "lrf-mode" }, onchange: () => { this.params.step_mode = this.mode.value; } });
    this.titleEl = h("h2", { id: "lrf-title", tabindex: "-1" }); // focused on open (not the Close button)
    this.intro = h("p", { class: "lrf-intro", dataset: { testid: "lrf-intro" } });
    this.runBtn = h("button", { type: "button", class: "primary", dataset: { testid: "lrf-run" }, onclick: () => this.run() });
    this.closeBtn = h("button", { type: "button", class: "ghost", dataset: { testid: "lrf-close" }, onclick: () => this.close() });
    this.plot = h("div", { class: "lrf-plot", role: "img", dataset: { testid: "lrf-plot" }, "aria-describedby": "lrf-result" });
    this.result = h("p", { id: "lrf-result", class: "lrf-result", role: "status", "aria-live": "polite", dataset: { testid: "lrf-result" } });
    this.useBtn = h("button", { type: "button", class: "primary", dataset: { testid: "lrf-use" }, onclick: () => this.use() });
    this.png = h("button", { type: "button", class: "mini", dataset: { testid: "lrf-png" }, onclick: () => this.exportChart("png") }, "PNG");
    this.svg = h("button", { type: "button", class: "mini", dataset: { testid: "lrf-svg" }, onclick: () => this.exportChart("svg") }, "SVG");
    this.labels = {};
    const field = (key, input) => {
      this.labels[key] = h("label", { for: input.id });
      return h("div", { class: "field" }, this.labels[key], input);
    };
    this.dialog = h("dialog", { class: "dialog lrf-panel", dataset: { testid: "lrf-panel" }, "aria-labelledby": "lrf-title" },
      h("div", { class: "code-head" }, this.titleEl, this.closeBtn),
      this.intro,
      h("div", { class: "lrf-settings" }, field("start", this.inputs.start_lr), field("end", this.inputs.end_lr),
        field("iters", this.inputs.num_iter), field("mode", this.mode), this.runBtn),
      this.plot, this.result,
      h("div", { class: "lrf-actions" }, this.useBtn, h("span", { class: "tools" }, this.png, this.svg)));
    this.dialog.addEventListener("close", () => { this.seq += 1; });
    document.body.append(this.dialog);
    new ResizeObserver(() => { if (this.dialog.open && this.plotted) window.Plotly?.Plots.resize(this.plot); }).observe(this.plot);
  }

  /** Open the panel and run the test (`params`: a lesson's start_lr, end_lr, num_iter, …). */
  open(params = {}) {
    if (!this.dialog) this.build();
    this.params = { ...LRF_DEFAULTS, ...Object.fromEntries(Object.entries(params ?? {}).filter(([, v]) => v !== null && v !== undefined)) };
    for (const [k, input] of Object.entries(this.inputs)) input.value = String(this.params[k]);
    this.doc = null;
    this.render();
    if (!this.dialog.open) this.dialog.showModal();
    this.titleEl.focus();
    this.run();
  }

  close() {
    if (this.dialog?.open) this.dialog.close();
  }

  lane() {
    return this.app.state.mlp.lanes[0];
  }

  render() {
    if (!this.dialog) return;
    const p = this.params;
    this.titleEl.textContent = t("lrf.title");
    this.closeBtn.textContent = t("lrf.close");
    this.runBtn.textContent = t("lrf.run");
    this.useBtn.textContent = t("lrf.use");
    for (const [k, key] of [["start", "lrf.start"], ["end", "lrf.end"], ["iters", "lrf.iters"], ["mode", "lrf.mode"]]) this.labels[k].textContent = t(key);
    this.mode.replaceChildren(...["exp", "linear"].map((m) => h("option", { value: m, selected: m === p.step_mode }, t(`lrf.mode.${m}`))));
    const lane = this.lane();
    this.intro.textContent = t("lrf.intro", { optimizer: lane ? optimizerName(this.app.cat, lane) : "", n: p.num_iter,
      start: fmt(p.start_lr, 2), end: fmt(p.end_lr, 2) });
    this.runBtn.disabled = this.busy;
    const lr = this.doc?.suggested_lr;
    this.useBtn.disabled = this.busy || !(typeof lr === "number" && Number.isFinite(lr) && lr > 0);
    let text = "";
    if (this.message) text = t(...this.message);
    else if (this.busy) text = t("lrf.running");
    else if (this.doc) {
      const stopped = t(this.doc.stopped === "diverged" ? "lrf.stopped.diverged" : "lrf.stopped.end", { n: this.doc.iterations ?? this.doc.lrs?.length ?? "" });
      text = `${typeof lr === "number" ? t("lrf.result", { lr: fmt(lr, 3), min: fmt(this.doc.min_loss_lr, 3) }) : t("lrf.noSuggestion")} ${stopped}`;
    }
    this.result.textContent = text;
    this.draw();
  }

  figure() {
    const opts = this.app.figOpts();
    return lrFinderFigure(this.doc ?? { lrs: [] }, { ...opts, color: laneColor(0, this.app.state.theme),
      texts: { raw: t("lrf.raw"), smoothed: t("lrf.smoothed"), suggested: t("lrf.suggested"), rate: t("lrf.rate"), loss: t("lrf.loss"),
        empty: this.busy ? t("lrf.running") : "" } });
  }

  draw() {
    if (!this.dialog?.open || !window.Plotly) return;
    const fig = this.figure();
    window.Plotly.react(this.plot, fig.data, fig.layout, { displayModeBar: false, responsive: true, displaylogo: false });
    this.plotted = true;
  }

  async run() {
    const seq = ++this.seq;
    this.busy = true;
    this.message = null;
    this.render();
    let doc;
    try {
      doc = await request("POST", "/api/lr-finder", lrFinderBody(this.app.state.mlp, this.params));
    } catch (e) {
      if (seq !== this.seq) return;
      this.busy = false;
      this.message = ["lrf.failed", { message: e.status === 0 ? t("status.network") : e.message }];
      this.render();
      return;
    }
    if (seq !== this.seq) return;
    this.busy = false;
    this.doc = doc;
    this.render();
    window.dispatchEvent(new CustomEvent("descentlab:lrfinder", { detail: { suggested: doc?.suggested_lr ?? null } }));
  }

  /** Lane 1's learning rate ← the suggestion (the MLP re-runs with it). */
  use() {
    const lr = this.doc?.suggested_lr;
    if (!(typeof lr === "number" && Number.isFinite(lr) && lr > 0)) return;
    const v = Number(lr.toPrecision(3));
    this.app.mlp.change((m) => { if (m.lanes[0]) m.lanes[0].params.lr = v; }, { rerender: true });
    this.close();
    this.app.status.show("text", { text: t("lrf.used", { lr: fmt(v, 3) }) });
  }

  exportChart(format) {
    const fig = this.figure();
    fig.layout = { ...fig.layout, title: { text: t("lrf.title"), x: 0.02 }, margin: { ...fig.layout.margin, t: 60 } };
    return exportImage(fig, format, "descentlab-lr-range-test", this.plot);
  }

  restyle() {
    if (this.dialog?.open) this.render();
  }
}
