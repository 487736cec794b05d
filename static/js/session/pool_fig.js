// The class's pooled predictions (a session's `guesses` event) as Plotly traces over the
// contour: a semi-transparent heat map per lane in its colour (or one summed map), drawn as
// filled grid cells, and a ◆ at each lane's mean guess. Pure: no DOM and no Plotly;
// SurfaceView draws them.

import { withAlpha } from "../colors.js";
import { t } from "../i18n.js";

/** The centres of `n` equal bins over [a, b]. */
export function binCentres(n, [a, b]) {
  const d = (b - a) / n;
  return Array.from({ length: n }, (_, i) => a + (i + 0.5) * d);
}

/** Whether a pool event can be drawn: a grid with a size and a domain, and lanes. */
export function validPool(pool) {
  const g = pool?.grid;
  return !!g && Number.isInteger(g.n) && g.n > 0 && g.n <= 400 && Array.isArray(g.domain)
    && g.domain.length === 2 && g.domain.every((r) => Array.isArray(r) && r.length === 2 && r.every(Number.isFinite))
    && Array.isArray(pool.lanes);
}

/**
 * The bins [[i, j, c], …] as an n×n matrix z[j][i] (rows are y), empty bins null (drawn
 * transparent). Bins outside the grid or with a count ≤ 0 are skipped.
 */
export function binMatrix(n, bins, into = null) {
  const z = into ?? Array.from({ length: n }, () => new Array(n).fill(null));
  for (const b of bins ?? []) {
    if (!Array.isArray(b) || b.length < 3) continue;
    const [i, j, c] = b;
    if (!Number.isInteger(i) || !Number.isInteger(j) || i < 0 || j < 0 || i >= n || j >= n) continue;
    if (!Number.isFinite(c) || c <= 0) continue;
    z[j][i] = (z[j][i] ?? 0) + c;
  }
  return z;
}

/** The non-empty cells of a matrix as [i, j, c]. */
function cellsOf(z) {
  const out = [];
  z.forEach((row, j) => row.forEach((c, i) => { if (c !== null) out.push([i, j, c]); }));
  return out;
}

/** How many shades a heat map has: a cell's shade is ceil(LEVELS · count / peak). */
export const LEVELS = 5;

/** A shade's opacity: faint for one guess, strong at the peak. */
export const levelAlpha = (level) => 0.22 + (0.68 * (level - 1)) / (LEVELS - 1);

/**
 * One lane's cells [[i, j, c], …] as filled squares, one scatter trace per shade (Plotly
 * draws heatmap traces under every contour, so the squares are scatter fills, drawn in
 * trace order: above the surface, under the race). Each square is a closed path; paths are
 * separated by null, so that `fill: "toself"` fills each one.
 */
export function heatSquares(cells, grid, color, name, key = 0) {
  const { n, domain } = grid;
  const dx = (domain[0][1] - domain[0][0]) / n;
  const dy = (domain[1][1] - domain[1][0]) / n;
  const peak = cells.reduce((m, c) => Math.max(m, c[2]), 0);
  const byLevel = new Map();
  for (const [i, j, c] of cells) {
    const level = Math.min(LEVELS, Math.max(1, Math.ceil((LEVELS * c) / peak)));
    if (!byLevel.has(level)) byLevel.set(level, { x: [], y: [], counts: [] });
    const g = byLevel.get(level);
    const x0 = domain[0][0] + i * dx;
    const y0 = domain[1][0] + j * dy;
    g.x.push(x0, x0 + dx, x0 + dx, x0, x0, null);
    g.y.push(y0, y0, y0 + dy, y0 + dy, y0, null);
    g.counts.push(c);
  }
  return [...byLevel.entries()].sort((a, b) => a[0] - b[0]).map(([level, g]) => ({
    type: "scatter", mode: "lines", x: g.x, y: g.y, fill: "toself", connectgaps: false,
    fillcolor: withAlpha(color, levelAlpha(level)), line: { width: 0, color: withAlpha(color, 0) },
    hoveron: "fills", hoverinfo: "text", showlegend: false,
    text: `${name}: ${Math.min(...g.counts)}–${Math.max(...g.counts)} ${t("class.poolCount")}`,
    name, meta: "pool", uid: `pool-${key}-${level}`, // uid: a CSS class name part
  }));
}

const SUM_COLOR = "#CC79A7";

/**
 * The traces for pool (a `guesses` event) and lanes [{color, label}] in the engine's lane
 * order. opts: {mode: "lanes" | "sum", projector, scale}. Empty when nothing is guessed
 * yet. The squares first (under the race), the means last.
 */
export function poolTraces(pool, lanes, opts = {}) {
  if (!validPool(pool)) return [];
  const { n } = pool.grid;
  const heat = [];
  if (opts.mode === "sum") {
    const z = Array.from({ length: n }, () => new Array(n).fill(null));
    for (const l of pool.lanes) binMatrix(n, l?.bins, z);
    heat.push(...heatSquares(cellsOf(z), pool.grid, SUM_COLOR, t("class.poolAll"), "all"));
  } else {
    pool.lanes.forEach((l, i) => {
      const lane = lanes[i] ?? {};
      heat.push(...heatSquares(cellsOf(binMatrix(n, l?.bins)), pool.grid, lane.color ?? SUM_COLOR, lane.label ?? `${i + 1}`, i));
    });
  }
  const means = meanTrace(pool, lanes, opts);
  return means ? [...heat, means] : heat;
}

/** Each lane's mean guess as a ◆ in its colour (null when no lane has one). */
export function meanTrace(pool, lanes, { projector = false, scale = 1 } = {}) {
  const pts = [];
  (pool?.lanes ?? []).forEach((l, i) => {
    const m = l?.mean;
    if (Array.isArray(m) && m.length === 2 && m.every(Number.isFinite)) {
      pts.push({ xy: m, color: lanes[i]?.color ?? "#CC79A7", label: lanes[i]?.label ?? `${i + 1}`, count: l.count ?? 0 });
    }
  });
  if (!pts.length) return null;
  const size = Math.round((projector ? 20 : 14) * scale);
  return {
    type: "scatter", mode: "markers", name: t("class.poolMean"), showlegend: false,
    x: pts.map((p) => p.xy[0]), y: pts.map((p) => p.xy[1]), text: pts.map((p) => p.label),
    customdata: pts.map((p) => p.count),
    marker: { symbol: "diamond", size, color: pts.map((p) => p.color), line: { width: projector ? 3 : 2, color: "#ffffff" } },
    hovertemplate: `${t("class.poolMean")}: %{text}<br>(%{x:.2f}, %{y:.2f})<br>n = %{customdata}<extra></extra>`,
    meta: "pool-mean",
  };
}

/** The total count of guesses a pool holds (every lane's bins). */
export function poolTotal(pool) {
  if (!validPool(pool)) return 0;
  let s = 0;
  for (const l of pool.lanes) for (const b of l?.bins ?? []) if (Number.isFinite(b?.[2]) && b[2] > 0) s += b[2];
  return s;
}
