// Boundary grids as pixels, for the live small multiples (a canvas under each Plotly panel
// is repainted in about a millisecond; a Plotly heatmap takes tens): colour-scale lookup,
// an RGBA image of a grid, and the p = 0.5 boundary by marching squares. Pure: no DOM.

/** "#RRGGBB" or "rgb(r, g, b)" → [r, g, b]. */
export function parseColor(c) {
  if (c.startsWith("#")) {
    const n = parseInt(c.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  const m = c.match(/[\d.]+/g) ?? ["0", "0", "0"];
  return m.slice(0, 3).map(Number);
}

/** A lookup table of `n` RGB colours along a Plotly colour scale [[stop, colour], …]. */
export function colorTable(colorscale, n = 256) {
  const stops = colorscale.map(([s, c]) => [s, parseColor(c)]);
  const table = new Uint8ClampedArray(n * 3);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const f = i / (n - 1);
    while (k < stops.length - 2 && f > stops[k + 1][0]) k++;
    const [s0, c0] = stops[k];
    const [s1, c1] = stops[Math.min(k + 1, stops.length - 1)];
    const w = s1 > s0 ? Math.min(1, Math.max(0, (f - s0) / (s1 - s0))) : 0;
    for (let ch = 0; ch < 3; ch++) table[i * 3 + ch] = c0[ch] + (c1[ch] - c0[ch]) * w;
  }
  return table;
}

/**
 * An RGBA image (width = columns of z, height = rows) of z[j][i] on the colour scale from
 * zmin to zmax; row j = y[j] is drawn from the bottom (y grows upward). Missing values are
 * transparent.
 */
export function rasterize(z, zmin, zmax, colorscale) {
  const rows = z.length;
  const cols = z[0]?.length ?? 0;
  const table = colorTable(colorscale);
  const n = table.length / 3;
  const px = new Uint8ClampedArray(rows * cols * 4);
  const span = zmax - zmin || 1;
  for (let j = 0; j < rows; j++) {
    const out = (rows - 1 - j) * cols;
    for (let i = 0; i < cols; i++) {
      const v = z[j][i];
      const o = (out + i) * 4;
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      const t = Math.round(Math.min(1, Math.max(0, (v - zmin) / span)) * (n - 1)) * 3;
      px[o] = table[t];
      px[o + 1] = table[t + 1];
      px[o + 2] = table[t + 2];
      px[o + 3] = 255;
    }
  }
  return { width: cols, height: rows, data: px };
}

/**
 * Line segments where the grid z (values at (x[i], y[j])) crosses `level`, by marching
 * squares with linear interpolation on the cell edges: [[x0, y0, x1, y1], …].
 */
export function contourSegments(x, y, z, level = 0.5) {
  const segs = [];
  const at = (a, b, va, vb) => a + ((level - va) / (vb - va)) * (b - a);
  for (let j = 0; j + 1 < y.length; j++) {
    for (let i = 0; i + 1 < x.length; i++) {
      const v = [z[j][i], z[j][i + 1], z[j + 1][i + 1], z[j + 1][i]]; // bl, br, tr, tl
      if (v.some((u) => u === null || !Number.isFinite(u))) continue;
      const pts = [];
      const edge = (p, q, xa, ya, xb, yb) => {
        if ((v[p] >= level) !== (v[q] >= level)) {
          pts.push(xa === xb ? [xa, at(ya, yb, v[p], v[q])] : [at(xa, xb, v[p], v[q]), ya]);
        }
      };
      edge(0, 1, x[i], y[j], x[i + 1], y[j]); // bottom
      edge(1, 2, x[i + 1], y[j], x[i + 1], y[j + 1]); // right
      edge(3, 2, x[i], y[j + 1], x[i + 1], y[j + 1]); // top
      edge(0, 3, x[i], y[j], x[i], y[j + 1]); // left
      if (pts.length === 2) segs.push([...pts[0], ...pts[1]]);
      else if (pts.length === 4) { // a saddle cell: pair by the centre's side
        const centre = (v[0] + v[1] + v[2] + v[3]) / 4 >= level;
        const [b, r, tp, l] = pts;
        if (centre === (v[0] >= level)) segs.push([...b, ...r], [...tp, ...l]);
        else segs.push([...b, ...l], [...r, ...tp]);
      }
    }
  }
  return segs;
}
