// Words and numbers of the MLP view: the counters (epoch, iteration, iterations per epoch),
// the summary table's rows and the screen-reader summaries of each chart. Pure: no DOM.

import { fmt } from "../format.js";
import { t } from "../i18n.js";
import { epochOf } from "./buffer.js";

const INT = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** 1234 → "1,234" (one shared formatter: toLocaleString builds one per call, ~0.1 ms). */
export function int(n) {
  return Number.isFinite(n) ? INT.format(Math.round(n)) : "\u2014";
}

/** 0.9512 → "95.1%" (one decimal below 99.95%, none at 100%). */
export function pct(v) {
  if (typeof v !== "number" || !Number.isFinite(v)) return "\u2014";
  const p = v * 100;
  return `${p >= 99.95 ? "100" : p.toFixed(1).replace(/\.0$/, "")}%`;
}

/** "2 → 16 → 16 → 2". */
export function sizesText(sizes) {
  return (sizes ?? []).join(" \u2192 ");
}

/**
 * Iterations per epoch, spelled out (concept 5): "320 samples ÷ batch 32 = 10", with ⌈ ⌉
 * when the batch does not divide the samples, and "full batch = 1".
 */
export function ipeText(nTrain, batch, ipe) {
  if (batch >= nTrain) return t("mlp.ipe.full", { n: int(nTrain) });
  const key = nTrain % batch === 0 ? "mlp.ipe.exact" : "mlp.ipe.ceil";
  return t(key, { n: int(nTrain), b: int(batch), k: int(ipe ?? Math.ceil(nTrain / batch)) });
}

/** The same sum without words, for a narrow stage: "320 ÷ 32 = 10", "⌈320 ÷ 50⌉ = 7". */
export function ipeShort(nTrain, batch, ipe) {
  const b = Math.min(batch, nTrain);
  const k = int(ipe ?? Math.ceil(nTrain / b));
  return nTrain % b === 0 ? `${int(nTrain)} \u00f7 ${int(b)} = ${k}` : `\u2308${int(nTrain)} \u00f7 ${int(b)}\u2309 = ${k}`;
}

/** The counters at `epoch`: [{id, label, value}] for epoch, iteration, ipe and parameters. */
export function counters(meta, buffer, epoch) {
  const E = meta.epochs;
  const e = Math.max(0, Math.min(epoch, E));
  const it = buffer?.iteration?.[e];
  const iteration = Number.isFinite(it) ? it : e * meta.iterations_per_epoch;
  return [
    { id: "epoch", label: t("mlp.count.epoch"), value: `${int(e)} / ${int(E)}` },
    { id: "iteration", label: t("mlp.count.iteration"), value: `${int(iteration)} / ${int(meta.total_iterations)}` },
    { id: "ipe", label: t("mlp.count.ipe"), value: ipeText(meta.n_train, meta.batch_size, meta.iterations_per_epoch),
      short: ipeShort(meta.n_train, meta.batch_size, meta.iterations_per_epoch) },
    { id: "params", label: t("mlp.count.params"), value: int(meta.n_params) },
  ];
}

/** Why a lane stopped, in words. */
export function whyText(s) {
  if (!s) return "\u2014";
  if (s.reason === "early_stop") return t(s.restored_best ? "mlp.why.restored" : "mlp.why.early_stop");
  if (s.reason === "diverged") { // why: loss past 10⁴ × its start, a gradient past 10⁶, or inf/NaN
    const why = s.diverged_at?.reason;
    return t(["loss", "grad_norm", "non_finite"].includes(why) ? `mlp.why.diverged.${why}` : "mlp.why.diverged");
  }
  return t("mlp.why.max_epochs");
}

/** Rows of the summary table (done event's summary), formatted. */
export function tableRows(summary, labels, meta) {
  const classification = meta?.task !== "regression";
  return (summary ?? []).map((s) => ({
    lane: s.lane,
    label: labels[s.lane] ?? `#${s.lane + 1}`,
    color: meta?.lanes?.[s.lane]?.color,
    bestLoss: fmt(s.best_val_loss, 3),
    bestAcc: classification ? pct(s.best_val_acc) : "\u2014",
    bestEpoch: Number.isInteger(s.best_epoch) ? String(s.best_epoch) : "\u2014",
    stopped: String((s.reason === "diverged" ? epochOf(s.diverged_at) : null) ?? s.stopped_epoch ?? "\u2014"),
    why: whyText(s),
    final: `${fmt(s.final_train_loss, 3)} / ${fmt(s.final_val_loss, 3)}`,
    isDiverged: s.reason === "diverged",
  }));
}

/** The stop part of a lane's sentence ("SGD stopped early at epoch 63"), or null. */
function stopPhrase(buffer, lane, label) {
  const stop = buffer.stopOf(lane);
  if (!stop) return null;
  if (stop.reason === "diverged") return t("mlp.sum.diverged", { lane: label, k: stop.epoch });
  return t("mlp.sum.stopped", { lane: label, k: stop.epoch, b: stop.best_epoch });
}

/** Accuracy chart: "Adam reached 97% validation accuracy at epoch 40; SGD stopped early at epoch 63". */
export function accSummary(buffer, labels) {
  if (!buffer?.rows) return t("mlp.sum.none");
  if (buffer.meta.task === "regression") return t("mlp.noAcc");
  const field = buffer.meta.n_val > 0 ? "val_acc" : "train_acc";
  const items = labels.map((label, lane) => {
    const [, y] = buffer.series(field, lane);
    let k = -1;
    for (let e = 0; e < y.length; e++) if (Number.isFinite(y[e]) && (k < 0 || y[e] > y[k])) k = e;
    const best = k >= 0 ? t("mlp.sum.acc", { lane: label, acc: pct(y[k]), k }) : `${label} \u2014`;
    const stop = stopPhrase(buffer, lane, label);
    return stop ? `${best}; ${stop}` : best;
  });
  return `${items.join("; ")}.`;
}

/** Loss chart: each lane's lowest validation loss and when, and its stop. */
export function lossSummary(buffer, labels) {
  if (!buffer?.rows) return t("mlp.sum.none");
  const field = buffer.meta.n_val > 0 ? "val_loss" : "train_loss";
  const items = labels.map((label, lane) => {
    const k = buffer.bestEpoch(lane);
    const best = k >= 0 ? t("mlp.sum.loss", { lane: label, v: fmt(buffer.value(field, lane, k), 3), k }) : `${label} \u2014`;
    const stop = stopPhrase(buffer, lane, label);
    return stop ? `${best}; ${stop}` : best;
  });
  return `${items.join("; ")}.`;
}

/** Boundary panels at the shown epoch: each lane's validation accuracy (or loss). */
export function boundarySummary(buffer, labels, epoch) {
  if (!buffer?.rows) return t("mlp.sum.none");
  const reg = buffer.meta.task === "regression";
  const items = labels.map((label, lane) => {
    const e = Math.max(0, buffer.liveEpoch(lane, epoch));
    const v = buffer.value(reg ? "val_loss" : "val_acc", lane, e) ?? buffer.value(reg ? "train_loss" : "train_acc", lane, e);
    return `${label} ${reg ? fmt(v, 3) : pct(v)}`;
  });
  return t(reg ? "mlp.sum.fit" : "mlp.sum.boundary", { k: epoch, items: items.join(", ") });
}

/**
 * The ratio of the first (input) layer's gradient norm to the last layer's, and what it
 * means: {ratio, kind: "vanish" | "explode" | "steady"} (null without two layers).
 */
export function gradRatio(norms) {
  const a = norms?.[0];
  const b = norms?.[norms.length - 1];
  if (!(norms?.length > 1) || !(a > 0) || !(b > 0)) return null;
  const ratio = a / b;
  return { ratio, kind: ratio < 0.1 ? "vanish" : ratio > 10 ? "explode" : "steady" };
}

/** The ratio's sentence: "SGD: layer 1 gets 0.001× the output layer's gradient: vanishing gradients". */
export function gradRatioText(label, norms) {
  const r = gradRatio(norms);
  if (!r) return "";
  return t(`mlp.grad.${r.kind}`, { lane: label, r: fmt(r.ratio, 2) });
}

/** Per-layer gradient chart: each lane from the input layer to the output layer. */
export function gradSummary(buffer, labels, epoch) {
  if (!buffer?.rows) return t("mlp.sum.none");
  const items = labels.map((label, lane) => {
    const g = buffer.gradAt(lane, epoch);
    const text = t("mlp.sum.gradLane", { lane: label, a: fmt(g[0], 2), b: fmt(g[g.length - 1], 2), n: g.length });
    const r = gradRatio(g);
    return r && r.kind !== "steady" ? `${text} (${t(`mlp.kind.${r.kind}`)})` : text;
  });
  return t("mlp.sum.grad", { k: epoch, items: items.join("; ") });
}

/** Mean and standard deviation of a histogram (bin centres from its edges). */
export function histStats(counts, edges) {
  let n = 0;
  let s = 0;
  let s2 = 0;
  counts?.forEach((c, i) => {
    const x = (edges[i] + edges[i + 1]) / 2;
    n += c;
    s += c * x;
    s2 += c * x * x;
  });
  if (!n) return null;
  const mean = s / n;
  return { n, mean, std: Math.sqrt(Math.max(0, s2 / n - mean * mean)) };
}

/** Weight histograms: the spread (standard deviation) of each layer's weights per lane. */
export function histSummary(buffer, labels, epoch) {
  if (!buffer?.rows) return t("mlp.sum.none");
  const edges = buffer.meta.hist_edges ?? [];
  const items = labels.map((label, lane) => {
    const spreads = edges.map((ed, k) => histStats(buffer.histAt(lane, k, epoch), ed)?.std);
    return `${label} ${spreads.map((s) => fmt(s, 2)).join(" / ")}`;
  });
  return t("mlp.sum.hist", { k: epoch, items: items.join("; ") });
}

/**
 * A small network diagram: for layer sizes [2, 16, 16, 2], columns of at most `cap` dots
 * (evenly spaced in a w × h box) with the edges between neighbouring columns; a column
 * with more units shows `cap` of them and its count. Returns {nodes: [[x, y]], edges:
 * [[x0, y0, x1, y1]], labels: [{x, y, text}]}.
 */
export function netDiagram(sizes, w = 120, h = 40, cap = 6) {
  const cols = sizes.length;
  const xs = sizes.map((_, k) => (cols === 1 ? w / 2 : 4 + (k * (w - 8)) / (cols - 1)));
  const column = (n, x) => {
    const m = Math.min(n, cap);
    return Array.from({ length: m }, (_, i) => [x, m === 1 ? h / 2 : 4 + (i * (h - 8)) / (m - 1)]);
  };
  const layers = sizes.map((n, k) => column(n, xs[k]));
  const edges = [];
  for (let k = 0; k + 1 < layers.length; k++) {
    for (const [x0, y0] of layers[k]) for (const [x1, y1] of layers[k + 1]) edges.push([x0, y0, x1, y1]);
  }
  const labels = sizes.map((n, k) => ({ x: xs[k], y: h + 10, text: String(n) }));
  return { nodes: layers.flat(), edges, labels };
}
