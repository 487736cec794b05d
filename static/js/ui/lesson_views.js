// The lesson views a preset's view.tab asks for, drawn from POST /api/lessons/<endpoint>:
// gradcheck (backprop vs numerical gradients per layer, with timings), loop (one training
// iteration stage by stage, with a next-step button) and accuracy (loss and accuracy along
// one weight direction in one Plotly chart).

import { laneColor, PLOT_FONT, themeColors } from "../colors.js";
import { fmt } from "../format.js";
import { t } from "../i18n.js";
import { h } from "./dom.js";
import { lessonView } from "./lesson_extra.js";

const ms = (s) => `${fmt(s * 1000, 3)} ms`;

// ------------------------------------------------------------------------------ gradcheck

lessonView("gradcheck", (d) => {
  const row = (name, params, n, maxAbs, rel) => h("tr", {},
    h("td", {}, name), h("td", {}, params ? `${params} (${n})` : String(n)), h("td", {}, fmt(maxAbs)), h("td", {}, fmt(rel)));
  const table = h("table", { dataset: { testid: "gradcheck-table" } },
    h("thead", {}, h("tr", {}, ["gc.layer", "gc.params", "gc.maxAbs", "gc.rel"].map((k) => h("th", {}, t(k))))),
    h("tbody", {}, d.layers.map((l) => row(String(l.layer), l.params.join(", "), l.n, l.max_abs, l.rel)),
      row(t("gc.all"), "", d.n_params, d.max_abs, d.rel)));
  return [
    h("h3", {}, t("gc.title")),
    h("p", { class: "help" }, t("gc.count", { n: d.n_params, m: d.n_examples, eps: fmt(d.eps) })),
    table,
    h("p", { dataset: { testid: "gradcheck-times" } },
      t("gc.timeBp", { time: ms(d.time_backprop_s) }), h("br"),
      t("gc.timeNum", { time: ms(d.time_numerical_s), n: d.forward_passes?.numerical ?? "" }), h("br"),
      h("strong", {}, t("gc.speedup", { x: fmt(d.speedup, 3) }))),
  ];
});

// ------------------------------------------------------------------------------ loop

/** A matrix (or vector) as aligned monospace rows. */
function mat(name, m, testid = null) {
  const rows = (Array.isArray(m[0]) ? m : [m]).map((r) => r.map((v) => fmt(v, 3).padStart(9)).join(""));
  return h("div", testid ? { dataset: { testid } } : {}, h("div", { class: "mat-name" }, name),
    h("pre", { class: "mat" }, rows.join("\n")));
}

function stage(title, ...children) {
  return h("section", { class: "loop-stage" }, h("h3", {}, title), ...children);
}

/** Layer numbers as subscripts: 2 → "₂" (z₂ is layer 2's pre-activation). */
const sub = (n) => String(n).replace(/\d/g, (c) => "\u2080\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089"[c]);

lessonView("loop", (d, ctx) => {
  const D = "\u2202";
  const last = d.forward.length; // the output layer
  const forward = stage(t("loop.forward"), d.forward.map((l) => h("div", { class: "loop-layer" },
    h("strong", {}, t("loop.layer", { n: l.layer, act: l.activation })),
    l.layer === 1 ? mat(`${t("loop.inputs")} x`, l.input) : null,
    mat(`W${sub(l.layer)}`, l.W), mat(`b${sub(l.layer)}`, l.b),
    mat(`z${sub(l.layer)} = ${l.layer === 1 ? "x" : `a${sub(l.layer - 1)}`}W${sub(l.layer)} + b${sub(l.layer)}`, l.z),
    mat(`a${sub(l.layer)}`, l.a))));
  // the loss's gradient with respect to the output layer's z (the logits), where backprop starts
  const loss = stage(t("loop.loss"), h("p", { dataset: { testid: "loop-loss" } }, t("loop.lossValue", { loss: fmt(d.loss, 4) })),
    mat("y", d.batch.y.map((v) => (Array.isArray(v) ? v : [v]))), mat(`${D}L/${D}z${sub(last)} ${t("loop.outputGrad")}`, d.dloss_dout, "loop-dloss"));
  const backward = stage(t("loop.backward"), [...d.backward].reverse().map((b) => h("div", { class: "loop-layer" },
    h("strong", {}, t("loop.layer", { n: b.layer, act: "\u03b4" })),
    mat(`\u03b4${sub(b.layer)} = ${D}L/${D}z${sub(b.layer)}`, b.delta), mat(`${D}L/${D}W${sub(b.layer)}`, b.W_grad),
    mat(`${D}L/${D}b${sub(b.layer)}`, b.b_grad))));
  const update = stage(t("loop.update"), d.lr !== null ? h("p", { class: "help" }, t("loop.rule", { lr: fmt(d.lr) })) : null,
    d.update.map((u) => h("div", { class: "loop-layer" },
      h("strong", {}, t("loop.layer", { n: u.layer, act: "W, b" })),
      mat(`\u0394W${sub(u.layer)}`, u.W_change), mat(`W${sub(u.layer)}`, u.W_new), mat(`b${sub(u.layer)}`, u.b_new))),
    h("p", { dataset: { testid: "loop-new-loss" } }, h("strong", {}, t("loop.newLoss", { loss: fmt(d.new_loss, 4) }))));
  const next = h("button", { type: "button", class: "primary", dataset: { testid: "loop-next" },
    onclick: () => ctx.next({ ...ctx.body, step: d.step + 1 }) }, t("loop.next"));
  return [
    h("div", { class: "loop-head" }, h("h3", { dataset: { testid: "loop-title" } }, t("loop.title", { k: d.step + 1 })), next),
    h("div", { class: "loop-grid" }, forward, loss, backward, update),
  ];
});

// ------------------------------------------------------------------------------ accuracy

lessonView("accuracy", (d, ctx) => {
  const div = h("div", { class: "acc-plot", dataset: { testid: "accuracy-plot" } });
  const { theme } = ctx.app.state;
  const c = themeColors(theme);
  const data = [
    { x: d.ts, y: d.loss, name: t("acc.loss"), type: "scatter", mode: "lines", line: { color: laneColor(0, theme), width: 3 } },
    { x: d.ts, y: d.accuracy.map((v) => (v === null ? null : v * 100)), name: `${t("acc.accuracy")} (%)`, yaxis: "y2",
      type: "scatter", mode: "lines", line: { color: laneColor(1, theme), width: 3, shape: "hv" } },
  ];
  const axis = { gridcolor: c.grid, zerolinecolor: c.zero, color: c.text };
  const layout = { paper_bgcolor: c.paper, plot_bgcolor: c.plot, font: { family: PLOT_FONT, color: c.text }, height: 320,
    margin: { l: 60, r: 60, t: 10, b: 45 }, legend: { orientation: "h", y: 1.1 },
    xaxis: { ...axis, title: { text: t("acc.axis") } }, yaxis: { ...axis, title: { text: t("acc.loss") } },
    yaxis2: { ...axis, title: { text: `${t("acc.accuracy")} (%)` }, overlaying: "y", side: "right", showgrid: false } };
  requestAnimationFrame(() => window.Plotly?.react(div, data, layout, { displayModeBar: false, responsive: true }));
  return [h("h3", {}, t("acc.title")), div,
    h("p", { class: "help" }, t("acc.note", { n: d.n_examples, na: d.distinct_accuracy, nl: d.distinct_loss }))];
});
