// The MLP tab's views, built on first use (the settings column and strip, the boundary
// panels, counters, legend, the six charts), wired to the controller; and its exports: PNG
// or SVG of a chart or a boundary panel, and a standalone HTML page of the whole view (the
// CSV/JSON links point at the service: ../export.js setExportLinks).

import { t } from "../../i18n.js";
import { $, h } from "../dom.js";
import { exportHtml, exportImage } from "../export.js";
import { setControlsOpen } from "../toolbar.js";
import { BoundaryPanels } from "./boundaries.js";
import { MlpCharts } from "./charts.js";
import { MlpControls } from "./controls.js";
import { Counters, MlpLegend } from "./panels.js";

/** Create the views (on the controller: controls, boundaries, counters, legend, charts). */
export function buildMlpViews(ctrl) {
  const app = ctrl.app;
  ctrl.controls = new MlpControls($("#mlp-controls"), $("#mlp-strip"), { cat: ctrl.cat,
    change: (fn, o) => ctrl.change(fn, o), select: (i) => ctrl.selectLane(i), openSettings: () => setControlsOpen(true) });
  ctrl.boundaries = new BoundaryPanels($("#mlp-boundaries"), { onResize: () => { ctrl.needsDraw = true; } });
  ctrl.counters = new Counters($("#mlp-counters"));
  ctrl.legend = new MlpLegend($("#mlp-legend"), { onSelect: (i) => ctrl.selectLane(i) });
  ctrl.charts = new MlpCharts($("#mlp-charts"), {
    figure: (id) => ctrl.figure(id),
    onExport: (id, format) => exportMlpChart(ctrl, id, format),
    onSeek: (e) => ctrl.seek(e),
    tools: (id) => (id === "loss" ? lossTools(ctrl) : []),
    onDrawn: () => { ctrl.needsDraw = true; },
  });
  $("[data-testid=export-png-boundaries]").addEventListener("click", () => ctrl.boundaries.panels[1] && exportMlpChart(ctrl, "boundary", "png"));
  $("[data-testid=export-svg-boundaries]").addEventListener("click", () => ctrl.boundaries.panels[1] && exportMlpChart(ctrl, "boundary", "svg"));
  $("#mlp-export-html").addEventListener("click", () => exportMlpPage(ctrl));
  for (const id of ["#mlp-export-csv", "#mlp-export-json"]) {
    $(id).addEventListener("click", (ev) => {
      if ($(id).getAttribute("aria-disabled") === "true") {
        ev.preventDefault();
        app.status.show("error", { message: t("mlp.needsRun") });
      }
    });
  }
}

/** The loss chart's switches: the minibatch loss trace and the log scale. */
function lossTools(ctrl) {
  const logBox = h("input", { type: "checkbox", id: "mlp-logy", checked: ctrl.app.state.logy, dataset: { testid: "mlp-logy" },
    onchange: () => ctrl.app.setView({ logy: logBox.checked }) });
  const batchBox = h("input", { type: "checkbox", id: "mlp-batches", checked: ctrl.batches, dataset: { testid: "mlp-batches" },
    onchange: () => { ctrl.batches = batchBox.checked; ctrl.charts.chart("loss").dirty = true; ctrl.needsDraw = true; } });
  ctrl.logBox = logBox;
  return [h("span", { class: "logy" }, batchBox, h("label", { for: "mlp-batches", dataset: { i18n: "mlp.batches" } }, t("mlp.batches"))),
    h("span", { class: "logy" }, logBox, h("label", { for: "mlp-logy", dataset: { i18n: "chart.logy" } }, t("chart.logy")))];
}

const CHART_IDS = ["loss", "acc", "gradLayers", "gradEpochs", "hist", "lr"];

/**
 * Download chart `id` as png or svg; "boundary": every decision-boundary panel (the data and
 * each optimizer at the shown epoch) as small multiples, each with the data's aspect.
 */
export function exportMlpChart(ctrl, id, format) {
  if (id === "boundary") {
    const fig = ctrl.boundaries.smallMultiples();
    const { width, height } = fig.layout; // its own size: exportImage's minimum would stretch it
    return window.Plotly.downloadImage(fig, { format, filename: "descentlab-boundaries", width, height,
      scale: format === "png" ? 2 : 1 });
  }
  const fig = ctrl.figure(id);
  fig.layout = { ...fig.layout, showlegend: !["hist", "gradEpochs"].includes(id), legend: { orientation: "h", y: -0.25 },
    title: { text: t(`mlp.chart.${id}`), x: 0.02 }, margin: { ...fig.layout.margin, t: Math.max(40, fig.layout.margin?.t ?? 0) + 24 } };
  return exportImage(fig, format, `descentlab-mlp-${id}`, $(`[data-testid=mlp-${id}-plot]`));
}

/** The standalone page: boundary panels, the six charts, their summaries and the table. */
export async function exportMlpPage(ctrl) {
  const app = ctrl.app;
  if (!ctrl.buffer) {
    app.status.show("error", { message: t("mlp.needsRun") });
    return;
  }
  $("#status").textContent = t("export.building");
  const figures = ctrl.boundaries.figures();
  const summaries = {};
  for (const f of figures) summaries[f.id] = "";
  if (figures.length) summaries[figures[0].id] = $("#sum-mlp-boundaries").textContent;
  for (const id of CHART_IDS) {
    const figure = ctrl.figure(id);
    figure.layout = { ...figure.layout, showlegend: false };
    figures.push({ id, title: t(`mlp.chart.${id}`), figure });
    summaries[id] = $(`#sum-mlp-${id}`)?.textContent ?? "";
  }
  try {
    await exportHtml({ lang: app.state.lang, title: `${t("mlp.export.heading")} \u00b7 ${$("#mlp-title").textContent}`,
      url: app.url(), figures, tableHtml: $("#mlp-table").innerHTML, summaries, dark: app.state.theme === "dark",
      filename: "descentlab-mlp.html" });
    $("#status").textContent = "";
  } catch (e) {
    app.status.show("error", { message: e.message });
  }
}
