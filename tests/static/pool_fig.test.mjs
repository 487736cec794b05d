import assert from "node:assert/strict";
import { test } from "node:test";

import { setLang } from "../../static/js/i18n.js";
import { binCentres, binMatrix, heatSquares, LEVELS, levelAlpha, meanTrace, poolTotal, poolTraces, validPool } from "../../static/js/session/pool_fig.js";

setLang("en");

const pool = {
  round: 1, count: 3, grid: { n: 4, domain: [[-2, 2], [0, 8]] },
  lanes: [
    { count: 3, mean: [0.5, 1], bins: [[0, 0, 2], [3, 1, 1]] },
    { count: 0, mean: null, bins: [] },
    { count: 1, mean: [-1, 7], bins: [[1, 3, 1]] },
  ],
};
const lanes = [{ color: "#E69F00", label: "SGD" }, { color: "#56B4E9", label: "Adam" }, { color: "#009E73", label: "RMSprop" }];

test("bin centres split the range into equal bins", () => {
  assert.deepEqual(binCentres(4, [-2, 2]), [-1.5, -0.5, 0.5, 1.5]);
  assert.deepEqual(binCentres(2, [0, 8]), [2, 6]);
});

test("bins become a matrix indexed [y][x], empty cells null, bad bins skipped", () => {
  const z = binMatrix(3, [[0, 2, 5], [2, 0, 1], [3, 0, 9], [-1, 0, 1], [1, 1, 0], [1, 1, NaN], [0.5, 1, 2], "x"]);
  assert.deepEqual(z, [[null, null, 1], [null, null, null], [5, null, null]]);
  const into = binMatrix(3, [[2, 0, 2]], z);
  assert.equal(into[0][2], 3);
});

test("one heat map per guessed lane in its colour (filled cells, shaded by count), then the means", () => {
  const tr = poolTraces(pool, lanes, {});
  const heat = tr.filter((x) => x.meta === "pool");
  const m = tr.at(-1);
  assert.equal(m.meta, "pool-mean");
  assert.ok(tr.every((x) => x.type === "scatter"), "heatmap traces would be drawn under the contour");
  // lane 0: a 2 (full shade) and a 1 (shade ceil(5 · 1/2) = 3); lane 2: one cell; lane 1: nothing
  assert.deepEqual(heat.map((x) => x.name), ["SGD", "SGD", "RMSprop"]);
  const [one, two] = heat;
  assert.equal(one.fill, "toself");
  assert.equal(one.fillcolor, `rgba(230, 159, 0, ${levelAlpha(3)})`);
  assert.equal(two.fillcolor, `rgba(230, 159, 0, ${levelAlpha(LEVELS)})`);
  // bin (3, 1) of a 4×4 grid over [-2, 2] × [0, 8]: x 1..2, y 2..4, a closed square then a gap
  assert.deepEqual(one.x, [1, 2, 2, 1, 1, null]);
  assert.deepEqual(one.y, [2, 2, 4, 4, 2, null]);
  assert.deepEqual(two.x, [-2, -1, -1, -2, -2, null]);
  assert.match(two.text, /2\u20132|2–2/);
  assert.deepEqual(heat.map((x) => x.uid), ["pool-0-3", "pool-0-5", "pool-2-5"]); // no spaces: Plotly's CSS classes
  assert.equal(heat[2].fillcolor, `rgba(0, 158, 115, ${levelAlpha(LEVELS)})`);
  assert.deepEqual(m.x, [0.5, -1]);
  assert.deepEqual(m.marker.color, ["#E69F00", "#009E73"]);
});

test("cells of one shade share one trace, each square its own closed path", () => {
  const tr = heatSquares([[0, 0, 4], [1, 1, 4], [2, 2, 1]], { n: 4, domain: [[0, 4], [0, 4]] }, "#000000", "x");
  assert.equal(tr.length, 2);
  assert.equal(tr[0].x.length, 6);
  assert.equal(tr[1].x.length, 12);
  assert.ok(levelAlpha(1) < levelAlpha(LEVELS) && levelAlpha(LEVELS) <= 1);
});

test("summed mode draws one heat map over every lane", () => {
  const tr = poolTraces({ ...pool, lanes: [pool.lanes[0], { count: 1, mean: null, bins: [[0, 0, 1]] }] }, lanes, { mode: "sum" });
  const heat = tr.filter((x) => x.meta === "pool");
  assert.equal(heat.length, 2); // the summed 3 at (0, 0) and the 1 at (3, 1)
  assert.equal(heat.at(-1).x[0], -2);
  assert.match(heat.at(-1).text, /3/);
});

test("nothing to draw: no traces", () => {
  assert.deepEqual(poolTraces(null, lanes), []);
  assert.deepEqual(poolTraces({ grid: { n: 0, domain: [[0, 1], [0, 1]] }, lanes: [] }, lanes), []);
  assert.deepEqual(poolTraces({ grid: { n: 4, domain: [[0, 1], [0, 1]] }, lanes: [{ count: 0, mean: null, bins: [] }] }, lanes), []);
  assert.equal(meanTrace({ lanes: [{ mean: [NaN, 1] }] }, lanes), null);
  assert.equal(validPool({ grid: { n: 4, domain: [[0, 1]] }, lanes: [] }), false);
});

test("projector mode makes the mean markers bigger; missing lane colours fall back", () => {
  const small = meanTrace(pool, [], {});
  const big = meanTrace(pool, [], { projector: true, scale: 1.25 });
  assert.ok(big.marker.size > small.marker.size);
  assert.deepEqual(small.text, ["1", "3"]);
  assert.equal(poolTraces(pool, [], {}).length, 4); // 3 shades of cells + the means
});

test("the pool's total counts every bin", () => {
  assert.equal(poolTotal(pool), 4);
  assert.equal(poolTotal(null), 0);
});
