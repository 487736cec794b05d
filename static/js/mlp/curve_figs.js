// Plotly figures of the MLP view's curves against epochs: loss (train solid, validation
// dashed, the minibatch loss as a faint trace, early-stop markers), accuracy and the
// learning rate. Pure: no DOM and no Plotly.

import { PLOT_FONT, themeColors, withAlpha } from "../colors.js";
import { fmt } from "../format.js";
import { t } from "../i18n.js";
import { sizes } from "../surface_fig.js";

/** At most ~`max` points of (x, y), keeping each bucket's min and max (the noise stays visible). */
export function decimate(x, y, max = 1600) {
  const n = Math.min(x.length, y.length);
  if (n <= max) return [x, y];
  const buckets = Math.max(1, Math.floor(max / 2));
  const size = n / buckets;
  const xs = [];
  const ys = [];
  for (let b = 0; b < buckets; b++) {
    const i0 = Math.floor(b * size);
    const i1 = Math.min(n, Math.floor((b + 1) * size));
    let lo = -1;
    let hi = -1;
    for (let i = i0; i < i1; i++) {
      if (!Number.isFinite(y[i])) continue;
      if (lo < 0 || y[i] < y[lo]) lo = i;
      if (hi < 0 || y[i] > y[hi]) hi = i;
    }
    if (lo < 0) continue;
    for (const i of lo <= hi ? [lo, hi] : [hi, lo]) {
      xs.push(x[i]);
      ys.push(y[i]);
    }
  }
  return [xs, ys];
}

/**
 * Ticks for a log axis over the series: one per power of ten when the values span 1.5
 * decades or more, else 1-2-5 steps with plain labels (Plotly's own minor digits crowd a
 * small chart).
 */
export function logTicks(...series) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) for (const v of s) if (v > 0 && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!(hi > 0)) return {};
  if (hi / lo >= 30) return { dtick: Math.max(1, Math.ceil(Math.log10(hi / lo) / 6)) };
  const vals = [];
  for (let k = Math.floor(Math.log10(lo)) - 1; k <= Math.ceil(Math.log10(hi)); k++) {
    for (const m of [1, 2, 5]) vals.push(m * 10 ** k);
  }
  const inside = vals.filter((v) => v >= lo / 1.3 && v <= hi * 1.3);
  const tickvals = inside.length >= 2 ? inside : vals.filter((v) => v >= lo / 6 && v <= hi * 6);
  return { tickvals, ticktext: tickvals.map((v) => fmt(v, 2)) };
}

/**
 * A y range for the loss that a lane blowing up does not flatten: from the lowest value
 * (÷ 2) up to 10× the larger of the untrained loss (epoch 0) and the last values; a lane
 * above that leaves the chart at the top. In log10 units when `log`; null when empty.
 */
export function lossRange(series, log) {
  let lo = Infinity;
  let top = -Infinity;
  let hi = -Infinity;
  for (const s of series) {
    let last = null;
    for (const x of s) {
      if (!Number.isFinite(x) || (log && x <= 0)) continue;
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
      last = x;
    }
    const first = s.find((x) => Number.isFinite(x));
    for (const x of [first, last]) if (Number.isFinite(x)) top = Math.max(top, x);
  }
  if (!(hi >= lo)) return null;
  hi = Math.min(hi, 10 * top);
  if (log) return [Math.log10(lo / 2), Math.log10(hi * 1.6)];
  return [Math.min(0, lo), hi * 1.08 || 1];
}

/** A layout with no axes and a centred note (nothing to plot, and why). */
export function noteLayout(opts, text) {
  const c = themeColors(opts.theme, opts.projector);
  const s = sizes(opts.projector, opts.scale);
  return { paper_bgcolor: c.paper, plot_bgcolor: c.plot, font: { family: PLOT_FONT }, margin: { l: 20, r: 20, t: 10, b: 20 },
    xaxis: { visible: false }, yaxis: { visible: false },
    annotations: [{ text: text.replace(/\. /g, ".<br>"), xref: "paper", yref: "paper", x: 0.5, y: 0.5, showarrow: false,
      font: { size: s.small + 1, color: c.muted } }] };
}

/** The layout every epoch chart shares (x from 0 to the run's epochs). */
export function epochLayout(opts, { xmax, ytitle, ytype = "linear", yrange = null, marks = null, xtitle = null, yticks = {} }) {
  const c = themeColors(opts.theme, opts.projector);
  const s = sizes(opts.projector, opts.scale);
  const font = { family: PLOT_FONT, size: s.small, color: c.text };
  return {
    paper_bgcolor: c.paper, plot_bgcolor: c.plot, font,
    margin: { l: opts.projector ? 74 : 58, r: 12, t: marks?.annotations.length ? 16 + 12 * Math.min(4, marks.annotations.length) : 8,
      b: opts.projector ? 52 : 40 },
    xaxis: { range: [0, Math.max(1, xmax)], autorange: false, fixedrange: true, gridcolor: c.grid, zeroline: false,
      linecolor: c.zero, tickfont: font, title: { text: xtitle ?? t("mlp.axis.epoch"), font, standoff: 4 } },
    yaxis: { type: ytype, fixedrange: true, gridcolor: c.grid, zeroline: false, linecolor: c.zero, tickfont: font,
      exponentformat: "power", title: { text: ytitle, font, standoff: 4 }, ...yticks,
      ...(yrange ? { range: yrange, autorange: false } : { autorange: true }) },
    showlegend: false, hovermode: "x unified", dragmode: false,
    hoverlabel: { font: { size: s.small }, bgcolor: c.paper, bordercolor: c.zero },
    shapes: marks?.shapes ?? [], annotations: marks?.annotations ?? [],
  };
}

/**
 * Vertical marks where lanes stopped early or diverged (up to epoch `upTo`: the replay does
 * not tell the future), labelled "stopped at epoch k, best k'"; lanes that stopped at the
 * same epoch share one label, with a colour chip each.
 */
export function stopMarks(buffer, lanes, opts, upTo = Infinity) {
  const s = sizes(opts.projector, opts.scale);
  const c = themeColors(opts.theme, opts.projector);
  const shapes = [];
  const groups = new Map();
  lanes.forEach((lane, i) => {
    const stop = buffer?.stopOf(i);
    if (!stop || !Number.isFinite(stop.epoch) || stop.epoch > upTo) return;
    const short = opts.compact ? "Short" : "";
    const text = stop.reason === "diverged" ? t(`mlp.mark.diverged${short}`, { k: stop.epoch })
      : t(`mlp.mark.stopped${short}`, { k: stop.epoch, b: stop.best_epoch });
    shapes.push({ type: "line", xref: "x", yref: "paper", x0: stop.epoch, x1: stop.epoch, y0: 0, y1: 1,
      line: { color: lane.color, width: opts.projector ? 3 : 2, dash: "dot" } });
    const g = groups.get(text) ?? { epoch: stop.epoch, colors: [] };
    g.colors.push(lane.color);
    groups.set(text, g);
  });
  const annotations = [...groups].map(([text, g], k) => {
    const right = g.epoch > 0.5 * (buffer.epochs || 1);
    const chips = g.colors.map((col) => `<span style="color:${col}">\u25A0</span>`).join("");
    return { xref: "x", yref: "paper", x: g.epoch, y: 1, yanchor: "bottom", xanchor: right ? "right" : "left",
      yshift: 2 + 14 * k, showarrow: false, text: right ? `${chips} ${text} \u25B8` : `\u25C2 ${chips} ${text}`,
      font: { size: s.small - 1, color: c.text }, bgcolor: c.paper };
  });
  return { shapes, annotations };
}

function note(text, opts) {
  const c = themeColors(opts.theme, opts.projector);
  const s = sizes(opts.projector, opts.scale);
  return { text, xref: "paper", yref: "paper", x: 0.5, y: 0.5, showarrow: false, font: { size: s.small + 1, color: c.muted } };
}

/** Loss: minibatch loss (faint), then train (solid) and validation (dashed) per lane, ★ at the best epoch. */
export function lossFigure(buffer, lanes, opts, { logy = true, batches = true, upTo = Infinity } = {}) {
  const s = sizes(opts.projector, opts.scale);
  const data = [];
  if (!buffer) return { data, layout: { ...epochLayout(opts, { xmax: 100, ytitle: t("mlp.axis.loss") }), annotations: [note(t("mlp.empty"), opts)] } };
  const hasVal = buffer.meta.n_val > 0;
  if (batches && buffer.itRows) {
    lanes.forEach((lane, i) => {
      const [x, y] = decimate(...buffer.itSeries("it_loss", i));
      data.push({ type: "scatter", mode: "lines", x, y, line: { color: withAlpha(lane.color, opts.theme === "dark" ? 0.14 : 0.2), width: 1 },
        hoverinfo: "skip", showlegend: false, meta: "batch" });
    });
  }
  lanes.forEach((lane, i) => {
    const [x, train] = buffer.series("train_loss", i);
    data.push({ type: "scatter", mode: "lines", x, y: train, name: `${lane.label} \u00b7 ${t("mlp.trainLoss")}`,
      line: { color: lane.color, width: s.line * 0.8 }, hovertemplate: "%{y:.4g}", meta: "train" });
    if (hasVal) {
      data.push({ type: "scatter", mode: "lines", x, y: buffer.series("val_loss", i)[1], name: `${lane.label} \u00b7 ${t("mlp.valLoss")}`,
        line: { color: lane.color, width: s.line * 0.8, dash: "dash" }, hovertemplate: "%{y:.4g}", meta: "val" });
    }
  });
  if (buffer.done) { // ★ at the best epoch: once a lane stopped, or everywhere at the end
    const field = hasVal ? "val_loss" : "train_loss";
    const end = upTo >= buffer.lastEpoch;
    const best = lanes.map((_, i) => {
      const stop = buffer.stopOf(i);
      const e = stop && stop.epoch <= upTo ? stop.best_epoch : end ? buffer.bestEpoch(i) : null;
      return Number.isInteger(e) && e >= 0 ? e : null;
    });
    data.push({ type: "scatter", mode: "markers", x: best, y: best.map((e, i) => (e === null ? null : buffer.value(field, i, e))),
      marker: { symbol: "star", size: s.cp + 2, color: lanes.map((l) => l.color), line: { width: 1, color: themeColors(opts.theme).text } },
      text: best.map((e, i) => t("mlp.best", { v: fmt(buffer.value(field, i, e ?? 0), 3), k: e ?? "\u2014", lane: lanes[i].label })),
      hovertemplate: "%{text}<extra></extra>", showlegend: false, meta: "best" });
  }
  const marks = stopMarks(buffer, lanes, opts, upTo);
  const curves = data.filter((d) => d.meta === "train" || d.meta === "val").map((d) => d.y);
  const yrange = lossRange(curves, logy);
  const yticks = logy && yrange ? logTicks([10 ** yrange[0], 10 ** yrange[1]]) : {};
  return { data, layout: epochLayout(opts, { xmax: buffer.epochs, ytitle: t(logy ? "mlp.axis.lossLog" : "mlp.axis.loss"),
    ytype: logy ? "log" : "linear", marks, yticks, yrange }) };
}

/** Accuracy in % (train solid, validation dashed); a note for regression. */
export function accFigure(buffer, lanes, opts, upTo = Infinity) {
  const s = sizes(opts.projector, opts.scale);
  const base = { xmax: buffer?.epochs ?? 100, ytitle: t("mlp.axis.acc") };
  if (!buffer || buffer.meta.task === "regression") return { data: [], layout: noteLayout(opts, t(buffer ? "mlp.noAcc" : "mlp.empty")) };
  const data = [];
  let lo = 100;
  const pct = (a) => Array.from(a, (v) => (Number.isFinite(v) ? 100 * v : null));
  lanes.forEach((lane, i) => {
    for (const [field, dash, which] of [["train_acc", "solid", "train"], ["val_acc", "dash", "val"]]) {
      if (which === "val" && !(buffer.meta.n_val > 0)) continue;
      const [x, v] = buffer.series(field, i);
      const y = pct(v);
      for (const p of y) if (p !== null) lo = Math.min(lo, p);
      data.push({ type: "scatter", mode: "lines", x, y, name: `${lane.label} \u00b7 ${t(`mlp.${which}`)}`,
        line: { color: lane.color, width: s.line * 0.8, dash }, hovertemplate: "%{y:.1f}%", meta: which });
    }
  });
  const bottom = Math.max(0, Math.floor(Math.min(lo, 90) / 10) * 10);
  return { data, layout: epochLayout(opts, { ...base, yrange: [bottom, 101], marks: stopMarks(buffer, lanes, opts, upTo) }) };
}

/** Learning rate per iteration (schedules, reduce-on-plateau steps); log when it spans > 20×. */
export function lrFigure(buffer, lanes, opts) {
  const s = sizes(opts.projector, opts.scale);
  if (!buffer) {
    const layout = epochLayout(opts, { xmax: 100, ytitle: t("mlp.axis.lr") });
    layout.annotations = [note(t("mlp.empty"), opts)];
    return { data: [], layout };
  }
  let lo = Infinity;
  let hi = -Infinity;
  const data = lanes.map((lane, i) => {
    const [x, y] = buffer.itRows ? decimate(...buffer.itSeries("it_lr", i)) : buffer.series("lr", i);
    for (const v of y) if (Number.isFinite(v) && v > 0) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    return { type: "scatter", mode: "lines", x, y, name: lane.label, line: { color: lane.color, width: s.line * 0.8, shape: "hv" },
      hovertemplate: "%{y:.3g}" };
  });
  const log = hi / lo > 20;
  return { data, layout: epochLayout(opts, { xmax: buffer.epochs, ytitle: t("mlp.axis.lr"), ytype: log ? "log" : "linear",
    yrange: log || !(hi > 0) ? null : [0, hi * 1.12] }) };
}
