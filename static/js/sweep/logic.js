// Sweeps (POST /api/sweeps): the axes the form builds, the request body, and the cells
// grouped into what the charts draw (medians and quartiles over the other axes, a diverged
// cell counting as the worst value). Pure: no DOM, no Plotly.

/** The path of lane 1's learning rate, its optimizer's name, the seed and the noise level. */
export const LR_PATH = "optimizers.0.params.lr";
export const OPT_PATH = "optimizers.0.name";
export const SEED_PATH = "seed";
export const SIGMA_PATH = "noise.sigma";

/** Most cells the form lets you ask for (the server has its own limit and says so). */
export const MAX_CELLS = 2000;

/** n numbers from lo to hi evenly spaced in log (lo, hi > 0); n = 1: [lo]. */
export function logRange(lo, hi, n) {
  const k = Math.max(1, Math.floor(n));
  if (k === 1) return [lo];
  const a = Math.log10(lo);
  const b = Math.log10(hi);
  return Array.from({ length: k }, (_, i) => (i === k - 1 ? hi : i === 0 ? lo : 10 ** (a + ((b - a) * i) / (k - 1))));
}

/** n numbers from lo to hi evenly spaced; n = 1: [lo]. */
export function linRange(lo, hi, n) {
  const k = Math.max(1, Math.floor(n));
  if (k === 1) return [lo];
  return Array.from({ length: k }, (_, i) => (i === k - 1 ? hi : lo + ((hi - lo) * i) / (k - 1)));
}

/** An axis' values: a list, {log_range: [lo, hi, n]} or {range: [lo, hi, n]}. */
export function expandAxis(spec) {
  if (Array.isArray(spec)) return spec.slice();
  if (spec && Array.isArray(spec.log_range)) return logRange(...spec.log_range);
  if (spec && Array.isArray(spec.range)) return linRange(...spec.range);
  return [];
}

/** Every axis expanded, in order: {path: [values]}. */
export function expandAxes(axes) {
  return Object.fromEntries(Object.entries(axes ?? {}).map(([k, v]) => [k, expandAxis(v)]));
}

/** How many cells the axes make (the product of their lengths). */
export function cellCount(axes) {
  return Object.values(expandAxes(axes)).reduce((a, v) => a * v.length, 1);
}

/** The points of the cartesian product, the last axis fastest (as itertools.product). */
export function cellPoints(axes) {
  const ex = expandAxes(axes);
  const keys = Object.keys(ex);
  let out = [{}];
  for (const k of keys) out = out.flatMap((p) => ex[k].map((v) => ({ ...p, [k]: v })));
  return out;
}

/** "0, 1, 2" or "1e-3, 0.01" → numbers (a bad entry: null in its place). */
export function parseList(text) {
  return String(text ?? "").split(/[\s,;]+/).filter(Boolean).map((s) => {
    const v = Number(s);
    return Number.isFinite(v) ? v : null;
  });
}

/**
 * The form's axes ({lr: {lo, hi, n}, optimizers: [names], seeds: n, extra: {path, values}})
 * as the request's axes, in the order optimizer, extra, lr, seed (the seed fastest). An
 * optimizer list of one name is no axis (the base carries it); seeds 1 is no axis.
 * Returns {axes, errors: [{field, key}]} (keys are message keys).
 */
export function buildAxes(form) {
  const errors = [];
  const axes = {};
  const names = [...new Set(form.optimizers ?? [])];
  if (!names.length) errors.push({ field: "optimizers", key: "sweep.err.optimizers" });
  if (names.length > 1) axes[OPT_PATH] = names;
  const ex = form.extra;
  if (ex && ex.path) {
    const vals = Array.isArray(ex.values) ? ex.values : parseList(ex.values);
    if (!vals.length || vals.some((v) => v === null)) errors.push({ field: "extra", key: "sweep.err.extra" });
    else if (ex.path === LR_PATH || ex.path === OPT_PATH || ex.path === SEED_PATH) errors.push({ field: "extra", key: "sweep.err.extraDup" });
    else axes[ex.path] = vals;
  }
  const { lo, hi, n } = form.lr ?? {};
  if (!(lo > 0 && hi > 0 && hi >= lo)) errors.push({ field: "lr", key: "sweep.err.lr" });
  else if (!(Number.isInteger(n) && n >= 1 && n <= 200)) errors.push({ field: "lrN", key: "sweep.err.lrN" });
  else axes[LR_PATH] = n === 1 ? [lo] : { log_range: [lo, hi, n] };
  const seeds = form.seeds;
  if (!(Number.isInteger(seeds) && seeds >= 1 && seeds <= 100)) errors.push({ field: "seeds", key: "sweep.err.seeds" });
  else if (seeds > 1) axes[SEED_PATH] = Array.from({ length: seeds }, (_, i) => i);
  if (!errors.length && cellCount(axes) > MAX_CELLS) errors.push({ field: "axes", key: "sweep.err.tooMany" });
  return { axes, errors };
}

/**
 * The base run of a sweep from the tab's run request: one optimizer (lane 1, or the first
 * optimizer named) and one start; a race gets the noise `sigma` (so seeds matter). When the
 * optimizer is an axis, lane 1 keeps only its rate (another optimizer may not take its
 * other settings).
 */
export function sweepBase(run, { optimizers = [], sigma = null } = {}) {
  const base = JSON.parse(JSON.stringify(run));
  const lane = base.optimizers?.[0] ?? { name: optimizers[0] ?? "sgd", params: {} };
  const one = { ...lane, params: { ...(lane.params ?? {}) } };
  if (optimizers.length > 1 || (optimizers.length === 1 && optimizers[0] !== one.name)) {
    one.name = optimizers[0];
    one.params = "lr" in one.params ? { lr: one.params.lr } : {};
    one.schedule = null;
  }
  base.optimizers = [one];
  if (base.kind === "surface") {
    base.starts = (base.starts ?? []).slice(0, 1);
    if (sigma !== null && Number.isFinite(sigma)) base.noise = sigma > 0 ? { sigma } : { sigma: 0 };
  }
  return base;
}

/** The body of POST /api/sweeps. */
export function sweepBody({ base, axes, metric = "final_loss", name = null }) {
  const body = { base, axes, metric };
  if (name) body.name = String(name).slice(0, 80);
  return body;
}

// ------------------------------------------------------------------ results

/** Whether a metric is better high (accuracy) rather than low (losses). */
export function higherIsBetter(metric) {
  return metric === "final_val_acc";
}

/**
 * A cell's number for the charts: its metric; a diverged cell (or a finished one without a
 * value) is the worst value, +inf for a loss (−inf for accuracy); pending or failed: null.
 */
export function cellValue(cell, metric = "final_loss") {
  if (!cell || cell.status !== "done") return null;
  const worst = higherIsBetter(metric) ? -Infinity : Infinity;
  if (cell.diverged) return worst;
  const v = cell.value;
  return typeof v === "number" && Number.isFinite(v) ? v : worst;
}

/** The q-quantile of sorted numbers (linear between ranks, as NumPy's default); ±inf allowed. */
export function quantile(sorted, q) {
  const n = sorted.length;
  if (!n) return null;
  const pos = (n - 1) * q;
  const i = Math.floor(pos);
  const f = pos - i;
  const a = sorted[i];
  if (f === 0 || i + 1 >= n) return a;
  const b = sorted[i + 1];
  if (a === b) return a;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return !Number.isFinite(b) ? b : a;
  return a + (b - a) * f;
}

/** Median, quartiles and counts of a set of cell values (null entries skipped). */
export function summarize(values) {
  const vals = values.filter((v) => v !== null && v !== undefined && !Number.isNaN(v));
  const sorted = vals.slice().sort((p, q) => p - q);
  return {
    n: sorted.length,
    diverged: sorted.filter((v) => !Number.isFinite(v)).length,
    median: quantile(sorted, 0.5),
    q25: quantile(sorted, 0.25),
    q75: quantile(sorted, 0.75),
    min: sorted.length ? sorted[0] : null,
    max: sorted.length ? sorted[sorted.length - 1] : null,
  };
}

/** The sweep's cells as a list in index order, with `progress` cells merged in by index. */
export function mergeCells(cells, incoming) {
  const out = cells.slice();
  for (const c of incoming ?? []) {
    if (!Number.isInteger(c?.index) || c.index < 0) continue;
    out[c.index] = c;
  }
  return out;
}

/** Pending cells for a sweep's expanded axes (before any has finished). */
export function pendingCells(axes) {
  return cellPoints(axes).map((point, index) => ({ index, point, status: "pending", value: null, diverged: false }));
}

const sameValue = (a, b) => a === b || (typeof a === "number" && typeof b === "number" && Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b)));

/** Axes whose values are all numbers (and more than one), and the others (names …). */
export function axisKinds(axes) {
  const numeric = [];
  const categorical = [];
  for (const [k, vals] of Object.entries(axes ?? {})) {
    if (vals.length && vals.every((v) => typeof v === "number" && Number.isFinite(v))) numeric.push(k);
    else categorical.push(k);
  }
  return { numeric, categorical };
}

/**
 * What the charts show by default: x = the learning-rate axis (else the first numeric one),
 * colour = the first categorical axis with more than one value (else none), the heat map's
 * y = another numeric axis (the seed last) or a categorical one.
 */
export function defaultView(axes, view = {}) {
  const { numeric, categorical } = axisKinds(axes);
  const has = (p) => p && Object.prototype.hasOwnProperty.call(axes ?? {}, p);
  const many = (p) => (axes[p] ?? []).length > 1;
  const x = has(view.x) ? view.x : numeric.find((p) => /(^|\.)lr$/.test(p)) ?? numeric[0] ?? Object.keys(axes ?? {})[0] ?? null;
  const color = view.color === null ? null : has(view.color) && view.color !== x ? view.color
    : categorical.find((p) => p !== x && many(p)) ?? null;
  const others = numeric.filter((p) => p !== x && many(p));
  // the heat map's y: another numeric axis (not the seed), else a categorical one (optimizers), else the seed
  const y = has(view.y) && view.y !== x ? view.y
    : others.find((p) => p !== SEED_PATH) ?? categorical.find((p) => p !== x && many(p)) ?? others[0] ?? null;
  const chart = view.chart === "heatmap" && y ? "heatmap" : "curves";
  return { x, color, y, chart };
}

/**
 * The sensitivity curves: one series per value of the `color` axis (one series when null),
 * a point per value of the `x` axis, summarizing the cells over every other axis.
 * Returns [{key, points: [{x, n, diverged, median, q25, q75, pending}]}].
 */
export function curveSeries(axes, cells, { x, color = null, metric = "final_loss" }) {
  const xs = axes[x] ?? [];
  const keys = color ? axes[color] ?? [] : [null];
  const at = (vals, v) => vals.findIndex((u) => sameValue(u, v));
  const buckets = keys.map(() => xs.map(() => ({ values: [], pending: 0 })));
  for (const cell of cells) {
    if (!cell?.point) continue;
    const i = at(xs, cell.point[x]);
    const k = color ? at(keys, cell.point[color]) : 0;
    if (i < 0 || k < 0) continue;
    const v = cellValue(cell, metric);
    if (v === null) {
      if (cell.status !== "failed") buckets[k][i].pending += 1;
    } else buckets[k][i].values.push(v);
  }
  return keys.map((key, k) => ({
    key,
    points: xs.map((xv, i) => ({ x: xv, pending: buckets[k][i].pending, ...summarize(buckets[k][i].values) })),
  }));
}

/**
 * The heat map: the median over the other axes for every (x, y) pair. z[j][i] for y value j
 * and x value i (null when nothing finished); `worst[j][i]`: the median is ±inf (diverged).
 */
export function heatGrid(axes, cells, { x, y, metric = "final_loss" }) {
  const xs = axes[x] ?? [];
  const ys = axes[y] ?? [];
  const vals = ys.map(() => xs.map(() => []));
  for (const cell of cells) {
    if (!cell?.point) continue;
    const i = xs.findIndex((u) => sameValue(u, cell.point[x]));
    const j = ys.findIndex((u) => sameValue(u, cell.point[y]));
    const v = cellValue(cell, metric);
    if (i < 0 || j < 0 || v === null) continue;
    vals[j][i].push(v);
  }
  const med = vals.map((row) => row.map((v) => summarize(v).median));
  return {
    xs, ys,
    z: med.map((row) => row.map((m) => (m !== null && Number.isFinite(m) ? m : null))),
    worst: med.map((row) => row.map((m) => m !== null && !Number.isFinite(m))),
  };
}

/** Cells finished (done or failed) and how many diverged. */
export function progressOf(cells) {
  let done = 0;
  let diverged = 0;
  for (const c of cells) {
    if (c && c.status !== "pending") done += 1;
    if (c?.diverged) diverged += 1;
  }
  return { done, diverged };
}

/** The best finished cell (lowest loss, highest accuracy; diverged cells never). */
export function bestCell(cells, metric = "final_loss") {
  const hi = higherIsBetter(metric);
  let best = null;
  for (const c of cells) {
    const v = cellValue(c, metric);
    if (v === null || !Number.isFinite(v)) continue;
    if (best === null || (hi ? v > best.v : v < best.v)) best = { cell: c, v };
  }
  return best?.cell ?? null;
}
