import assert from "node:assert/strict";
import { test } from "node:test";

import { setLang } from "../../static/js/i18n.js";
import {
  bestColumns, boundaryFigure, dataAspect, gridTraces, panelRanges, pointTraces, smallMultiplesFigure,
} from "../../static/js/mlp/boundary_fig.js";
import { MlpBuffer } from "../../static/js/mlp/buffer.js";
import { classColor, classColorscale, classShade, layerColors, probColorscale } from "../../static/js/mlp/colormaps.js";
import {
  accFigure, decimate, logTicks, lossFigure, lossRange, lrFigure, stopMarks,
} from "../../static/js/mlp/curve_figs.js";
import { gradEpochsFigure, gradLayersFigure, histFigure, layerNames } from "../../static/js/mlp/layer_figs.js";
import result from "./fixtures/mlp_result.json" with { type: "json" };

const opts = { theme: "light", projector: false, scale: 1 };
const lanes = [{ label: "SGD", color: "#E69F00" }, { label: "Adam", color: "#56B4E9" }];
const finite = (a) => Array.from(a).filter((v) => Number.isFinite(v)).length;

test("a binary boundary panel: p(class 1) heatmap, the p = 0.5 contour, then train and validation points", () => {
  setLang("en");
  const b = MlpBuffer.fromResult(result);
  const fig = boundaryFigure(result.meta, b.gridAt(0, 10), "SGD", opts);
  const [heat, contour, ...points] = fig.data;
  assert.equal(heat.type, "heatmap");
  assert.deepEqual([heat.zmin, heat.zmax], [0, 1]);
  assert.equal(heat.z.length, result.meta.grid.y.length);
  assert.deepEqual([contour.contours.start, contour.contours.end], [0.5, 0.5]);
  const train = points.filter((p) => p.meta === "points-train");
  const val = points.filter((p) => p.meta === "points-val");
  assert.equal(train.reduce((n, p) => n + p.x.length, 0), result.meta.n_train);
  assert.equal(val.reduce((n, p) => n + p.x.length, 0), result.meta.n_val);
  assert.ok(val.every((p) => p.marker.symbol === "circle-open")); // validation hollow
  assert.deepEqual(fig.layout.xaxis.range, panelRanges(result.meta).x);
});

test("the dataset panel has only the points; the point traces are reused (same arrays)", () => {
  const fig = boundaryFigure(result.meta, null, "Data", opts);
  assert.ok(fig.data.every((d) => d.meta.startsWith("points")));
  assert.equal(pointTraces(result.meta, opts), pointTraces(result.meta, opts));
});

test("a multiclass grid becomes class + confidence shade on a banded colour scale", () => {
  const z = classShade([[0, 1], [2, 1]], [[1, 1 / 3], [0.5, 0.9]], 3);
  assert.ok(Math.abs(z[0][0] - 0.998) < 1e-9); // class 0, sure
  assert.equal(z[0][1], 1); // class 1, no better than chance
  assert.ok(z[1][0] > 2 && z[1][0] < 2.5);
  const { colorscale, zmin, zmax } = classColorscale(3);
  assert.deepEqual([zmin, zmax], [0, 3]);
  assert.equal(colorscale.length, 6);
  assert.ok(colorscale.every(([s], i) => i === 0 || s >= colorscale[i - 1][0]));
  const meta = { ...result.meta, task: "multiclass", n_classes: 3 };
  const [heat] = gridTraces(meta, { kind: "class", values: [[0, 1], [2, 1]], confidence: [[1, 1], [1, 1]] }, opts);
  assert.equal(heat.zsmooth, false);
});

test("regression: a 1-feature fit is a line over the points, a 2-feature one a heatmap", () => {
  const meta = { ...result.meta, task: "regression", feature_names: ["x1"], grid: { x: [0, 1, 2], y: null },
    points: { X_train: [[0], [1]], y_train: [0.5, 1], X_val: [[2]], y_val: [2] } };
  const fig = boundaryFigure(meta, { epoch: 3, kind: "value", values: [0, 1, 2] }, "Adam", opts, "#56B4E9");
  const line = fig.data.find((d) => d.mode === "lines");
  assert.deepEqual(line.y, [0, 1, 2]);
  assert.equal(line.line.color, "#56B4E9");
  assert.ok(panelRanges(meta).oneD);
  const [heat] = gridTraces({ ...result.meta, task: "regression" }, { kind: "value", values: [[1, 2], [3, 4]] }, opts);
  assert.equal(heat.type, "heatmap");
});

test("colour maps: class 0 blue and class 1 red at the ends of p(class 1), layers ramp", () => {
  const scale = probColorscale("light");
  assert.equal(scale[0][0], 0);
  assert.equal(scale[scale.length - 1][0], 1);
  assert.notEqual(classColor(0), classColor(1));
  assert.equal(layerColors(4).length, 4);
  assert.equal(new Set(layerColors(4)).size, 4);
});

test("small multiples: columns that make the panels largest", () => {
  assert.equal(bestColumns(4, 800, 800).cols, 2);
  assert.equal(bestColumns(4, 1600, 300).cols, 4);
  assert.equal(bestColumns(2, 300, 900).cols, 1);
  const b = bestColumns(4, 720, 760, 0.7);
  assert.ok(b.width <= 356 && b.height >= 200, JSON.stringify(b));
  assert.ok(dataAspect(result.meta) > 0.5 && dataAspect(result.meta) < 1.5);
});

test("the loss chart: faint minibatch traces, train solid and validation dashed per lane, stars at the best epochs", () => {
  setLang("en");
  const b = MlpBuffer.fromResult(result);
  const fig = lossFigure(b, lanes, opts, { logy: true });
  const batch = fig.data.filter((d) => d.meta === "batch");
  const train = fig.data.filter((d) => d.meta === "train");
  const val = fig.data.filter((d) => d.meta === "val");
  assert.equal(batch.length, 2);
  assert.equal(train.length, 2);
  assert.equal(val.length, 2);
  assert.ok(val.every((d) => d.line.dash === "dash"));
  assert.equal(finite(train[0].y), 22);
  assert.equal(finite(train[1].y), 6); // Adam stopped at epoch 5
  const best = fig.data.find((d) => d.meta === "best");
  assert.deepEqual(best.x, [18, 2]);
  assert.equal(fig.layout.yaxis.type, "log");
  assert.deepEqual(fig.layout.xaxis.range, [0, 30]);
  assert.equal(lossFigure(b, lanes, opts, { batches: false }).data.filter((d) => d.meta === "batch").length, 0);
});

test("early-stop marks: a dotted line per lane and a label, only up to the shown epoch", () => {
  setLang("en");
  const b = MlpBuffer.fromResult(result);
  const all = stopMarks(b, lanes, opts);
  assert.deepEqual(all.shapes.map((s) => s.x0), [21, 5]);
  assert.ok(all.annotations.some((a) => a.text.includes("stopped at epoch 5, best 2")));
  assert.equal(stopMarks(b, lanes, opts, 10).shapes.length, 1);
  assert.equal(stopMarks(b, lanes, opts, 4).shapes.length, 0);
  const summary = result.summary.map((x) => ({ ...x, stopped_epoch: 21, best_epoch: 18 }));
  const twins = stopMarks(MlpBuffer.fromResult({ ...result, summary, final: null }), lanes, opts);
  assert.equal(twins.shapes.length, 2);
  assert.equal(twins.annotations.length, 1); // lanes that stopped alike share one label
  assert.equal((twins.annotations[0].text.match(/■/g) ?? []).length, 2);
});

test("accuracy in percent for classification, a note for regression; the learning rate per iteration", () => {
  const b = MlpBuffer.fromResult(result);
  const acc = accFigure(b, lanes, opts);
  assert.equal(acc.data.length, 4);
  assert.ok(acc.data[0].y.some((v) => v > 50));
  const reg = MlpBuffer.fromResult({ ...result, meta: { ...result.meta, task: "regression" } });
  assert.equal(accFigure(reg, lanes, opts).data.length, 0);
  const lr = lrFigure(b, lanes, opts);
  assert.equal(lr.data.length, 2);
  assert.ok(lr.data[0].y.length >= b.itRows / 2);
});

test("per-layer charts: gradient norms across the layers, over the epochs, and weight histograms", () => {
  setLang("en");
  const b = MlpBuffer.fromResult(result);
  assert.deepEqual(layerNames(result.meta), ["1 · 2→8", "2 · 8→8", "3 · 8→2"]);
  const g = gradLayersFigure(b, lanes, 10, 0, opts);
  assert.equal(g.data.length, 2);
  assert.equal(g.data[0].y.length, 3);
  assert.ok(g.data[0].y.every((v) => v > 0));
  assert.equal(g.layout.yaxis.type, "log");
  const ge = gradEpochsFigure(b, 1, "Adam", opts);
  assert.equal(ge.data.length, 3);
  assert.equal(finite(ge.data[0].y), 5); // epochs 1–5: Adam stopped at 5
  const h = histFigure(b, lanes, 10, opts);
  assert.equal(h.data.length, 6); // 3 layers × 2 lanes
  assert.equal(h.data[0].x.length, result.meta.hist_edges[0].length);
  assert.ok(h.layout.xaxis3 && h.layout.yaxis3);
});

test("decimation keeps each bucket's extremes; log ticks and a loss range that survive a blow-up", () => {
  const x = Array.from({ length: 10000 }, (_, i) => i);
  const y = x.map((i) => (i === 5000 ? 100 : Math.sin(i)));
  const [dx, dy] = decimate(x, y, 1000);
  assert.ok(dx.length <= 1000);
  assert.ok(dy.includes(100));
  assert.deepEqual(decimate([1, 2], [3, 4], 10), [[1, 2], [3, 4]]);
  assert.deepEqual(logTicks([1e-4, 1]), { dtick: 1 });
  assert.deepEqual(logTicks([0.1, 0.5]).tickvals, [0.1, 0.2, 0.5]);
  const r = lossRange([[0.7, 0.3, 0.1], [0.7, 1e30, 1e20, 0.2]], true);
  assert.ok(r[1] < 2, r); // up to 10 × the larger of 0.7 and the last values, not 1e30
  assert.ok(r[0] < -1);
});

test("the boundary export: every panel in one figure, each plot area with the data's aspect, nothing stretched", () => {
  setLang("en");
  const b = MlpBuffer.fromResult(result);
  const panels = [{ g: null, title: "Data", color: null },
    ...lanes.map((l, i) => ({ g: b.gridAt(i, 10), title: l.label, color: l.color }))];
  const fig = smallMultiplesFigure(result.meta, panels, opts);
  const { width: W, height: H } = fig.layout;
  assert.ok(W >= 640 && H >= 200, `${W}×${H}`);
  const axes = ["", "2", "3"];
  const aspect = dataAspect(result.meta);
  for (const k of axes) {
    const x = fig.layout[`xaxis${k}`].domain;
    const y = fig.layout[`yaxis${k}`].domain;
    const ratio = ((y[1] - y[0]) * H) / ((x[1] - x[0]) * W);
    assert.ok(Math.abs(ratio / aspect - 1) < 0.01, `panel ${k || 1}: ${ratio} vs ${aspect}`);
    assert.ok(x[0] >= 0 && x[1] <= 1 && y[0] >= 0 && y[1] <= 1);
  }
  assert.equal(fig.layout.xaxis4, undefined);
  assert.equal(fig.data.filter((d) => d.type === "heatmap").length, 2); // one per optimizer
  assert.deepEqual(new Set(fig.data.map((d) => d.xaxis)), new Set(["x", "x2", "x3"]));
  assert.deepEqual(fig.layout.annotations.map((a) => a.text), ["Data", "SGD", "Adam"]);
});
