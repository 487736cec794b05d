// Plotly traces and layouts for the step charts (loss, gradient norm, distance to the
// nearest minimum, learning rate). Pure: no DOM and no Plotly.

import { PLOT_FONT, startDash, themeColors } from "./colors.js";
import { t } from "./i18n.js";
import { floorSeries, lossView, minOf, robustRange, viewSeries } from "./surfacemath.js";
import { sizes } from "./surface_fig.js";

export const CHARTS = [
  { id: "loss", field: "loss", title: "chart.loss", axis: "axis.loss", testid: "loss-plot", logable: true },
  { id: "grad", field: "grad_norm", title: "chart.grad", axis: "axis.grad", testid: "grad-plot", logable: true },
  { id: "dist", field: "dist_min", title: "chart.dist", axis: "axis.dist", testid: "dist-plot", logable: true },
  { id: "lr", field: "lr", title: "chart.lr", axis: "axis.lr", testid: "lr-plot", logable: false },
];

/**
 * A lane's series as drawn: rows 0..limit only (`limit` null: every row received). Playback
 * has not reached the rows after `limit` yet, so no chart may show them, not even faded.
 */
export function shownSeries(buffer, field, lane, limit = null) {
  const [x, y] = buffer.series(field, lane);
  if (limit === null || limit === undefined || limit + 1 >= x.length) return [x, y];
  const n = Math.max(0, limit + 1);
  return [x.subarray(0, n), y.subarray(0, n)];
}

/** How the y values of a chart are drawn: {type: log|linear, view (loss), axisTitle}. */
export function chartMode(chart, buffer, info, logy, limit = null) {
  if (!chart.logable || !logy) return { type: "linear", view: { mode: "raw", offset: 0 }, axis: t(chart.axis) };
  if (chart.field !== "loss") return { type: "log", view: { mode: "floor", offset: 0 }, axis: t(chart.axis) };
  const lanes = buffer ? [...Array(buffer.nLanes).keys()].map((l) => shownSeries(buffer, "loss", l, limit)[1]) : [];
  const view = lossView(info, minOf(lanes), true);
  if (view.mode === "raw") return { type: "linear", view, axis: t(chart.axis) };
  return { type: "log", view, axis: t(view.mode === "gap" ? "axis.lossGap" : chart.axis) };
}

export function chartTraces(chart, buffer, lanes, mode, { projector, scale = 1, limit = null, thinTo = 0 }) {
  if (!buffer) return [];
  const s = sizes(projector, scale);
  return lanes.map((lane, i) => {
    let [x, raw] = shownSeries(buffer, chart.field, i, limit);
    let y = raw;
    if (mode.view.mode === "floor") y = floorSeries(raw);
    else if (mode.view.mode !== "raw") y = viewSeries(raw, mode.view);
    if (thinTo > 0) [x, y] = thin(x, y, thinTo);
    return {
      type: "scatter", mode: "lines", x, y, name: lane.label,
      line: { color: lane.color, width: s.line * 0.85, dash: startDash(lane.start) },
      hovertemplate: "%{y:.4g}",
    };
  });
}

/**
 * Vertical marks where lanes diverged ("✕ 12" at the top), so a blown-up lane that leaves
 * the chart is still accounted for.
 */
function divergenceMarks(buffer, lanes, c, s, limit = null) {
  const shapes = [];
  const annotations = [];
  for (const [lane, d] of buffer?.diverged ?? []) {
    if (limit !== null && limit !== undefined && d.step > limit) continue; // not reached yet
    const color = lanes[lane]?.color ?? c.text;
    shapes.push({ type: "line", xref: "x", yref: "paper", x0: d.step, x1: d.step, y0: 0, y1: 1,
      line: { color, width: 1.5, dash: "dot" } });
    annotations.push({ xref: "x", yref: "paper", x: d.step, y: 1, yanchor: "bottom", showarrow: false,
      text: `\u2715 ${d.step}`, font: { size: s.small, color } });
  }
  return { shapes, annotations };
}

/** A centred note when a chart has nothing to show, saying why. */
function note(buffer, traces, chart, c, s, limit = null) {
  let text = null;
  if (!buffer) text = t("plot.empty");
  else if (buffer.done && (limit === null || limit === undefined) && !traces.some((tr) => tr.y.some(Number.isFinite))) {
    text = t(chart.field === "dist_min" ? "chart.noMinimum" : "chart.noData");
  }
  return text ? [{ text, xref: "paper", yref: "paper", x: 0.5, y: 0.5, showarrow: false,
    font: { size: s.small + 1, color: c.muted } }] : [];
}

/** Learning rates: from 0 to a little above the largest, so a constant rate is not a line at
 * the bottom of an arbitrary ±1 range. Null when there is nothing finite and positive. */
export function rateRange(ys) {
  let top = 0;
  for (const y of ys) for (const v of y) if (Number.isFinite(v) && v > top) top = v;
  return top > 0 ? [0, top * 1.15] : null;
}

export function chartLayout(chart, buffer, mode, { theme, projector, scale = 1, limit = null }, lanes = [], traces = []) {
  const c = themeColors(theme, projector);
  const s = sizes(projector, scale);
  const steps = buffer?.steps ?? 100;
  const axisFont = { size: s.small, color: c.text };
  const marks = divergenceMarks(buffer, lanes, c, s, limit);
  const ys = traces.map((tr) => tr.y);
  const range = mode.type !== "linear" ? null : chart.field === "lr" ? rateRange(ys) : robustRange(ys);
  return {
    paper_bgcolor: c.paper, plot_bgcolor: c.plot,
    font: { family: PLOT_FONT, size: s.small, color: c.text },
    margin: { l: projector ? 78 : 62, r: 14, t: marks.shapes.length ? 22 : 8, b: projector ? 56 : 44 },
    xaxis: { range: [0, steps], autorange: false, fixedrange: true, title: { text: t("axis.step"), font: axisFont, standoff: 4 },
      gridcolor: c.grid, zeroline: false, tickfont: axisFont, linecolor: c.zero },
    yaxis: { type: mode.type, fixedrange: true, exponentformat: "power",
      ...(range ? { range, autorange: false } : { autorange: true }),
      title: { text: mode.axis, font: axisFont, standoff: 4 }, gridcolor: c.grid, zeroline: false,
      tickfont: axisFont, linecolor: c.zero },
    showlegend: false, hovermode: "x unified", dragmode: false,
    hoverlabel: { font: { size: s.small }, bgcolor: c.paper, bordercolor: c.zero },
    shapes: marks.shapes,
    annotations: [...marks.annotations, ...note(buffer, traces, chart, c, s, limit)],
  };
}

/**
 * A series cut to about `most` points for drawing while the race moves: per bucket the
 * lowest and highest finite values, in step order, so spikes and the trend survive; the
 * first and last points are kept; a bucket with a missing or non-finite value keeps one gap
 * (null) where the first one is, so a line broken in the whole series stays broken.
 */
export function thin(x, y, most) {
  const n = y.length;
  if (n <= most || most < 4) return [x, y];
  const buckets = Math.floor(most / 2);
  const size = n / buckets;
  const xs = [x[0]];
  const ys = [y[0]];
  for (let b = 0; b < buckets; b++) {
    const a = Math.max(1, Math.floor(b * size));
    const e = Math.min(n - 1, Math.floor((b + 1) * size));
    let lo = -1;
    let hi = -1;
    let gap = -1;
    for (let i = a; i < e; i++) {
      const v = y[i];
      if (v === null || !Number.isFinite(v)) {
        if (gap < 0) gap = i;
        continue;
      }
      if (lo < 0 || v < y[lo]) lo = i;
      if (hi < 0 || v > y[hi]) hi = i;
    }
    const keep = [...new Set([lo, hi, gap].filter((i) => i >= 0))].sort((p, q) => p - q);
    for (const i of keep) {
      xs.push(x[i]);
      ys.push(i === gap ? null : y[i]);
    }
  }
  xs.push(x[n - 1]);
  ys.push(y[n - 1]);
  return [xs, ys];
}
