// Colours: the Okabe–Ito lane palette, surface and basin colour maps, theme colours. Pure.

/** Okabe–Ito, the same order as the service's meta.lanes[].color. */
export const OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00",
  "#F0E442", "#000000"];

/** Line dash per start point (a lane's colour says the optimizer, its dash the start). */
export const START_DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"];
const CANVAS_DASHES = { solid: [], dash: [9, 6], dot: [2, 5], dashdot: [9, 5, 2, 5],
  longdash: [16, 7], longdashdot: [16, 6, 2, 6] };

/** The colour of optimizer `index` (black becomes near-white on a dark background). */
export function laneColor(index, theme = "light") {
  const c = OKABE_ITO[((index % OKABE_ITO.length) + OKABE_ITO.length) % OKABE_ITO.length];
  return theme === "dark" && c === "#000000" ? "#F2F2F2" : c;
}

export function startDash(startIndex) {
  return START_DASHES[startIndex % START_DASHES.length];
}

export function canvasDash(startIndex, scale = 1) {
  return CANVAS_DASHES[startDash(startIndex)].map((d) => d * scale);
}

/** "#RRGGBB" + alpha → "rgba(r, g, b, a)" (integer channels: Plotly 4 wants CSS colours). */
export function withAlpha(hex, alpha) {
  const h = hex.replace("#", "");
  const n = parseInt(h.length === 3 ? h.split("").map((c) => c + c).join("") : h, 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/**
 * Every Plotly chart's font: Plotly's own Latin stack, then Hangul from the bundled web font
 * (static/fonts, @font-face in app.css) so Korean axis titles and notes render on machines
 * without a Korean font, then the usual system Korean fonts.
 */
export const PLOT_FONT = '"Open Sans", verdana, arial, "DescentLab Hangul", "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif';
/** The canvas overlay's labels (the diverged note is translated): system UI, Hangul as above. */
export const CANVAS_FONT = 'system-ui, "DescentLab Hangul", "Noto Sans KR", "Malgun Gothic", sans-serif';

/** Page and chart colours per theme; projector mode raises the contrast. */
export function themeColors(theme = "light", projector = false) {
  const dark = theme === "dark";
  return {
    paper: dark ? "#10161f" : "#ffffff",
    plot: dark ? "#10161f" : "#ffffff",
    text: dark ? (projector ? "#ffffff" : "#e8edf3") : (projector ? "#000000" : "#1b2430"),
    muted: dark ? "#9aa8b8" : "#5a6675",
    grid: dark ? "#2a3543" : "#e3e8ee",
    zero: dark ? "#3b4858" : "#c9d1da",
    halo: dark ? "rgba(0, 0, 0, 0.75)" : "rgba(20, 24, 30, 0.6)",
    contourLine: dark ? "rgba(255, 255, 255, 0.18)" : "rgba(30, 45, 60, 0.24)",
    start: dark ? "#ffffff" : "#111111",
    veil: dark ? "rgba(16, 22, 31, 0.72)" : "rgba(255, 255, 255, 0.72)",
    cursor: dark ? "#ffffff" : "#111111",
  };
}

/**
 * The surface colour scale: quiet cool greys, light where the loss is low, so the coloured
 * paths stand out. Linear surfaces get stops bunched at the low end (most of a surface is
 * low); log-scale ones are already spread by the transform and get even stops.
 */
export function surfaceColorscale(theme = "light", projector = false, log = false) {
  const light = ["#ffffff", "#f1f4f7", "#e0e6ed", "#cbd4de", "#b1bdca", "#93a2b3", projector ? "#5b6b80" : "#72839a"];
  const dark = ["#0a1018", "#0f1823", "#15212f", "#1d2d3f", "#283d55", "#36516f", projector ? "#5a7899" : "#4a6788"];
  const colors = theme === "dark" ? dark : light;
  const stops = log ? [0, 0.17, 0.33, 0.5, 0.67, 0.83, 1] : [0, 0.04, 0.12, 0.25, 0.45, 0.7, 1];
  return stops.map((s, i) => [s, colors[i]]);
}

/** Paul Tol's muted palette (colour-blind-safe) for minima in basin maps. */
export const BASIN_PALETTE = ["#88CCEE", "#CC6677", "#DDCC77", "#117733", "#332288", "#AA4499",
  "#44AA99", "#999933", "#882255", "#661100", "#6699CC", "#AA7744"];
export const BASIN_DIVERGED = "#1a1a1a";
export const BASIN_UNCONVERGED = "#bdbdbd";

/** The colour of basin label `label` (index into minima, −1 diverged, −2 not converged). */
export function basinColor(label) {
  if (label === -1) return BASIN_DIVERGED;
  if (label < 0) return BASIN_UNCONVERGED;
  return BASIN_PALETTE[label % BASIN_PALETTE.length];
}

/**
 * A stepped colour scale for z = label over [−2.5, nMinima − 0.5], so that every map uses
 * the same colour for the same minimum. Returns {colorscale, zmin, zmax}.
 */
export function basinColorscale(nMinima) {
  const labels = [-2, -1];
  for (let i = 0; i < Math.max(1, nMinima); i++) labels.push(i);
  const zmin = -2.5;
  const zmax = labels.length - 2.5;
  const span = zmax - zmin;
  const colorscale = [];
  labels.forEach((label, i) => {
    const a = i / span;
    const b = (i + 1) / span;
    colorscale.push([a, basinColor(label)], [Math.min(1, b), basinColor(label)]);
  });
  return { colorscale, zmin, zmax };
}
