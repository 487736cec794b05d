import assert from "node:assert/strict";
import { test } from "node:test";

import { rateRange } from "../../static/js/chart_fig.js";
import { finite, fmt, fmtDuration, fmtXY, norm2, plain } from "../../static/js/format.js";

test("fmt keeps three significant digits with a real minus sign", () => {
  assert.equal(fmt(3.14159), "3.14");
  assert.equal(fmt(-2.5), "\u22122.5");
  assert.equal(fmt(100), "100");
  assert.equal(fmt(0), "0");
});

test("fmt switches to exponents for tiny and huge magnitudes", () => {
  assert.equal(fmt(1.2345e-20), "1.23e\u221220");
  assert.equal(fmt(0.0005), "5e\u22124");
  assert.equal(fmt(123456), "1.23e5");
});

test("fmt shows a dash for missing or non-finite values", () => {
  for (const v of [null, undefined, NaN, Infinity, "3"]) assert.equal(fmt(v), "\u2014");
});

test("fmtXY formats a point", () => {
  assert.equal(fmtXY([0.0867, 2.884]), "(0.0867, 2.88)");
  assert.equal(fmtXY(null), "\u2014");
});

test("plain gives round-trip text for inputs and URLs", () => {
  assert.equal(plain(0.1 + 0.2), "0.3");
  assert.equal(plain(1e-6), "0.000001");
  assert.equal(plain(NaN), "");
});

test("finite, norm2, speed and duration helpers", () => {
  assert.equal(finite(Infinity), null);
  assert.equal(norm2([3, 4]), 5);
  assert.equal(norm2([3, null]), null);
  assert.equal(fmtDuration(0.085), "85 ms");
  assert.equal(fmtDuration(2.5), "2.5 s");
});

test("the learning-rate chart starts at 0 and ends just above the largest rate", () => {
  assert.deepEqual(rateRange([[0.01, 0.01], [0.005, NaN]]), [0, 0.01 * 1.15]);
  assert.equal(rateRange([[NaN], []]), null);
});
