// Plotly figures per layer: gradient norms across the layers at the shown epoch (one line
// per optimizer, log scale: vanishing gradients shrink toward the input), gradient norms
// of each layer over the epochs for one optimizer, and weight histograms per layer.
// Pure: no DOM and no Plotly.

import { PLOT_FONT, themeColors, withAlpha } from "../colors.js";
import { t } from "../i18n.js";
import { sizes } from "../surface_fig.js";
import { layerColors } from "./colormaps.js";
import { epochLayout, logTicks, noteLayout as emptyLayout } from "./curve_figs.js";
import { gradRatio, gradRatioText } from "./text.js";

/** "1 · 2→16", …, "3 · 16→2" (the layer number and its fan-in → fan-out). */
export function layerNames(meta) {
  return (meta.layers ?? []).map((l, k) => `${k + 1} \u00b7 ${l.fan_in}\u2192${l.fan_out}`);
}

/** "SGD: layer 1 ÷ output = 1e−3 (vanishing)" on two lines, the finding in bold. */
function ratioMarkup(text, kind) {
  const [who, what] = text.split(/: (.*)/s);
  return `${who}:<br>${kind === "steady" ? what : `<b>${what}</b>`}`;
}

/** Gradient norm per layer at `epoch`, one line per lane; the selected lane's ratio as a note. */
export function gradLayersFigure(buffer, lanes, epoch, selected, opts) {
  if (!buffer) return { data: [], layout: emptyLayout(opts, t("mlp.empty")) };
  const c = themeColors(opts.theme, opts.projector);
  const s = sizes(opts.projector, opts.scale);
  const full = layerNames(buffer.meta);
  const names = full.length > 4 ? full.map((_, k) => String(k + 1)) : full; // short when deep
  const data = lanes.map((lane, i) => ({
    type: "scatter", mode: "lines+markers", x: names, y: buffer.gradAt(i, epoch), name: lane.label,
    line: { color: lane.color, width: s.line * (i === selected ? 1 : 0.7) },
    marker: { color: lane.color, size: i === selected ? s.head + 2 : s.head - 1 },
    hovertemplate: "%{y:.3g}",
  }));
  const font = { family: PLOT_FONT, size: s.small, color: c.text };
  const sel = Math.min(selected, lanes.length - 1);
  const norms = sel >= 0 ? buffer.gradAt(sel, epoch) : [];
  const r = gradRatio(norms);
  const text = r ? gradRatioText(lanes[sel].label, norms) : "";
  return {
    data,
    layout: {
      paper_bgcolor: c.paper, plot_bgcolor: c.plot, font,
      margin: { l: opts.projector ? 74 : 58, r: 12, t: text ? Math.round(s.small * 3.2) : 8, b: opts.projector ? 52 : 40 },
      xaxis: { type: "category", fixedrange: true, gridcolor: c.grid, linecolor: c.zero, tickfont: font,
        title: { text: t("mlp.axis.layer"), font, standoff: 4 } },
      yaxis: { type: "log", fixedrange: true, gridcolor: c.grid, linecolor: c.zero, tickfont: font, exponentformat: "power",
        title: { text: t("mlp.axis.grad"), font, standoff: 4 }, ...logTicks(...data.map((d) => d.y)) },
      showlegend: false, hovermode: "x unified", dragmode: false,
      hoverlabel: { font: { size: s.small }, bgcolor: c.paper, bordercolor: c.zero },
      annotations: text ? [{ text: ratioMarkup(text, r.kind), xref: "paper", yref: "paper", x: 0, y: 1, yanchor: "bottom",
        xanchor: "left", align: "left", showarrow: false, font: { size: s.small - 1, color: r.kind === "steady" ? c.muted : c.text } }] : [],
    },
  };
}

/** One lane's gradient norm of every layer over the epochs (input dark → output light). */
export function gradEpochsFigure(buffer, lane, label, opts) {
  if (!buffer) return { data: [], layout: emptyLayout(opts, t("mlp.empty")) };
  const s = sizes(opts.projector, opts.scale);
  const c = themeColors(opts.theme, opts.projector);
  const colors = layerColors(buffer.nLayers);
  const last = buffer.nLayers - 1;
  const data = buffer.grad[lane].map((col, k) => ({
    type: "scatter", mode: "lines", x: buffer.epochAxis.subarray(0, buffer.rows), y: col.subarray(0, buffer.rows),
    name: t(k === 0 ? "mlp.layerIn" : k === last ? "mlp.layerOut" : "mlp.layer", { k: k + 1 }),
    line: { color: colors[k], width: s.line * 0.75 }, hovertemplate: "%{y:.3g}",
  }));
  const layout = epochLayout(opts, { xmax: buffer.epochs, ytitle: t("mlp.axis.grad"), ytype: "log",
    yticks: logTicks(...data.map((d) => d.y)) });
  layout.margin = { ...layout.margin, t: Math.round(s.small * 1.9) };
  // a one-line key instead of a legend (a legend wraps and scrolls in a small chart)
  const key = colors.map((col, k) => `<span style="color:${col}"><b>\u2501</b> ${k + 1}</span>`).join("  ");
  layout.annotations = [
    { text: `${key}  <span style="color:${c.muted}">(${t("mlp.layersKey")})</span>`, xref: "paper", yref: "paper", x: 0,
      y: 1, xanchor: "left", yanchor: "bottom", showarrow: false, font: { size: s.small - 1, color: c.text } },
    { text: label, xref: "paper", yref: "paper", x: 1, y: 0, xanchor: "right", yanchor: "bottom",
      showarrow: false, font: { size: s.small, color: c.muted } }];
  return { data, layout };
}

/** Weight histograms per layer (small multiples) at `epoch`, lanes overlaid as steps. */
export function histFigure(buffer, lanes, epoch, opts) {
  if (!buffer) return { data: [], layout: emptyLayout(opts, t("mlp.empty")) };
  const c = themeColors(opts.theme, opts.projector);
  const s = sizes(opts.projector, opts.scale);
  const edges = buffer.meta.hist_edges ?? [];
  const n = edges.length;
  const cols = Math.min(n, 4);
  const rows = Math.ceil(n / cols);
  const gap = 0.05;
  const names = layerNames(buffer.meta);
  const font = { family: PLOT_FONT, size: s.small - 1, color: c.text };
  const layout = {
    paper_bgcolor: c.paper, plot_bgcolor: c.plot, font, showlegend: false, dragmode: false, hovermode: "closest",
    margin: { l: 36, r: 8, t: 22, b: 26 }, annotations: [],
    hoverlabel: { font: { size: s.small }, bgcolor: c.paper, bordercolor: c.zero },
  };
  const data = [];
  edges.forEach((ed, k) => {
    const r = Math.floor(k / cols);
    const q = k % cols;
    const w = (1 - gap * (cols - 1)) / cols;
    const hgt = (1 - 0.12 * (rows - 1)) / rows;
    const x0 = q * (w + gap);
    const y1 = 1 - r * (hgt + 0.12);
    const id = k === 0 ? "" : String(k + 1);
    layout[`xaxis${id}`] = { domain: [x0, x0 + w], anchor: `y${id}`, fixedrange: true, gridcolor: c.grid, zeroline: false,
      linecolor: c.zero, tickfont: font, nticks: 4 };
    layout[`yaxis${id}`] = { domain: [y1 - hgt, y1], anchor: `x${id}`, fixedrange: true, gridcolor: c.grid, zeroline: false,
      linecolor: c.zero, tickfont: font, nticks: 4, rangemode: "tozero" };
    layout.annotations.push({ text: names[k], xref: "paper", yref: "paper", x: x0 + w / 2, y: y1,
      yanchor: "bottom", showarrow: false, font: { size: s.small - 2, color: c.muted } });
    lanes.forEach((lane, i) => {
      const counts = buffer.histAt(i, k, epoch);
      if (!counts) return;
      data.push({ type: "scatter", mode: "lines", x: ed, y: [...counts, counts[counts.length - 1]], xaxis: `x${id}`, yaxis: `y${id}`,
        line: { shape: "hv", color: lane.color, width: opts.projector ? 2.4 : 1.6 }, fill: "tozeroy",
        fillcolor: withAlpha(lane.color, lanes.length > 2 ? 0.08 : 0.14), name: lane.label,
        hovertemplate: `${lane.label}<br>w \u2265 %{x:.2f}: %{y}<extra></extra>` });
    });
  });
  if (!data.length) layout.annotations.push(emptyLayout(opts, t("mlp.empty")).annotations[0]);
  return { data, layout };
}
