import assert from "node:assert/strict";
import { test } from "node:test";

import { RunBuffer } from "../../static/js/buffer.js";
import { setLang } from "../../static/js/i18n.js";
import { indexCatalog, makeLane } from "../../static/js/state.js";
import {
  distinctLabels, laneLabel, lrSummary, metricSummary, momentUsed, outcome, surfaceSummary, tableRows,
} from "../../static/js/summaries.js";
import catalog from "./fixtures/catalog.json" with { type: "json" };

const cat = indexCatalog(catalog);

test("lane labels name momentum SGD as Momentum and show the learning rate", () => {
  setLang("en");
  assert.equal(laneLabel(cat, makeLane(cat, "sgd", { lr: 0.005 })), "SGD · lr 0.005");
  assert.equal(laneLabel(cat, makeLane(cat, "sgd", { lr: 0.005, momentum: 0.9 })), "Momentum 0.9 · lr 0.005");
  assert.equal(laneLabel(cat, makeLane(cat, "adam", { lr: 0.1 }, { name: "cosine", params: {} }), { start: 1, nStarts: 2 }),
    "Adam · lr 0.1 · cosine · #2");
  setLang("ko");
  assert.equal(laneLabel(cat, makeLane(cat, "sgd", { lr: 0.01, momentum: 0.5 })), "모멘텀 0.5 · lr 0.01");
  setLang("en");
});

test("lane labels tell every lane of a race apart (AMSGrad, centered, schedules, clipping)", () => {
  setLang("en");
  const adam = makeLane(cat, "adam", { lr: 0.05, betas: [0.9, 0.99] });
  const ams = makeLane(cat, "adam", { lr: 0.05, betas: [0.9, 0.99], amsgrad: true });
  assert.deepEqual(distinctLabels(cat, [adam, ams]), ["Adam · lr 0.05", "Adam · AMSGrad · lr 0.05"]);
  const rms = makeLane(cat, "rmsprop", { lr: 0.01 });
  const centered = makeLane(cat, "rmsprop", { lr: 0.01, centered: true });
  const [a, b] = distinctLabels(cat, [rms, centered]);
  assert.notEqual(a, b);
  assert.match(b, /Centered/);
  // same name, rate and schedule but different schedule parameters: the difference is named
  const c1 = makeLane(cat, "adam", { lr: 0.1 }, { name: "cosine", params: { T_max: 100 } });
  const c2 = makeLane(cat, "adam", { lr: 0.1 }, { name: "cosine", params: { T_max: 300 } });
  const [l1, l2] = distinctLabels(cat, [c1, c2]);
  assert.match(l1, /T_max 100/);
  assert.match(l2, /T_max 300/);
  const e1 = makeLane(cat, "adam", { lr: 0.1, eps: 1e-8 });
  const e2 = makeLane(cat, "adam", { lr: 0.1, eps: 1e-3 });
  assert.equal(new Set(distinctLabels(cat, [e1, e2])).size, 2);
  // the very same lane twice is numbered rather than shown as one
  assert.deepEqual(distinctLabels(cat, [adam, adam]), ["Adam · lr 0.05 (1)", "Adam · lr 0.05 (2)"]);
  // a lone lane keeps its short label
  assert.deepEqual(distinctLabels(cat, [ams]), ["Adam · AMSGrad · lr 0.05"]);
});

const converged = { lane: 0, start: 0, final_loss: 0.003, final_xy: [3, 2], converged_at: 140, diverged_at: null,
  nearest: { kind: "min", xy: [3, 2], value: 0, distance: 0.001 } };
const atSaddle = { lane: 1, start: 0, final_loss: 67.7, final_xy: [0.0867, 2.884], converged_at: null, diverged_at: null,
  nearest: { kind: "saddle", xy: [0.0867, 2.884], value: 67.7, distance: 0.001 } };
const diverged = { lane: 2, start: 0, final_loss: null, final_xy: null, converged_at: null, diverged_at: 12, nearest: null };

test("the surface summary says who reached what, who stopped at a saddle, who diverged", () => {
  setLang("en");
  const text = surfaceSummary([converged, atSaddle, diverged], ["Adam", "SGD", "Adagrad"]);
  assert.equal(text, "Adam reached f = 0.003 at step 140; SGD stopped at the saddle point near (0.087, 2.9); Adagrad diverged at step 12.");
  setLang("ko");
  assert.match(outcome(atSaddle, "SGD"), /안장점/);
  setLang("en");
});

test("table rows are formatted per lane", () => {
  setLang("en");
  const rows = tableRows([converged, diverged], ["Adam", "SGD", "Adagrad"], { starts: [[0.5, 4.5]], lanes: [{ color: "#E69F00" }, {}, {}] });
  assert.equal(rows[0].final, "0.003");
  assert.equal(rows[0].converged, "140");
  assert.equal(rows[0].diverged, "no");
  assert.equal(rows[0].start, "(0.5, 4.5)");
  assert.match(rows[0].nearest, /^minimum \(3, 2\)/);
  assert.equal(rows[1].diverged, "at step 12");
  assert.equal(rows[1].converged, "did not converge");
  assert.equal(rows[1].isDiverged, true);
});

test("chart summaries read the last values and the learning-rate range", () => {
  setLang("en");
  const meta = { steps: 2, n_lanes: 1, lanes: [{ lane: 0, optimizer: 0, start: 0 }], starts: [[0, 0]] };
  const b = new RunBuffer(meta);
  b.push({ start: 0, rows: 3, loss: [[5], [2], [0.5]], lr: [[null], [0.1], [0.05]], grad_norm: [[3], [2], [1]],
    dist_min: [[1], [0.5], [0.25]], xy: [[[0, 0]], [[1, 1]], [[2, 2]]] });
  assert.equal(metricSummary("sum.loss", b, ["Adam"]), "Loss after 2 steps: Adam 0.5.");
  assert.equal(lrSummary(b, ["Adam"]), "Learning rate: Adam from 0.1 to 0.05.");
});

test("a first moment is shown only for optimizers that keep one", () => {
  assert.equal(momentUsed(makeLane(cat, "sgd", { momentum: 0 })), false);
  assert.equal(momentUsed(makeLane(cat, "sgd", { momentum: 0.9 })), true);
  assert.equal(momentUsed(makeLane(cat, "gd", {})), false);
  assert.equal(momentUsed(makeLane(cat, "adam", {})), true);
});
