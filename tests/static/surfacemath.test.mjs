import assert from "node:assert/strict";
import { test } from "node:test";

import {
  arrowGeometry, clampToDomain, floorSeries, inDomain, logTicks, lossView, robustRange, screenDirection,
  transformGrid, viewSeries, zTransform,
} from "../../static/js/surfacemath.js";

test("the log colour transform is log10(z − zmin + 1e-9·range)", () => {
  const tr = zTransform(0, 1000, true);
  assert.equal(tr.f(0), Math.log10(1e-6));
  assert.ok(Math.abs(tr.f(1000) - 3) < 1e-9);
  assert.ok(Math.abs(tr.inv(tr.f(37)) - 37) < 1e-9);
  assert.equal(tr.f(null), null);
  const lin = zTransform(0, 10, false);
  assert.equal(lin.f(3), 3);
});

test("transformGrid keeps nulls and reports the range", () => {
  const g = transformGrid([[1, null], [100, 10]], zTransform(1, 100, true));
  assert.equal(g.z[0][1], null);
  assert.ok(g.max > g.min);
});

test("log colour-bar ticks are decades labelled in original units", () => {
  const tr = zTransform(0, 1000, true);
  const ticks = logTicks(tr, tr.f(0), tr.f(1000));
  assert.ok(ticks.tickvals.includes(3));
  assert.equal(ticks.ticktext[ticks.tickvals.indexOf(3)], "1000");
  const nearZero = zTransform(1e-4, 1000, true); // a minimum of ~0: the decades themselves
  const t2 = logTicks(nearZero, nearZero.f(1e-4), nearZero.f(1000));
  assert.ok(t2.tickvals.includes(-2));
  assert.equal(t2.ticktext[t2.tickvals.indexOf(-2)], "0.01");
  assert.equal(logTicks(zTransform(0, 1, false), 0, 1), null);
});

test("the loss chart plots the gap above the lowest minimum when losses go ≤ 0", () => {
  assert.deepEqual(lossView(null, 0.5, true), { mode: "log", offset: 0 });
  const info = { critical_points: [{ kind: "min", value: -78.3 }, { kind: "saddle", value: -50 }] };
  assert.deepEqual(lossView(info, -70, true), { mode: "gap", offset: -78.3 });
  assert.deepEqual(lossView({ critical_points: [] }, -3, false), { mode: "raw", offset: 0 });
  // unbounded below (only a saddle): no floor for a log axis
  assert.deepEqual(lossView({ critical_points: [{ kind: "saddle", value: 0 }] }, -3, true), { mode: "raw", offset: 0 });
  const out = viewSeries(Float64Array.of(-78.3, -70, NaN), { mode: "gap", offset: -78.3 });
  assert.equal(out[0], 1e-16);
  assert.ok(Math.abs(out[1] - 8.3) < 1e-9);
  assert.ok(Number.isNaN(out[2]));
  assert.deepEqual(Array.from(floorSeries(Float64Array.of(0, 2))), [1e-16, 2]);
});

test("arrows: a shaft and a three-point head, none for a zero-length arrow", () => {
  const a = arrowGeometry(0, 0, 100, 0, 10);
  assert.deepEqual(a.head[0], [100, 0]);
  assert.equal(a.head.length, 3);
  assert.ok(a.shaft[1][0] < 100);
  assert.equal(arrowGeometry(5, 5, 5, 5), null);
});

test("screenDirection scales a vector to a pixel length and can flip it", () => {
  const d = screenDirection([3, 4], 10, true);
  assert.ok(Math.abs(d[0] + 6) < 1e-12 && Math.abs(d[1] + 8) < 1e-12);
  assert.equal(screenDirection([0, 0], 10), null);
  assert.equal(screenDirection([1e-14, 0], 10), null); // converged: no direction to show
  assert.equal(screenDirection(null, 10), null);
});

test("diverged positions are clamped into the domain", () => {
  const dom = [[-5, 5], [-2, 2]];
  assert.deepEqual(clampToDomain([1e6, -1e6], dom), [5, -2]);
  assert.deepEqual(clampToDomain([NaN, 1], dom), [0, 1]);
  assert.equal(inDomain([0, 0], dom), true);
  assert.equal(inDomain([0, 3], dom), false);
});

test("a diverging lane does not squash a linear chart", () => {
  const calm = [10, 5, 1, 0.5];
  const blown = [10, 100, 1e6, 5e19];
  const r = robustRange([calm, blown]);
  assert.ok(r[1] < 120 && r[1] >= 100, String(r));
  const down = robustRange([[2.25, 2, 1], [2.25, -1e5, -6e11]]); // unbounded below (a saddle)
  assert.ok(down[0] > -30 && down[0] < -20 && down[1] < 4, String(down));
  assert.equal(robustRange([calm, [8, 4, 2, 1]]), null);
  assert.equal(robustRange([[NaN, NaN]]), null);
});

test("critical-point labels thin out on a small plot, lowest values kept", async () => {
  const { spacedLabels } = await import("../../static/js/surface_fig.js");
  const pts = [{ xy: [0, 0], value: 0 }, { xy: [1, 0], value: 1 }, { xy: [-1, 0], value: 1 }, { xy: [0, 4], value: 16 }];
  const domain = [[-5, 5], [-5, 5]];
  assert.equal(spacedLabels(pts, domain, 0, 12).length, 4); // size unknown: all
  assert.equal(spacedLabels(pts, domain, 1200, 12).length, 4); // 120 px apart: all fit
  const phone = spacedLabels(pts, domain, 210, 12); // 21 px apart: neighbours collide
  assert.deepEqual(phone.map((p) => p.value), [0, 16]);
});
