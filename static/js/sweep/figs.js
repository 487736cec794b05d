// Plotly figures of a sweep (sensitivity curves, heat map) and of the LR range test. Pure:
// no DOM and no Plotly; the texts come from the caller (already translated).

import { PLOT_FONT, themeColors, withAlpha } from "../colors.js";
import { fmt } from "../format.js";
import { sizes } from "../surface_fig.js";

function baseLayout({ theme, projector, scale = 1 }) {
  const c = themeColors(theme, projector);
  const s = sizes(projector, scale);
  const axisFont = { size: s.small, color: c.text };
  const axis = (title, extra = {}) => ({ title: { text: title, font: axisFont, standoff: 6 }, gridcolor: c.grid,
    zeroline: false, tickfont: axisFont, linecolor: c.zero, exponentformat: "power",
    automargin: true, ...extra });  // long category labels (optimizers) push the title out
  return { c, s, axis, layout: {
    paper_bgcolor: c.paper, plot_bgcolor: c.plot, font: { family: PLOT_FONT, size: s.small, color: c.text },
    margin: { l: projector ? 88 : 70, r: 18, t: 14, b: projector ? 66 : 52 }, dragmode: false,
    hoverlabel: { font: { size: s.small }, bgcolor: c.paper, bordercolor: c.zero },
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: s.small + 1, color: c.text } },
  } };
}

/** [lo, hi] of the finite (and, on a log axis, positive) numbers; null when none. */
export function finiteExtent(values, log = false) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (typeof v !== "number" || !Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/**
 * The y axis of the curves: its range (in axis units: log10 on a log axis) and the value
 * where a ✕ (median ±inf) sits, at the top edge (or the bottom one when higher is better).
 */
export function edgeScale(values, { logy = false, worstAtTop = true } = {}) {
  const ext = finiteExtent(values, logy);
  const tr = (v) => (logy ? Math.log10(v) : v);
  const un = (v) => (logy ? 10 ** v : v);
  let [a, b] = ext ? [tr(ext[0]), tr(ext[1])] : [0, 1];
  if (b - a < 1e-9) {
    const pad = logy ? 0.5 : Math.max(Math.abs(a) * 0.1, 0.5);
    a -= pad;
    b += pad;
  }
  const span = b - a;
  const mark = worstAtTop ? b + 0.1 * span : a - 0.1 * span;
  const range = worstAtTop ? [a - 0.05 * span, b + 0.17 * span] : [a - 0.17 * span, b + 0.05 * span];
  return { range, mark: un(mark), markAxis: mark };
}

/**
 * Sensitivity curves: per series the median (line and markers) and the inter-quartile band;
 * a point whose median is ±inf (mostly diverged) is a ✕ at the top edge.
 * opts: {xLabel, yLabel, logx, logy, worstAtTop, series: [{name, color}], texts: {diverged, runs}}.
 */
export function curvesFigure(series, opts) {
  const { c, s, axis, layout } = baseLayout(opts);
  const logy = !!opts.logy;
  const all = series.flatMap((sr) => sr.points.flatMap((p) => [p.median, p.q25, p.q75]));
  const { range, mark } = edgeScale(all, { logy, worstAtTop: opts.worstAtTop !== false });
  const clip = (v) => (v === null ? null : Number.isFinite(v) && (!logy || v > 0) ? v : mark);
  const data = [];
  series.forEach((sr, k) => {
    const meta = opts.series?.[k] ?? {};
    const color = meta.color ?? c.text;
    const name = meta.name ?? String(sr.key ?? "");
    const pts = sr.points;
    const ok = (p) => p.n > 0 && Number.isFinite(p.median) && (!logy || p.median > 0);
    // the band, one closed polygon per run of finite medians
    let run = [];
    const flush = () => {
      if (run.length) {
        const up = run.map((p) => clip(p.q75));
        const down = run.map((p) => clip(p.q25)).reverse();
        data.push({ type: "scatter", mode: "lines", x: [...run.map((p) => p.x), ...run.map((p) => p.x).reverse()],
          y: [...up, ...down], fill: "toself", fillcolor: withAlpha(color, 0.18), line: { width: 0, color },
          hoverinfo: "skip", showlegend: false, legendgroup: `s${k}`, name: `${name} IQR` });
      }
      run = [];
    };
    for (const p of pts) {
      if (ok(p)) run.push(p);
      else flush();
    }
    flush();
    data.push({ type: "scatter", mode: "lines+markers", name, legendgroup: `s${k}`,
      x: pts.map((p) => p.x), y: pts.map((p) => (ok(p) ? p.median : null)),
      customdata: pts.map((p) => [p.n, p.diverged, clip(p.q25), clip(p.q75)]),
      line: { color, width: s.line }, marker: { color, size: s.start * 0.7 },
      hovertemplate: `${name}<br>x = %{x:.3g}<br>median %{y:.4g}<br>IQR %{customdata[2]:.3g}–%{customdata[3]:.3g}`
        + `<br>${opts.texts?.runs ?? "runs"} %{customdata[0]} · ${opts.texts?.diverged ?? "diverged"} %{customdata[1]}<extra></extra>` });
    const bad = pts.filter((p) => p.n > 0 && p.median !== null && !Number.isFinite(p.median));
    if (bad.length) {
      data.push({ type: "scatter", mode: "markers", name: `${name} \u2715`, legendgroup: `s${k}`, showlegend: false,
        x: bad.map((p) => p.x), y: bad.map(() => mark), customdata: bad.map((p) => [p.n, p.diverged]),
        marker: { symbol: "x-thin", size: s.start * 1.25, color, line: { width: s.line * 1.1, color } },
        hovertemplate: `${name}<br>x = %{x:.3g}<br>${opts.texts?.diverged ?? "diverged"} %{customdata[1]} / %{customdata[0]}<extra></extra>` });
    }
  });
  return { data, layout: { ...layout,
    xaxis: axis(opts.xLabel ?? "", { type: opts.logx ? "log" : "linear", fixedrange: true }),
    yaxis: axis(opts.yLabel ?? "", { type: logy ? "log" : "linear", range, autorange: false, fixedrange: true }),
    hovermode: "closest", showlegend: series.length > 1 || !!opts.series?.[0]?.name,
    annotations: opts.note ? [{ text: opts.note, xref: "paper", yref: "paper", x: 0.5, y: 0.5, showarrow: false,
      font: { size: s.small + 2, color: c.muted } }] : [] } };
}

/**
 * The heat map of two numeric axes: the median per cell (log colour when `logy`), a ✕ where
 * it is ±inf (diverged). grid: heatGrid(). opts: {xLabel, yLabel, zLabel, logy, higherBetter,
 * valueName (the words for a categorical value, e.g. an optimizer's name)}.
 */
export function heatFigure(grid, opts) {
  const { c, s, axis, layout } = baseLayout(opts);
  const name = (v) => (typeof v === "number" ? fmt(v, 3) : opts.valueName ? opts.valueName(v) : String(v));
  const xl = grid.xs.map(name);
  const yl = grid.ys.map(name);
  const log = !!opts.logy && grid.z.every((row) => row.every((v) => v === null || v > 0));
  const z = grid.z.map((row) => row.map((v) => (v === null ? null : log ? Math.log10(v) : v)));
  const raw = grid.z.map((row) => row.map((v) => (v === null ? "" : fmt(v, 4))));
  const data = [{ type: "heatmap", x: xl, y: yl, z, text: raw, colorscale: "Viridis", reversescale: !opts.higherBetter,
    hoverongaps: false, xgap: 1, ygap: 1,
    hovertemplate: `${opts.xLabel} %{x}<br>${opts.yLabel} %{y}<br>${opts.zLabel} %{text}<extra></extra>`,
    colorbar: { title: { text: log ? `log\u2081\u2080 ${opts.zLabel}` : opts.zLabel, side: "right", font: { size: s.small } },
      tickfont: { size: s.small, color: c.text }, thickness: opts.projector ? 22 : 14, outlinewidth: 0 } }];
  const wx = [];
  const wy = [];
  grid.worst.forEach((row, j) => row.forEach((w, i) => { if (w) { wx.push(xl[i]); wy.push(yl[j]); } }));
  if (wx.length) {
    // diverged cells: grey under their ✕ (no colour: they have no finite loss)
    data.push({ type: "heatmap", x: xl, y: yl, z: grid.worst.map((row) => row.map((w) => (w ? 1 : null))), showscale: false,
      colorscale: [[0, c.zero], [1, c.zero]], hoverinfo: "skip", xgap: 1, ygap: 1 });
    data.push({ type: "scatter", mode: "text", x: wx, y: wy, text: wx.map(() => "\u2715"), hoverinfo: "skip", showlegend: false,
      textfont: { size: s.font + 4, color: c.text } });
  }
  return { data, layout: { ...layout, showlegend: false,
    xaxis: axis(opts.xLabel ?? "", { type: "category", fixedrange: true }),
    yaxis: axis(opts.yLabel ?? "", { type: "category", fixedrange: true }) } };
}

/**
 * The LR range test: the raw minibatch loss (faint) and its smoothed curve against the rate
 * (log x), the suggested rate as a vertical line. doc: POST /api/lr-finder's answer.
 * opts: {color, texts: {raw, smoothed, suggested, rate, loss}}.
 */
export function lrFinderFigure(doc, opts) {
  const { c, s, axis, layout } = baseLayout(opts);
  const color = opts.color ?? "#0072B2";
  const T = opts.texts ?? {};
  const lrs = doc?.lrs ?? [];
  const raw = (doc?.losses ?? []).map((v) => (typeof v === "number" && Number.isFinite(v) ? v : null));
  const sm = (doc?.smoothed ?? []).map((v) => (typeof v === "number" && Number.isFinite(v) ? v : null));
  const data = [
    { type: "scatter", mode: "lines", name: T.raw ?? "raw", x: lrs, y: raw, line: { color: withAlpha(color, 0.5), width: s.line * 0.6 },
      hovertemplate: "%{x:.3g}: %{y:.4g}<extra></extra>" },
    { type: "scatter", mode: "lines", name: T.smoothed ?? "smoothed", x: lrs, y: sm, line: { color, width: s.line * 1.1 },
      hovertemplate: "%{x:.3g}: %{y:.4g}<extra></extra>" },
  ];
  // y: from the lowest loss to a little above where the smoothed loss starts, so the fall
  // before the blow-up fills the chart (the blow-up leaves through the top, as in fastai's plot)
  const ext = finiteExtent([...sm, ...raw]);
  let range = null;
  if (ext) {
    let iMin = -1;
    sm.forEach((v, i) => { if (v !== null && (iMin < 0 || v < sm[iMin])) iMin = i; });
    const before = finiteExtent(iMin >= 0 ? sm.slice(0, iMin + 1) : raw);
    const peak = before ? before[1] : ext[1];
    const top = Math.min(ext[1], Math.max(peak * 1.25, ext[0] + 1e-6));
    const pad = Math.max((top - ext[0]) * 0.06, 1e-6);
    range = [ext[0] - pad, top + pad];
  }
  const shapes = [];
  const annotations = [];
  const lr = doc?.suggested_lr;
  if (typeof lr === "number" && Number.isFinite(lr) && lr > 0) {
    shapes.push({ type: "line", xref: "x", yref: "paper", x0: lr, x1: lr, y0: 0, y1: 1, line: { color: c.text, width: s.line * 0.8, dash: "dash" } });
    annotations.push({ xref: "x", yref: "paper", x: Math.log10(lr), y: 1, yanchor: "top", xanchor: "left", showarrow: false,
      text: `${T.suggested ?? "suggested"} ${fmt(lr, 2)}`, font: { size: s.small + 1, color: c.text },
      bgcolor: withAlpha(c.paper.length === 7 ? c.paper : "#ffffff", 0.85) });
    let i = 0;
    for (let k = 0; k < lrs.length; k++) if (Math.abs(Math.log(lrs[k] / lr)) < Math.abs(Math.log(lrs[i] / lr))) i = k;
    if (lrs.length && sm[i] !== null) {
      data.push({ type: "scatter", mode: "markers", name: T.suggested ?? "suggested", x: [lr], y: [sm[i]], showlegend: false,
        marker: { color, size: s.start * 1.1, symbol: "circle", line: { color: c.text, width: 2 } },
        hovertemplate: `${T.suggested ?? "suggested"} %{x:.3g}<extra></extra>` });
    }
  }
  if (!lrs.length && T.empty) {
    annotations.push({ text: T.empty, xref: "paper", yref: "paper", x: 0.5, y: 0.5, showarrow: false, font: { size: s.small + 2, color: c.muted } });
  }
  return { data, layout: { ...layout, shapes, annotations, hovermode: "closest",
    xaxis: axis(T.rate ?? "learning rate", { type: "log", fixedrange: true }),
    yaxis: axis(T.loss ?? "loss", { fixedrange: true, ...(range ? { range, autorange: false } : { autorange: true }) }) } };
}
