// Plotly figures of the decision-boundary small multiples: the dataset alone, and per
// optimizer p(class 1) (binary), the class map shaded by confidence (multiclass), the
// prediction surface (2-feature regression) or the fitted curve (1-feature regression).
// Train points are filled, validation points hollow. Pure: no DOM and no Plotly.

import { PLOT_FONT, themeColors } from "../colors.js";
import { t } from "../i18n.js";
import { sizes } from "../surface_fig.js";
import {
  classColor, classColorscale, classShade, probColorscale, VALUE_COLORSCALE,
} from "./colormaps.js";

const col = (X, k) => X.map((p) => p[k]);

function extent(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** The plotted ranges: the grid's when there is one, else the points' with 10% margin. */
export function panelRanges(meta) {
  const g = meta.grid;
  const P = meta.points;
  const ys = P ? [...P.y_train, ...P.y_val] : [];
  if (meta.feature_names?.length === 1 || (P && P.X_train[0]?.length === 1)) {
    const [lo, hi] = extent(ys);
    const pad = 0.15 * (hi - lo || 1);
    const xr = g ? [g.x[0], g.x[g.x.length - 1]] : extent(P ? col([...P.X_train, ...P.X_val], 0) : []);
    return { x: xr, y: [lo - pad, hi + pad], oneD: true };
  }
  if (g?.y) return { x: [g.x[0], g.x[g.x.length - 1]], y: [g.y[0], g.y[g.y.length - 1]], oneD: false };
  const X = P ? [...P.X_train, ...P.X_val] : [[0, 0]];
  const pad = (r) => [r[0] - 0.1 * (r[1] - r[0] || 1), r[1] + 0.1 * (r[1] - r[0] || 1)];
  return { x: pad(extent(col(X, 0))), y: pad(extent(col(X, 1))), oneD: false };
}

/** Point traces (cached per meta, theme and projector: the same arrays every frame). */
const pointCache = new WeakMap();

export function pointTraces(meta, opts) {
  const key = `${opts.theme}|${opts.projector}|${opts.scale}|${opts.lang ?? ""}`;
  const hit = pointCache.get(meta);
  if (hit?.key === key) return hit.traces;
  const traces = buildPoints(meta, opts);
  pointCache.set(meta, { key, traces });
  return traces;
}

function buildPoints(meta, { theme, projector, scale = 1 }) {
  const P = meta.points;
  if (!P) return [];
  const c = themeColors(theme, projector);
  const size = (projector ? 8 : 6.5) * (projector ? scale : 1);
  const outline = theme === "dark" ? "rgba(255,255,255,0.85)" : "rgba(20,24,30,0.75)";
  const sets = [[P.X_train, P.y_train, "train"], [P.X_val, P.y_val, "val"]];
  if (meta.task === "regression") {
    const oneD = P.X_train[0]?.length === 1;
    const [lo, hi] = extent([...P.y_train, ...P.y_val]);
    return sets.map(([X, y, which]) => ({
      type: "scatter", mode: "markers", x: col(X, 0), y: oneD ? y : col(X, 1), name: t(`mlp.${which}`),
      marker: oneD
        ? { size, color: which === "train" ? c.muted : "rgba(0,0,0,0)", symbol: which === "train" ? "circle" : "circle-open",
          line: { width: which === "train" ? 0 : 1.6, color: c.text } }
        : { size, color: y, cmin: lo, cmax: hi, colorscale: VALUE_COLORSCALE,
          symbol: which === "train" ? "circle" : "circle-open", line: { width: which === "train" ? 0.8 : 2, color: outline } },
      hovertemplate: `${t(`mlp.${which}`)}: y = %{${oneD ? "y" : "marker.color"}:.3f}<extra></extra>`,
      showlegend: false, meta: `points-${which}`,
    }));
  }
  const K = Math.max(2, meta.n_classes ?? 2);
  const traces = [];
  for (const [X, y, which] of sets) {
    for (let k = 0; k < K; k++) {
      const idx = [];
      y.forEach((v, i) => { if (v === k) idx.push(i); });
      if (!idx.length) continue;
      const filled = which === "train";
      traces.push({
        type: "scatter", mode: "markers", x: idx.map((i) => X[i][0]), y: idx.map((i) => X[i][1]),
        name: `${t("mlp.class", { c: meta.class_names?.[k] ?? k })} \u00b7 ${t(`mlp.${which}`)}`,
        marker: filled
          ? { size, color: classColor(k), line: { width: 1, color: outline } }
          : { size: size + 0.5, symbol: "circle-open", color: classColor(k), line: { width: projector ? 2.6 : 2 } },
        hovertemplate: `%{fullData.name}<extra></extra>`, showlegend: false, meta: `points-${which}`,
      });
    }
  }
  return traces;
}

/** The traces a lane's grid adds under the points. */
export function gridTraces(meta, g, { theme, projector, scale = 1 }) {
  if (!g || !meta.grid) return [];
  const c = themeColors(theme, projector);
  const s = sizes(projector, scale);
  const { x, y } = meta.grid;
  const hover = `x\u2081 %{x:.2f}, x\u2082 %{y:.2f}`;
  if (g.kind === "probability") {
    return [
      { type: "heatmap", x, y, z: g.values, zmin: 0, zmax: 1, colorscale: probColorscale(theme), zsmooth: "best",
        showscale: false, hovertemplate: `${hover}<br>p = %{z:.2f}<extra></extra>`, meta: "grid" },
      { type: "contour", x, y, z: g.values, showscale: false, hoverinfo: "skip", meta: "boundary",
        contours: { start: 0.5, end: 0.5, size: 1, coloring: "none" }, line: { color: c.text, width: s.line * 0.75 } },
    ];
  }
  if (g.kind === "class") {
    const K = Math.max(2, meta.n_classes);
    const { colorscale, zmin, zmax } = classColorscale(K, theme);
    return [{ type: "heatmap", x, y, z: classShade(g.values, g.confidence, K), zmin, zmax, colorscale,
      zsmooth: false, showscale: false, customdata: g.confidence,
      hovertemplate: `${hover}<br>${t("mlp.confidenceShort")} %{customdata:.2f}<extra></extra>`, meta: "grid" }];
  }
  if (!y) { // a 1-feature regression: the lane's fitted curve
    return [{ type: "scatter", mode: "lines", x, y: g.values, line: { color: g.color ?? c.text, width: s.line },
      hovertemplate: `x %{x:.2f} \u2192 %{y:.3f}<extra></extra>`, showlegend: false, meta: "grid" }];
  }
  const P = meta.points;
  const [lo, hi] = extent(P ? [...P.y_train, ...P.y_val] : g.values.flat());
  return [{ type: "heatmap", x, y, z: g.values, zmin: lo, zmax: hi, colorscale: VALUE_COLORSCALE, zsmooth: "best",
    showscale: false, opacity: 0.9, hovertemplate: `${hover}<br>\u0177 = %{z:.3f}<extra></extra>`, meta: "grid" }];
}

/** The axis titles of a boundary over two picked features of wider data (else none). */
export function pickedAxes(meta) {
  const f = meta.grid?.features;
  const names = meta.feature_names ?? [];
  if (!f || names.length <= 2) return [null, null];
  return [names[f[0]] ?? null, names[f[1]] ?? null];
}

/**
 * One panel: the dataset alone (`g` null) or a lane's boundary. `title` may hold Plotly's
 * <span style> markup; `color` is the lane colour of a 1-D regression curve. With
 * {live: true} the figure has only the axes and the points, on a transparent background and
 * without a title: the live view paints the grid on a canvas underneath (ui/mlp/heatcanvas.js)
 * and writes the title in HTML, so an epoch change costs no Plotly redraw.
 */
export function boundaryFigure(meta, g, title, opts, color = null, { live = false } = {}) {
  const c = themeColors(opts.theme, opts.projector);
  const s = sizes(opts.projector, opts.scale);
  const r = panelRanges(meta);
  const lane = live ? [] : gridTraces(meta, g ? { ...g, color } : null, opts);
  const points = pointTraces(meta, opts);
  const axis = (range, label) => ({ range, autorange: false, fixedrange: true, showgrid: false, zeroline: false,
    ticks: "outside", ticklen: 3, tickfont: { size: s.small - 1, color: c.muted }, linecolor: c.zero, mirror: true,
    title: label ? { text: label, font: { size: s.small - 1, color: c.muted }, standoff: 2 } : undefined });
  const names = meta.feature_names ?? ["x1", "x2"];
  const [fx, fy] = pickedAxes(meta);
  const clear = "rgba(0,0,0,0)";
  return {
    data: r.oneD ? [...points, ...lane] : [...lane, ...points],
    layout: {
      paper_bgcolor: live ? clear : c.paper, plot_bgcolor: live ? clear : r.oneD || !g ? c.plot : c.paper,
      font: { family: PLOT_FONT, size: s.small, color: c.text },
      margin: { l: fy ? 46 : 34, r: 8, t: live ? 4 : opts.projector ? 42 : 30, b: fx ? 40 : 28 }, showlegend: false, dragmode: false,
      hovermode: "closest", hoverlabel: { font: { size: s.small } },
      ...(live ? {} : { title: { text: title, font: { size: s.font, color: c.text }, x: 0.02, xanchor: "left", y: 0.985, yanchor: "top" } }),
      xaxis: axis(r.x, r.oneD ? names[0] : fx),
      yaxis: axis(r.y, fy),
    },
  };
}

/**
 * Columns and panel size for n panels in a w × h box: each panel's plot area has the data's
 * aspect (height / width) and `extra` pixels around it (title, axes). The largest wins.
 */
export function bestColumns(n, w, hgt, aspect = 1, extra = { x: 42, y: 58 }, gap = 8) {
  let best = { cols: 1, width: 0, height: 0 };
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const fitH = (hgt - gap * (rows - 1)) / rows;
    const width = Math.min((w - gap * (cols - 1)) / cols, (fitH - extra.y) / aspect + extra.x);
    if (width > best.width) best = { cols, width: Math.floor(width), height: Math.floor((width - extra.x) * aspect + extra.y) };
  }
  return best;
}

/** The plot area's height / width for the data (equal units on both axes, within limits). */
export function dataAspect(meta) {
  const r = panelRanges(meta);
  if (r.oneD) return 0.7;
  return Math.min(1.4, Math.max(0.6, (r.y[1] - r.y[0]) / (r.x[1] - r.x[0] || 1)));
}

/**
 * Every panel in one figure, as small multiples for export: `panels` = [{g, title, color}]
 * (g null: the dataset alone), in rows of at most 3 (2 × 2 for four), each plot area with
 * the data's aspect as on screen. Returns {data, layout} with layout.width and layout.height
 * set: export it at exactly that size (any other size would stretch the panels).
 */
export function smallMultiplesFigure(meta, panels, opts) {
  const n = panels.length;
  const cols = n <= 3 ? n : n === 4 ? 2 : 3;
  const rows = Math.ceil(n / cols);
  const aspect = dataAspect(meta);
  const m = { l: 44, r: 12, t: opts.projector ? 40 : 32, b: 34 };
  const size = (pw) => ({ pw, ph: Math.round(pw * aspect), W: cols * (pw + m.l + m.r), H: rows * (Math.round(pw * aspect) + m.t + m.b) });
  const s = size(n <= 2 ? 420 : 360);
  const c = themeColors(opts.theme, opts.projector);
  const z = sizes(opts.projector, opts.scale);
  const r = panelRanges(meta);
  const names = meta.feature_names ?? ["x1", "x2"];
  const data = [];
  const layout = {
    width: s.W, height: s.H, paper_bgcolor: c.paper, plot_bgcolor: c.paper, font: { size: z.small, color: c.text },
    margin: { l: 0, r: 0, t: 0, b: 0 }, showlegend: false, dragmode: false, annotations: [], shapes: [],
  };
  panels.forEach((p, i) => {
    const row = Math.floor(i / cols);
    const col = i % cols;
    const k = i === 0 ? "" : String(i + 1);
    const left = col * (s.pw + m.l + m.r) + m.l;
    const top = row * (s.ph + m.t + m.b) + m.t;
    const x = [left / s.W, (left + s.pw) / s.W];
    const y = [1 - (top + s.ph) / s.H, 1 - top / s.H];
    const axis = (range, domain, anchor, label) => ({ range, domain, anchor, autorange: false, fixedrange: true, showgrid: false,
      zeroline: false, ticks: "outside", ticklen: 3, tickfont: { size: z.small - 1, color: c.muted }, linecolor: c.zero, mirror: true,
      title: label ? { text: label, font: { size: z.small - 1, color: c.muted }, standoff: 2 } : undefined });
    layout[`xaxis${k}`] = axis(r.x, x, `y${k}`, r.oneD ? names[0] : null);
    layout[`yaxis${k}`] = axis(r.y, y, `x${k}`, null);
    if (r.oneD || !p.g) { // the plot colour behind the dataset panel and behind curves, as on screen
      layout.shapes.push({ type: "rect", xref: "paper", yref: "paper", x0: x[0], x1: x[1], y0: y[0], y1: y[1],
        fillcolor: c.plot, line: { width: 0 }, layer: "below" });
    }
    const lane = gridTraces(meta, p.g ? { ...p.g, color: p.color } : null, opts);
    const points = pointTraces(meta, opts);
    for (const tr of r.oneD ? [...points, ...lane] : [...lane, ...points]) data.push({ ...tr, xaxis: `x${k}`, yaxis: `y${k}` });
    layout.annotations.push({ text: p.title, xref: "paper", yref: "paper", x: x[0], y: y[1], xanchor: "left", yanchor: "bottom",
      yshift: 4, showarrow: false, font: { size: z.font, color: c.text } });
  });
  return { data, layout };
}
