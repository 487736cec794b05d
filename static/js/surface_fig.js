// Plotly traces and layouts for the surface panel (contour and 3D), as plain objects.
// Pure: no DOM and no Plotly; the view module hands these to Plotly.react.

import { canvasDash, PLOT_FONT, startDash, surfaceColorscale, themeColors, withAlpha } from "./colors.js";
import { fmt } from "./format.js";
import { t } from "./i18n.js";
import { clampToDomain, gridValueAt, logTicks, placeMarks, shownPath, transformGrid, zTransform } from "./surfacemath.js";

export const CP_SYMBOL = { min: "star", saddle: "hourglass", max: "triangle-up" };

/** Sizes that grow in projector mode (× `scale`, which follows the screen width there). */
export function sizes(projector, scale = 1) {
  const base = projector
    ? { font: 20, small: 17, line: 5, halo: 9, head: 13, cp: 16, start: 16, text: 18 }
    : { font: 14, small: 12, line: 2.6, halo: 5, head: 9, cp: 12, start: 12, text: 13 };
  if (!projector || scale === 1) return base;
  return Object.fromEntries(Object.entries(base).map(([k, v]) => [k, Math.round(v * scale * 10) / 10]));
}

/** The surface's colour data: grid values transformed for colour (log where asked). */
export function colourField(grid, log) {
  const tr = zTransform(grid.zmin, grid.zmax, log);
  const { z, min, max } = transformGrid(grid.z, tr);
  return { tr, z, min, max, ticks: logTicks(tr, min, max) };
}

export function contourTrace(grid, field, { theme, projector, scale = 1 }) {
  const c = themeColors(theme, projector);
  const s = sizes(projector, scale);
  const log = field.tr.log;
  return {
    type: "contour", x: grid.x, y: grid.y, z: field.z,
    customdata: log ? grid.z : undefined,
    ncontours: 26, autocontour: true,
    contours: { coloring: "heatmap", showlines: true },
    line: { width: projector ? 0.9 : 0.6, color: c.contourLine, smoothing: 0.6 },
    colorscale: surfaceColorscale(theme, projector, log),
    zmin: field.min, zmax: field.max,
    colorbar: {
      thickness: projector ? 18 : 12, len: 0.9, outlinewidth: 0,
      tickfont: { size: s.small, color: c.text },
      title: { text: t(log ? "plot.colorbarLog" : "plot.colorbar"), side: "right", font: { size: s.small, color: c.text } },
      ...(field.ticks ? { tickmode: "array", tickvals: field.ticks.tickvals, ticktext: field.ticks.ticktext } : {}),
    },
    hovertemplate: log
      ? "x = %{x:.3f}<br>y = %{y:.3f}<br>f = %{customdata:.4g}<extra></extra>"
      : "x = %{x:.3f}<br>y = %{y:.3f}<br>f = %{z:.4g}<extra></extra>",
    name: "f(x, y)", showlegend: false,
  };
}

/**
 * Which critical points get a "min 0" label: all of them when there are few; else the minima
 * when those are few; else only the lowest minima (an egg crate has 121).
 */
export function labelledPoints(cps) {
  if (cps.length <= 12) return cps;
  const mins = cps.filter((p) => p.kind === "min");
  if (mins.length <= 12) return mins;
  const low = Math.min(...mins.map((p) => p.value));
  return mins.filter((p) => p.value <= low + 1e-9 * Math.max(1, Math.abs(low)));
}

/**
 * On a plot `width` px wide (0: unknown), keep only labels that do not run into one already
 * kept (lowest values first): a phone shows Rastrigin's "min 0" without a pile on top of it.
 */
export function spacedLabels(points, domain, width, textPx) {
  if (!width || !domain) return points;
  const [x0, x1] = domain[0];
  const px = width / (x1 - x0 || 1); // x and y share one scale (scaleanchor)
  const kept = [];
  for (const p of [...points].sort((a, b) => a.value - b.value)) {
    const clear = kept.every((k) => Math.abs(k.xy[0] - p.xy[0]) * px > textPx * 5.5
      || Math.abs(k.xy[1] - p.xy[1]) * px > textPx * 1.6);
    if (clear) kept.push(p);
  }
  return kept;
}

/** Critical points as markers (one trace per kind); their labels are annotations (below). */
export function criticalTraces(info, { theme, projector, scale = 1 }) {
  const c = themeColors(theme, projector);
  const s = sizes(projector, scale);
  const cps = info?.critical_points ?? [];
  return ["min", "saddle", "max"].map((kind) => {
    const pts = cps.filter((p) => p.kind === kind);
    return {
      type: "scatter", mode: "markers", name: t(`cp.${kind}Long`), showlegend: false,
      x: pts.map((p) => p.xy[0]), y: pts.map((p) => p.xy[1]),
      marker: { symbol: CP_SYMBOL[kind], size: s.cp, color: kind === "min" ? "#ffffff" : c.text,
        line: { width: projector ? 2.5 : 1.5, color: kind === "min" ? "#111111" : c.paper } },
      hovertemplate: `${t(`cp.${kind}Long`)}<br>(%{x:.3f}, %{y:.3f})<br>f = %{customdata:.4g}<extra></extra>`,
      customdata: pts.map((p) => p.value),
      cliponaxis: false,
    };
  });
}

/**
 * "min 0" labels, lifted clear of the point on a translucent card: a lane's head or ✕
 * resting on a minimum (as most do at the end) no longer covers its label.
 */
export function criticalAnnotations(info, { theme, projector, scale = 1, width = 0 }) {
  const c = themeColors(theme, projector);
  const s = sizes(projector, scale);
  const lift = s.head * 1.6 + 8; // above a head marker (and the selection ring's top)
  return spacedLabels(labelledPoints(info?.critical_points ?? []), info?.domain, width, s.text).map((p) => ({
    x: p.xy[0], y: p.xy[1], xref: "x", yref: "y", showarrow: false, yanchor: "bottom", yshift: lift,
    text: `${t(`cp.${p.kind}`)} ${fmt(p.value, 3)}`, font: { size: s.text, color: c.text },
    bgcolor: withAlpha(c.paper, 0.72), borderpad: 2, captureevents: false,
  }));
}

export function startTrace(starts, { theme, projector, scale = 1 }) {
  const c = themeColors(theme, projector);
  const s = sizes(projector, scale);
  return {
    type: "scatter", mode: "markers", name: t("plot.start"), showlegend: false,
    x: starts.map((p) => p[0]), y: starts.map((p) => p[1]),
    marker: { symbol: "circle-open", size: s.start + 4, color: c.start, line: { width: projector ? 4 : 2.5 } },
    hovertemplate: `${t("plot.start")} %{text}<br>(%{x:.3f}, %{y:.3f})<extra></extra>`,
    text: starts.map((_, i) => `${i + 1}`),
    meta: "starts",
  };
}

/** Predict mode: each guess [{xy, color, label}] as a ✚ in its lane's colour. */
export function guessTrace(guesses, { projector, scale = 1 }) {
  const s = sizes(projector, scale);
  return {
    type: "scatter", mode: "markers", name: t("predict.guess"), showlegend: false,
    x: guesses.map((g) => g.xy[0]), y: guesses.map((g) => g.xy[1]), text: guesses.map((g) => g.label),
    marker: { symbol: "cross-thin-open", size: s.start + 10, color: guesses.map((g) => g.color), line: { width: projector ? 5 : 3.5 } },
    hovertemplate: `${t("predict.guess")}: %{text}<br>(%{x:.2f}, %{y:.2f})<extra></extra>`,
    meta: "guesses",
  };
}

/**
 * What the surface shows of lane i at `cursor`: the path's rows (a diverged lane only up to
 * where it leaves the view, ending on the edge), its head, and its ✕ mark once diverged.
 */
export function laneView(buffer, i, cursor, domain) {
  const [xs, ys] = buffer.path(i, cursor);
  const cut = buffer.diverged.has(i);
  const { n, exit } = shownPath(xs, ys, xs.length, domain, cut);
  let x = xs;
  let y = ys;
  if (n < xs.length) {
    x = new Float64Array(n + (exit ? 1 : 0));
    y = new Float64Array(x.length);
    x.set(xs.subarray(0, n));
    y.set(ys.subarray(0, n));
    if (exit) [x[n], y[n]] = exit;
  }
  const r = buffer.headRow(i, cursor);
  let head = r >= 0 ? buffer.vector("xy", i, r) : null;
  if (n < xs.length) head = exit ?? (n > 0 ? [xs[n - 1], ys[n - 1]] : null);
  const d = buffer.divergedBy(i, cursor);
  const at = d ? clampToDomain(head ?? d.last_xy ?? null, domain) : null;
  return { x, y, rows: Math.min(n, xs.length), head, mark: at ? { at, step: d.step } : null };
}

/** Every lane's ✕ mark at `cursor`, with labels placed so that none covers another. */
export function divergedMarks(buffer, cursor, lanes, domain) {
  const marks = [];
  lanes.forEach((lane, i) => {
    const m = laneView(buffer, i, cursor, domain).mark;
    if (m) marks.push({ ...m, lane });
  });
  return placeMarks(marks, domain);
}

const TEXT_POSITION = { below: "bottom", above: "top" };

/**
 * The race drawn up to `cursor`: for every lane a halo and a coloured path (rows 0..head),
 * a head marker, and a ✕ with "diverged at step k" once the lane has diverged.
 */
export function raceTraces(buffer, cursor, lanes, info, { theme, projector, scale = 1, heads: withHeads = true }) {
  if (!buffer) return [];
  const c = themeColors(theme, projector);
  const s = sizes(projector, scale);
  const halos = [];
  const paths = [];
  const heads = [];
  const domain = info?.domain ?? null;
  lanes.forEach((lane, i) => {
    const { x, y, head } = laneView(buffer, i, cursor, domain);
    const hover = `${lane.label}<br>${t("plot.hoverStep", { k: "%{customdata}" })}<br>(%{x:.3f}, %{y:.3f})<extra></extra>`;
    halos.push({ type: "scatter", mode: "lines", x, y, hoverinfo: "skip", showlegend: false, uid: `race-halo-${i}`,
      line: { color: c.halo, width: s.halo, dash: startDash(lane.start) } });
    paths.push({ type: "scatter", mode: "lines", x, y, name: lane.label, legendgroup: `l${i}`,
      customdata: buffer.stepAxis.subarray(0, x.length), meta: { lane: i }, uid: `race-path-${i}`,
      line: { color: lane.color, width: s.line, dash: startDash(lane.start) }, hovertemplate: hover });
    heads.push({ type: "scatter", mode: "markers", x: head ? [head[0]] : [], y: head ? [head[1]] : [],
      showlegend: false, legendgroup: `l${i}`, hovertemplate: `${lane.label}<extra></extra>`,
      marker: { size: s.head * 1.6, color: lane.color, line: { width: projector ? 3 : 2, color: c.paper } } });
  });
  const marks = divergedMarks(buffer, cursor, lanes, domain);
  const diverged = {
    type: "scatter", mode: "markers+text", showlegend: false, name: "diverged", uid: "race-diverged",
    x: marks.map((m) => m.at[0]), y: marks.map((m) => m.at[1]),
    // stacked labels: each slot starts one line further from its mark
    text: marks.map((m) => {
      const label = `<span style="color:${m.lane.color}">\u25a0</span> ${t("plot.diverged", { k: m.step })}`;
      const pad = "<br>".repeat(m.slot);
      return m.v === "below" ? `${pad}${label}` : `${label}${pad}`;
    }),
    textposition: marks.map((m) => `${TEXT_POSITION[m.v]} ${m.h}`),
    textfont: { size: s.text, color: c.text, shadow: "auto" },
    marker: { symbol: "x-thin-open", size: s.head * 2.2, color: marks.map((m) => m.lane.color), line: { width: projector ? 5 : 3.5, color: marks.map((m) => m.lane.color) } },
    hovertemplate: "%{text}<extra></extra>", cliponaxis: false,
  };
  return [...halos, ...paths, ...(withHeads ? heads : []), diverged];
}

export function surfaceLayout(info, { theme, projector, scale = 1, empty = false, width = 0 }) {
  const c = themeColors(theme, projector);
  const s = sizes(projector, scale);
  const [[x0, x1], [y0, y1]] = info?.domain ?? [[-1, 1], [-1, 1]];
  const axis = (title, range) => ({
    range, title: { text: title, font: { size: s.font, color: c.text }, standoff: 6 },
    showgrid: false, zeroline: false, ticks: "outside", tickfont: { size: s.small, color: c.text },
    linecolor: c.zero, mirror: true, fixedrange: true, autorange: false,
  });
  return {
    paper_bgcolor: c.paper, plot_bgcolor: c.plot,
    font: { family: PLOT_FONT, size: s.font, color: c.text },
    margin: { l: projector ? 70 : 56, r: 10, t: 12, b: projector ? 62 : 50 },
    xaxis: { ...axis("x", [x0, x1]), constrain: "domain", constraintoward: "right" },
    yaxis: { ...axis("y", [y0, y1]), scaleanchor: "x", scaleratio: 1, constrain: "domain" },
    showlegend: false, dragmode: false, hovermode: "closest",
    hoverlabel: { font: { size: s.small } },
    annotations: [...criticalAnnotations(info, { theme, projector, scale, width }),
      ...(empty ? [{ text: t("plot.empty"), xref: "paper", yref: "paper", x: 0.5, y: 0.04,
        showarrow: false, font: { size: s.font + 2, color: c.text }, bgcolor: withAlpha(c.paper, 0.85),
        borderpad: 6 }] : [])],
  };
}

// ------------------------------------------------------------------------------ 3D

export function surface3dTraces(grid, field, info, starts, buffer, cursor, lanes, { theme, projector, scale = 1 }) {
  const c = themeColors(theme, projector);
  const s = sizes(projector, scale);
  const f = field.tr.f;
  const lift = (field.max - field.min) * 0.01;
  const traces = [{
    type: "surface", x: grid.x, y: grid.y, z: field.z, colorscale: surfaceColorscale(theme, projector, field.tr.log),
    showscale: false, opacity: 0.92, hoverinfo: "skip",
    contours: { z: { show: true, usecolormap: false, color: c.contourLine, width: 1, start: field.min, end: field.max, size: (field.max - field.min) / 20 } },
  }];
  const cps = info?.critical_points ?? [];
  traces.push({ type: "scatter3d", mode: "markers+text", showlegend: false,
    x: cps.map((p) => p.xy[0]), y: cps.map((p) => p.xy[1]), z: cps.map((p) => f(p.value) + lift),
    text: cps.map((p) => `${t(`cp.${p.kind}`)} ${fmt(p.value, 3)}`),
    textfont: { size: s.small, color: c.text },
    marker: { size: s.cp / 2.5, color: cps.map((p) => (p.kind === "min" ? "#ffffff" : c.text)), line: { width: 1, color: "#111111" } },
    hoverinfo: "text" });
  if (buffer) {
    lanes.forEach((lane, i) => {
      const [x, y] = buffer.path(i, cursor);
      const z = Array.from(buffer.cols.loss[i].subarray(0, x.length), (v) => (Number.isFinite(v) ? f(v) + lift : null));
      traces.push({ type: "scatter3d", mode: "lines", name: lane.label, x: Array.from(x), y: Array.from(y), z,
        line: { color: lane.color, width: s.line * 2.2, dash: startDash(lane.start) }, hovertemplate: `${lane.label}<extra></extra>` });
      const r = buffer.headRow(i, cursor);
      if (r >= 0) {
        traces.push({ type: "scatter3d", mode: "markers", showlegend: false, x: [x[r]], y: [y[r]], z: [z[r]],
          marker: { size: s.head * 0.8, color: lane.color, line: { width: 2, color: c.paper } }, hoverinfo: "skip" });
      }
    });
  }
  // the start sits on the surface (its value there), not above the highest point
  const startZ = (p) => {
    const v = gridValueAt(grid, p[0], p[1]);
    const z = v === null ? null : f(v);
    return z !== null && Number.isFinite(z) ? z + lift : field.max + lift;
  };
  traces.push({ type: "scatter3d", mode: "markers", showlegend: false, x: starts.map((p) => p[0]),
    y: starts.map((p) => p[1]), z: starts.map(startZ), marker: { size: s.start / 2, color: c.start, symbol: "circle-open" }, hoverinfo: "skip" });
  return traces;
}

export function surface3dLayout(info, field, { theme, projector, scale = 1 }) {
  const c = themeColors(theme, projector);
  const s = sizes(projector, scale);
  const axis = (title) => ({ title: { text: title, font: { size: s.font } }, backgroundcolor: c.plot,
    gridcolor: c.grid, zerolinecolor: c.zero, tickfont: { size: s.small, color: c.text } });
  return {
    paper_bgcolor: c.paper, font: { family: PLOT_FONT, size: s.font, color: c.text }, margin: { l: 0, r: 0, t: 0, b: 0 },
    showlegend: false, uirevision: JSON.stringify(info?.domain ?? null), // keeps a turned camera
    scene: { xaxis: axis("x"), yaxis: axis("y"), zaxis: axis(field.tr.log ? "log f" : "f"),
      aspectmode: "manual", aspectratio: { x: 1, y: 1, z: 0.6 },
      camera: { eye: { x: 1.45, y: -1.45, z: 1.05 } } },
  };
}

export { canvasDash };
