import assert from "node:assert/strict";
import { test } from "node:test";

import {
  bestCell, buildAxes, cellCount, cellPoints, cellValue, curveSeries, defaultView, expandAxes, expandAxis,
  heatGrid, LR_PATH, logRange, mergeCells, OPT_PATH, parseList, pendingCells, quantile, summarize, sweepBase,
  sweepBody,
} from "../../static/js/sweep/logic.js";
import { curvesFigure, edgeScale, heatFigure, lrFinderFigure } from "../../static/js/sweep/figs.js";

const close = (a, b, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} != ${b}`);

test("log and linear ranges hit both ends and space evenly", () => {
  const v = logRange(1e-3, 1, 4);
  assert.equal(v.length, 4);
  assert.equal(v[0], 1e-3);
  assert.equal(v[3], 1);
  close(v[1], 1e-2);
  close(v[2], 1e-1);
  assert.deepEqual(logRange(0.5, 2, 1), [0.5]);
  assert.deepEqual(expandAxis({ range: [0, 1, 5] }), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(expandAxis(["sgd", "adam"]), ["sgd", "adam"]);
  assert.deepEqual(expandAxis(null), []);
});

test("cells are the cartesian product with the last axis fastest", () => {
  const axes = { a: ["x", "y"], b: { range: [0, 1, 3] } };
  assert.equal(cellCount(axes), 6);
  const pts = cellPoints(axes);
  assert.deepEqual(pts.slice(0, 4), [{ a: "x", b: 0 }, { a: "x", b: 0.5 }, { a: "x", b: 1 }, { a: "y", b: 0 }]);
  assert.equal(pendingCells(axes).length, 6);
  assert.equal(pendingCells(axes)[5].index, 5);
  assert.deepEqual(expandAxes(axes).b, [0, 0.5, 1]);
});

test("the form's axes: optimizer, lr as a log range, seeds 0..n-1, in that order", () => {
  const { axes, errors } = buildAxes({ optimizers: ["sgd", "adam"], lr: { lo: 1e-3, hi: 1, n: 8 }, seeds: 3 });
  assert.deepEqual(errors, []);
  assert.deepEqual(Object.keys(axes), [OPT_PATH, LR_PATH, "seed"]);
  assert.deepEqual(axes[LR_PATH], { log_range: [1e-3, 1, 8] });
  assert.deepEqual(axes.seed, [0, 1, 2]);
  assert.equal(cellCount(axes), 48);
  // one optimizer and one seed are no axes; an extra axis sits before the rate
  const one = buildAxes({ optimizers: ["adam"], lr: { lo: 0.01, hi: 0.1, n: 3 }, seeds: 1,
    extra: { path: "optimizers.0.params.momentum", values: "0, 0.9" } });
  assert.deepEqual(Object.keys(one.axes), ["optimizers.0.params.momentum", LR_PATH]);
  assert.deepEqual(one.axes["optimizers.0.params.momentum"], [0, 0.9]);
});

test("the form's mistakes are named", () => {
  const keys = (f) => buildAxes(f).errors.map((e) => e.field);
  assert.deepEqual(keys({ optimizers: [], lr: { lo: 1, hi: 0.1, n: 3 }, seeds: 0 }), ["optimizers", "lr", "seeds"]);
  assert.deepEqual(keys({ optimizers: ["sgd"], lr: { lo: 0.1, hi: 1, n: 0 }, seeds: 1 }), ["lrN"]);
  assert.deepEqual(keys({ optimizers: ["sgd"], lr: { lo: 0.1, hi: 1, n: 3 }, seeds: 1, extra: { path: "x", values: "1, a" } }), ["extra"]);
  assert.deepEqual(keys({ optimizers: ["sgd", "adam"], lr: { lo: 0.1, hi: 1, n: 200 }, seeds: 100 }), ["axes"]);
  assert.deepEqual(parseList("1e-3, 0.1 ;2"), [1e-3, 0.1, 2]);
});

test("the base keeps one lane and one start, and a race gets the noise", () => {
  const run = { kind: "surface", surface: { name: "rosenbrock" }, steps: 200, seed: 4,
    optimizers: [{ name: "sgd", params: { lr: 0.01, momentum: 0.9 }, schedule: null, clip_norm: null }, { name: "adam", params: { lr: 0.1 } }],
    starts: [[1, 2], [3, 4]], noise: { sigma: 0 } };
  const b = sweepBase(run, { optimizers: ["sgd", "adam"], sigma: 0.5 });
  assert.equal(b.optimizers.length, 1);
  assert.deepEqual(b.optimizers[0].params, { lr: 0.01 }); // momentum dropped: adam would refuse it
  assert.deepEqual(b.starts, [[1, 2]]);
  assert.deepEqual(b.noise, { sigma: 0.5 });
  assert.equal(run.optimizers.length, 2); // not changed in place
  const same = sweepBase(run, { optimizers: ["sgd"] });
  assert.deepEqual(same.optimizers[0].params, { lr: 0.01, momentum: 0.9 });
  const mlp = sweepBase({ kind: "mlp", optimizers: [{ name: "adam", params: { lr: 0.01 } }, { name: "sgd", params: {} }] }, { optimizers: ["adam"] });
  assert.equal(mlp.optimizers.length, 1);
  assert.equal(mlp.starts, undefined);
  assert.deepEqual(sweepBody({ base: b, axes: {}, name: "x".repeat(100) }).name.length, 80);
});

test("quantiles interpolate as NumPy and treat +inf as the largest value", () => {
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantile([1, 2, 3, 4], 0.25), 1.75);
  assert.equal(quantile([1, 2, Infinity], 0.5), 2);
  assert.equal(quantile([1, Infinity, Infinity], 0.5), Infinity);
  assert.equal(quantile([1, 2, Infinity], 0.75), Infinity);
  assert.equal(quantile([1, 2, 3, Infinity], 0.5), 2.5);
  assert.equal(quantile([], 0.5), null);
  const s = summarize([3, null, Infinity, 1]);
  assert.equal(s.n, 3);
  assert.equal(s.diverged, 1);
  assert.equal(s.median, 3);
});

test("a diverged cell counts as +inf for a loss and -inf for accuracy; pending is null", () => {
  assert.equal(cellValue({ status: "done", value: 0.2, diverged: false }), 0.2);
  assert.equal(cellValue({ status: "done", value: 0.2, diverged: true }), Infinity);
  assert.equal(cellValue({ status: "done", value: null, diverged: false }), Infinity);
  assert.equal(cellValue({ status: "done", value: 0.9, diverged: true }, "final_val_acc"), -Infinity);
  assert.equal(cellValue({ status: "pending", value: null }), null);
  assert.equal(cellValue({ status: "failed", value: null }), null);
});

function sweepDoc() {
  const axes = { [OPT_PATH]: ["sgd", "adam"], [LR_PATH]: [0.01, 0.1, 1], seed: [0, 1, 2] };
  const cells = pendingCells(axes).map((c) => {
    const p = c.point;
    const lr = p[LR_PATH];
    const diverged = p[OPT_PATH] === "sgd" && lr === 1 && p.seed > 0; // 2 of 3 seeds diverge
    return { ...c, status: "done", diverged, value: diverged ? null : lr * (p[OPT_PATH] === "sgd" ? 1 : 2) + p.seed };
  });
  return { axes, cells };
}

test("curves: one series per optimizer, a point per rate, median and quartiles over seeds", () => {
  const { axes, cells } = sweepDoc();
  const series = curveSeries(axes, cells, { x: LR_PATH, color: OPT_PATH });
  assert.deepEqual(series.map((s) => s.key), ["sgd", "adam"]);
  const sgd = series[0].points;
  assert.deepEqual(sgd.map((p) => p.x), [0.01, 0.1, 1]);
  close(sgd[0].median, 1.01);
  close(sgd[0].q25, 0.51);
  close(sgd[0].q75, 1.51);
  assert.equal(sgd[2].median, Infinity); // 2 of 3 diverged
  assert.equal(sgd[2].diverged, 2);
  close(series[1].points[2].median, 3);
  // no colour axis: one series over optimizers and seeds
  const one = curveSeries(axes, cells, { x: LR_PATH });
  assert.equal(one.length, 1);
  assert.equal(one[0].points[0].n, 6);
  // partial results: pending cells are counted, not summarized
  const partial = mergeCells(pendingCells(axes), [cells[0]]);
  const ps = curveSeries(axes, partial, { x: LR_PATH, color: OPT_PATH });
  assert.equal(ps[0].points[0].n, 1);
  assert.equal(ps[0].points[0].pending, 2);
  assert.equal(ps[0].points[1].median, null);
  assert.equal(bestCell(cells).point[OPT_PATH], "sgd");
});

test("the heat map takes the median over the other axes and marks diverged cells", () => {
  const { axes, cells } = sweepDoc();
  const g = heatGrid(axes, cells, { x: LR_PATH, y: "seed" });
  assert.equal(g.z.length, 3);
  assert.equal(g.z[0].length, 3);
  close(g.z[0][0], (0.01 + 0.02) / 2);
  // lr 1, seed 1: sgd diverged, adam 3 → median of [3, inf] = inf
  assert.equal(g.z[1][2], null);
  assert.equal(g.worst[1][2], true);
  assert.equal(g.worst[0][2], false);
});

test("the default view: x the rate, colour the optimizer, heat map y the other numeric axis", () => {
  const axes = { [OPT_PATH]: ["sgd", "adam"], "optimizers.0.params.momentum": [0, 0.9], [LR_PATH]: [0.1, 1], seed: [0, 1] };
  assert.deepEqual(defaultView(axes), { x: LR_PATH, color: OPT_PATH, y: "optimizers.0.params.momentum", chart: "curves" });
  assert.deepEqual(defaultView(axes, { chart: "heatmap", y: "seed" }).y, "seed");
  assert.equal(defaultView({ [LR_PATH]: [0.1, 1] }, { chart: "heatmap" }).chart, "curves"); // no second axis
  assert.equal(defaultView({ [LR_PATH]: [0.1, 1], seed: [0, 1] }).y, "seed");
  assert.equal(defaultView({ [OPT_PATH]: ["sgd", "adam"], [LR_PATH]: [0.1, 1], seed: [0, 1] }).y, OPT_PATH);
});

test("the curves figure: bands, medians, and a ✕ at the top edge for an infinite median", () => {
  const { axes, cells } = sweepDoc();
  const series = curveSeries(axes, cells, { x: LR_PATH, color: OPT_PATH });
  for (const logy of [false, true]) {
    const fig = curvesFigure(series, { theme: "light", projector: false, logx: true, logy, xLabel: "lr", yLabel: "loss",
      series: [{ name: "SGD", color: "#E69F00" }, { name: "Adam", color: "#56B4E9" }] });
    const lines = fig.data.filter((d) => d.mode === "lines+markers");
    assert.equal(lines.length, 2);
    assert.equal(lines[0].y[2], null);
    const marks = fig.data.filter((d) => d.marker?.symbol === "x-thin");
    assert.equal(marks.length, 1);
    assert.deepEqual(marks[0].x, [1]);
    const [lo, hi] = fig.layout.yaxis.range;
    const at = logy ? Math.log10(marks[0].y[0]) : marks[0].y[0];
    assert.ok(at > lo && at < hi, "the ✕ is inside the chart");
    const top = Math.max(...lines.flatMap((l) => l.y.filter((v) => v !== null)).map((v) => (logy ? Math.log10(v) : v)));
    assert.ok(at > top, "the ✕ is above every finite median");
    assert.equal(fig.layout.xaxis.type, "log");
    const bands = fig.data.filter((d) => d.fill === "toself");
    assert.ok(bands.length >= 2);
    assert.ok(bands.every((b) => b.y.every(Number.isFinite)));
  }
  const e = edgeScale([1, 1], { logy: false });
  assert.ok(e.range[1] > e.range[0]);
});

test("the heat map figure and the range test figure", () => {
  const { axes, cells } = sweepDoc();
  const fig = heatFigure(heatGrid(axes, cells, { x: LR_PATH, y: "seed" }), { theme: "dark", projector: true, scale: 1, xLabel: "lr", yLabel: "seed", zLabel: "loss", logy: true });
  assert.equal(fig.data[0].type, "heatmap");
  assert.equal(fig.data[0].z.length, 3);
  assert.ok(fig.data.some((d) => d.mode === "text" && d.text.includes("\u2715")));
  // a categorical y (the optimizers), named by the caller
  const byOpt = heatFigure(heatGrid(axes, cells, { x: LR_PATH, y: OPT_PATH }), { theme: "light", xLabel: "lr", yLabel: "opt", zLabel: "loss",
    valueName: (v) => v.toUpperCase() });
  assert.deepEqual(byOpt.data[0].y, ["SGD", "ADAM"]);
  assert.deepEqual(byOpt.data[0].x, ["0.01", "0.1", "1"]);
  const doc = { lrs: [1e-4, 1e-3, 1e-2, 1e-1, 1], losses: [1, 0.9, 0.5, 0.7, null], smoothed: [1, 0.95, 0.8, 0.78, 2], suggested_lr: 1e-2 };
  const lf = lrFinderFigure(doc, { theme: "light", projector: false, texts: { suggested: "suggested" } });
  assert.equal(lf.layout.xaxis.type, "log");
  assert.equal(lf.data[0].y[4], null);
  assert.equal(lf.layout.shapes[0].x0, 1e-2);
  assert.match(lf.layout.annotations[0].text, /suggested 0\.01/);
  const none = lrFinderFigure({ ...doc, suggested_lr: null }, { theme: "light" });
  assert.equal(none.layout.shapes.length, 0);
});
