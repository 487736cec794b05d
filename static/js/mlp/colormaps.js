// Colours of the MLP view: classes (Paul Tol's colour-blind-safe "bright" set), the
// diverging p(class 1) scale, class maps shaded by confidence, a sequential scale for
// regression values and a ramp for layers (input → output). Pure.

/** Tol "bright": blue, red, green, yellow, cyan, purple, grey (class 0 blue, class 1 red). */
export const CLASS_PALETTE = ["#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB",
  "#994F00", "#332288", "#117733"];

export function classColor(k) {
  return CLASS_PALETTE[((k % CLASS_PALETTE.length) + CLASS_PALETTE.length) % CLASS_PALETTE.length];
}

function rgb(hex) {
  const h = hex.replace("#", "");
  const n = parseInt(h, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** A colour `f` of the way from `a` to `b` ("#RRGGBB"), as "rgb(r, g, b)". */
export function mix(a, b, f) {
  const [x, y] = [rgb(a), rgb(b)];
  const c = x.map((v, i) => Math.round(v + (y[i] - v) * Math.min(1, Math.max(0, f))));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** The neutral middle of the maps: near-white, or the dark page colour. */
export function neutral(theme) {
  return theme === "dark" ? "#1a2330" : "#f7f7f7";
}

/** p(class 1): class-0 blue at 0, neutral at 0.5 (the boundary), class-1 red at 1. */
export function probColorscale(theme = "light") {
  const mid = neutral(theme);
  const a = classColor(0);
  const b = classColor(1);
  return [[0, mix(a, mid, 0.15)], [0.25, mix(a, mid, 0.5)], [0.5, mix(mid, mid, 0)], [0.75, mix(b, mid, 0.5)],
    [1, mix(b, mid, 0.15)]];
}

/**
 * Multiclass maps: one heatmap whose z is class + shade, with a colour scale of K bands,
 * each from pale (unsure: confidence 1/K) to the class colour (sure: confidence 1).
 * Returns {colorscale, zmin, zmax}.
 */
export function classColorscale(K, theme = "light") {
  const mid = neutral(theme);
  const scale = [];
  for (let k = 0; k < K; k++) {
    scale.push([k / K, mix(classColor(k), mid, 0.82)], [(k + 0.999) / K, mix(classColor(k), mid, 0.12)]);
  }
  scale[scale.length - 1][0] = 1;
  return { colorscale: scale, zmin: 0, zmax: K };
}

/** z for a class map: class k with confidence c → k + 0.998·(c − 1/K)/(1 − 1/K). */
export function classShade(values, confidence, K) {
  const lo = 1 / Math.max(2, K);
  return values.map((row, j) => row.map((k, i) => {
    const c = confidence?.[j]?.[i];
    if (k === null || k === undefined) return null;
    const f = typeof c === "number" ? Math.min(1, Math.max(0, (c - lo) / (1 - lo))) : 1;
    return k + 0.998 * f;
  }));
}

/** Sequential scale for regression targets and predictions (viridis stops). */
export const VALUE_COLORSCALE = [[0, "#440154"], [0.25, "#3b528b"], [0.5, "#21918c"], [0.75, "#5ec962"], [1, "#fde725"]];

/** n colours from the input layer (dark purple) to the output layer (yellow), along viridis. */
export function layerColors(n) {
  const stops = VALUE_COLORSCALE.map((s) => s[1]);
  return Array.from({ length: n }, (_, i) => {
    const f = n <= 1 ? 0 : (i / (n - 1)) * 0.78;
    const pos = f * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(pos));
    return mix(stops[k], stops[k + 1], pos - k);
  });
}
