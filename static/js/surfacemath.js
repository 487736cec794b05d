// Numbers behind the pictures: the log colour transform, colour-bar ticks, chart series
// transforms, arrow geometry. Pure: no DOM.

import { fmt } from "./format.js";

/**
 * The colour transform of a surface grid. Linear surfaces keep z; log-scale ones use
 * z' = log10(z − zmin + ε), ε = 1e-9 · (zmax − zmin), so minima stay visible.
 */
export function zTransform(zmin, zmax, log) {
  const range = Number.isFinite(zmax - zmin) && zmax > zmin ? zmax - zmin : 1;
  const eps = 1e-9 * range;
  if (!log) return { log: false, zmin, eps, range, f: (z) => z, inv: (t) => t };
  return {
    log: true, zmin, eps, range,
    f: (z) => (z === null || !Number.isFinite(z) ? null : Math.log10(Math.max(z - zmin, 0) + eps)),
    inv: (t) => zmin + 10 ** t - eps,
  };
}

/** The transformed grid (rows of numbers or null), its min and max. */
export function transformGrid(z, tr) {
  let lo = Infinity;
  let hi = -Infinity;
  const out = z.map((row) => row.map((v) => {
    const t = v === null ? null : tr.f(v);
    if (t !== null && Number.isFinite(t)) {
      if (t < lo) lo = t;
      if (t > hi) hi = t;
      return t;
    }
    return null;
  }));
  return { z: out, min: lo, max: hi };
}

/** Colour-bar ticks of a log-transformed surface: decades, labelled in original units. */
export function logTicks(tr, tmin, tmax, maxTicks = 6) {
  if (!tr.log || !Number.isFinite(tmin) || !Number.isFinite(tmax)) return null;
  const lo = Math.ceil(tmin);
  const hi = Math.floor(tmax);
  if (hi < lo) return null;
  const stride = Math.max(1, Math.ceil((hi - lo + 1) / maxTicks));
  const tickvals = [];
  for (let t = hi; t >= lo; t -= stride) tickvals.unshift(t);
  // a minimum of ~0 labels the decades themselves (1e-4, 0.01, 1, …), not 0.0011
  const nearZero = Math.abs(tr.zmin) <= 1e-3 * tr.range;
  return { tickvals, ticktext: tickvals.map((t) => fmt(nearZero ? 10 ** t : tr.inv(t), 2)) };
}

/**
 * The loss series as drawn: raw values, or (log axis) the gap above the best known minimum
 * when some values are ≤ 0, floored at 1e-16 so exact zeros still show.
 */
export function lossView(surfaceInfo, minObserved, logy) {
  if (!logy) return { mode: "raw", offset: 0 };
  if (Number.isFinite(minObserved) && minObserved > 0) return { mode: "log", offset: 0 };
  const mins = (surfaceInfo?.critical_points ?? []).filter((c) => c.kind === "min")
    .map((c) => c.value).filter(Number.isFinite);
  // no known minimum (a surface unbounded below): a log axis would have no floor; stay linear
  if (!mins.length) return { mode: "raw", offset: 0 };
  const best = Math.min(...mins, Number.isFinite(minObserved) ? minObserved : Infinity);
  return { mode: "gap", offset: best };
}

export const LOG_FLOOR = 1e-16;

/** Apply a view to one series (a new Float64Array; NaN stays NaN). */
export function viewSeries(values, view) {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) out[i] = NaN;
    else if (view.mode === "raw") out[i] = v;
    else out[i] = Math.max(v - view.offset, LOG_FLOOR);
  }
  return out;
}

/** A positive series on a log axis: values ≤ 0 floored (log of 0 is not drawable). */
export function floorSeries(values, floor = LOG_FLOOR) {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = Number.isFinite(v) ? Math.max(v, floor) : NaN;
  }
  return out;
}

/** Smallest finite value over several series. */
export function minOf(seriesList) {
  let m = Infinity;
  for (const s of seriesList) for (const v of s) if (Number.isFinite(v) && v < m) m = v;
  return m;
}

/** An arrow from (x0, y0) to (x1, y1) in pixels: the shaft and the two head points. */
export function arrowGeometry(x0, y0, x1, y1, head = 10) {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len = Math.hypot(dx, dy);
  if (!(len > 0.5)) return null;
  const ux = dx / len;
  const uy = dy / len;
  const h = Math.min(head, len * 0.6);
  const w = h * 0.55;
  return {
    shaft: [[x0, y0], [x1 - ux * h * 0.6, y1 - uy * h * 0.6]],
    head: [[x1, y1], [x1 - ux * h - uy * w, y1 - uy * h + ux * w],
      [x1 - ux * h + uy * w, y1 - uy * h - ux * w]],
  };
}

/** A direction vector scaled to `pixels` on screen (its sign flipped if `negate`). */
export function screenDirection(v, pixels, negate = false, minNorm = 1e-9) {
  if (!v) return null;
  const n = Math.hypot(v[0], v[1]);
  if (!(n > minNorm) || !Number.isFinite(n)) return null; // a direction of ~0 means nothing
  const s = (negate ? -1 : 1) * pixels / n;
  return [v[0] * s, v[1] * s];
}

/** A point clamped into a domain [[x0, x1], [y0, y1]] (where a diverged lane is marked). */
export function clampToDomain(xy, domain) {
  if (!xy || !domain) return xy;
  const c = (v, [a, b]) => (Number.isFinite(v) ? Math.min(b, Math.max(a, v)) : (a + b) / 2);
  return [c(xy[0], domain[0]), c(xy[1], domain[1])];
}

/** Whether a point lies inside a domain. */
export function inDomain(xy, domain) {
  return !!xy && !!domain && xy[0] >= domain[0][0] && xy[0] <= domain[0][1]
    && xy[1] >= domain[1][0] && xy[1] <= domain[1][1];
}

/**
 * The y range of a linear chart that a diverging lane cannot squash: within `factor` × the
 * largest starting magnitude around the starting values (a lane beyond that has blown up;
 * it leaves the chart). Returns null when autorange is fine.
 */
export function robustRange(seriesList, factor = 10) {
  let lo = Infinity;
  let hi = -Infinity;
  let first = [];
  for (const s of seriesList) {
    const f = s.find((v) => Number.isFinite(v));
    if (f !== undefined) first.push(f);
    for (const v of s) {
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  first = first.filter(Number.isFinite);
  if (!Number.isFinite(lo) || !first.length) return null;
  const scale = Math.max(...first.map(Math.abs));
  if (!(scale > 0)) return null;
  const capHi = Math.max(...first) + factor * scale;
  const capLo = Math.min(...first) - factor * scale;
  if (hi <= capHi && lo >= capLo) return null;
  const a = Math.max(lo, capLo);
  const b = Math.min(hi, capHi);
  const pad = 0.04 * (b - a || 1);
  return [a - pad, b + pad];
}

/**
 * How much of a lane's path the surface draws. A lane that diverged is drawn up to where it
 * first leaves the view (the domain), ending on its edge, so a blown-up lane neither paints
 * stripes across the plot nor draws lines to far-off points; others are drawn whole.
 * Returns {n: rows drawn from the start, exit: [x, y] on the edge or null}.
 */
export function shownPath(xs, ys, count, domain, cut) {
  if (!cut || !domain) return { n: count, exit: null };
  const [[x0, x1], [y0, y1]] = domain;
  const inside = (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
  for (let k = 0; k < count; k++) {
    const x = xs[k];
    const y = ys[k];
    if (Number.isFinite(x) && Number.isFinite(y) && inside(x, y)) continue;
    if (k === 0) return { n: 0, exit: null };
    if (!Number.isFinite(x) || !Number.isFinite(y)) return { n: k, exit: null };
    return { n: k, exit: edgePoint([xs[k - 1], ys[k - 1]], [x, y], domain) };
  }
  return { n: count, exit: null };
}

/** Where the segment from p (inside the domain) to q (outside) crosses the domain's edge. */
export function edgePoint(p, q, domain) {
  const [[x0, x1], [y0, y1]] = domain;
  let t = 1;
  const dx = q[0] - p[0];
  const dy = q[1] - p[1];
  if (dx > 0 && q[0] > x1) t = Math.min(t, (x1 - p[0]) / dx);
  if (dx < 0 && q[0] < x0) t = Math.min(t, (x0 - p[0]) / dx);
  if (dy > 0 && q[1] > y1) t = Math.min(t, (y1 - p[1]) / dy);
  if (dy < 0 && q[1] < y0) t = Math.min(t, (y0 - p[1]) / dy);
  t = Math.max(0, t);
  return [p[0] + t * dx, p[1] + t * dy];
}

/**
 * Label placement for "diverged at step k" marks [{at: [x, y]}, …] in a domain: the label
 * leans inwards near an edge ({h: "left"|"center"|"right", v: "below"|"above"}) and marks
 * close to each other stack their labels (`slot` 0, 1, …) instead of printing on top.
 */
export function placeMarks(marks, domain) {
  const [[x0, x1], [y0, y1]] = domain ?? [[-1, 1], [-1, 1]];
  const w = x1 - x0 || 1;
  const hgt = y1 - y0 || 1;
  const placed = [];
  return marks.map((m) => {
    const u = (m.at[0] - x0) / w;
    const v = (m.at[1] - y0) / hgt;
    const h = u < 0.2 ? "right" : u > 0.8 ? "left" : "center";
    const vert = v < 0.15 ? "above" : "below";
    const near = placed.filter((p) => Math.abs(p.u - u) < 0.25 && Math.abs(p.nv - v) < 0.12 && p.v === vert);
    const slot = near.length ? Math.max(...near.map((p) => p.slot)) + 1 : 0;
    placed.push({ u, nv: v, v: vert, slot });
    return { ...m, h, v: vert, slot };
  });
}

/** A grid's value at (x, y) by bilinear interpolation (z[row j = y][column i = x]); null outside. */
export function gridValueAt(grid, x, y) {
  const { x: xs, y: ys, z } = grid ?? {};
  if (!xs?.length || !ys?.length || !Number.isFinite(x) || !Number.isFinite(y)) return null;
  const cell = (v, a) => {
    if (v < a[0] || v > a[a.length - 1]) return null;
    let k = Math.min(a.length - 2, Math.max(0, Math.floor(((v - a[0]) / (a[a.length - 1] - a[0])) * (a.length - 1))));
    while (k > 0 && a[k] > v) k--;
    while (k < a.length - 2 && a[k + 1] < v) k++;
    return [k, (v - a[k]) / (a[k + 1] - a[k] || 1)];
  };
  const cx = cell(x, xs);
  const cy = cell(y, ys);
  if (!cx || !cy) return null;
  const [i, u] = cx;
  const [j, w] = cy;
  const q = [z[j]?.[i], z[j]?.[i + 1], z[j + 1]?.[i], z[j + 1]?.[i + 1]];
  if (!q.every((v) => typeof v === "number" && Number.isFinite(v))) return null;
  return (1 - w) * ((1 - u) * q[0] + u * q[1]) + w * ((1 - u) * q[2] + u * q[3]);
}
