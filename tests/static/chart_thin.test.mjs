import assert from "node:assert/strict";
import { test } from "node:test";

import { thin } from "../../static/js/chart_fig.js";

test("a short series is drawn whole", () => {
  const x = [0, 1, 2];
  const y = [3, 2, 1];
  assert.deepEqual(thin(x, y, 400), [x, y]);
});

test("a long series keeps its ends, its extremes and its order, in about `most` points", () => {
  const n = 2001;
  const x = Array.from({ length: n }, (_, i) => i);
  const y = x.map((i) => Math.exp(-i / 300) + (i === 777 ? 5 : 0) - (i === 1500 ? 2 : 0));
  const [xs, ys] = thin(x, y, 400);
  assert.ok(xs.length <= 404 && xs.length >= 200, `${xs.length} points`);
  assert.equal(xs[0], 0);
  assert.equal(xs.at(-1), n - 1);
  assert.equal(ys.at(-1), y[n - 1]);
  assert.ok(xs.includes(777) && xs.includes(1500), "the spike and the dip survive");
  for (let i = 1; i < xs.length; i++) assert.ok(xs[i] > xs[i - 1], "steps in order");
  xs.forEach((s, i) => assert.equal(ys[i], y[s]), "values are the series' own");
});

test("a stretch with no finite value stays a gap", () => {
  const n = 1000;
  const x = Array.from({ length: n }, (_, i) => i);
  const y = x.map((i) => (i >= 400 && i < 600 ? null : i === 700 ? Infinity : 1));
  const [xs, ys] = thin(x, y, 100);
  const gaps = xs.filter((s, i) => ys[i] === null);
  assert.ok(gaps.length > 0 && gaps.every((s) => (s >= 400 && s < 600) || (s >= 690 && s < 710)));
  assert.ok(!ys.some((v) => v === Infinity));
});
