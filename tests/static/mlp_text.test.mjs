import assert from "node:assert/strict";
import { test } from "node:test";

import { setLang } from "../../static/js/i18n.js";
import { MlpBuffer } from "../../static/js/mlp/buffer.js";
import {
  accSummary, boundarySummary, counters, gradRatio, gradRatioText, gradSummary, histStats, histSummary, int, ipeText,
  lossSummary, netDiagram, pct, tableRows,
} from "../../static/js/mlp/text.js";
import result from "./fixtures/mlp_result.json" with { type: "json" };

const labels = ["SGD · lr 0.1", "Adam · lr 0.05"];

test("iterations per epoch are spelled out: samples ÷ batch, with ⌈ ⌉ when it does not divide", () => {
  setLang("en");
  assert.equal(ipeText(2000, 200, 10), "2,000 samples ÷ batch 200 = 10");
  assert.equal(ipeText(320, 50, 7), "⌈320 samples ÷ batch 50⌉ = 7");
  assert.equal(ipeText(320, 320, 1), "320 samples, full batch = 1");
  setLang("ko");
  assert.equal(ipeText(2000, 200, 10), "데이터 2,000개 ÷ 배치 크기 200 = 10");
  setLang("en");
});

test("the counters say epoch e / E, the iterations done and the parameters", () => {
  setLang("en");
  const b = MlpBuffer.fromResult(result);
  const c = Object.fromEntries(counters(result.meta, b, 5).map((x) => [x.id, x.value]));
  assert.equal(c.epoch, "5 / 30");
  assert.equal(c.iteration, `${5 * result.meta.iterations_per_epoch} / ${result.meta.total_iterations}`);
  assert.equal(c.ipe, "30 samples ÷ batch 10 = 3");
  assert.equal(c.params, int(result.meta.n_params));
  assert.equal(counters(result.meta, b, 999)[0].value, "30 / 30");
});

test("numbers: thousands separators and percentages", () => {
  assert.equal(int(12345), "12,345");
  assert.equal(pct(0.95), "95%");
  assert.equal(pct(0.9375), "93.8%");
  assert.equal(pct(1), "100%");
  assert.equal(pct(null), "—");
});

test("the summary table says when and why each lane stopped", () => {
  setLang("en");
  const rows = tableRows(result.summary, labels, result.meta);
  assert.equal(rows[0].stopped, "21");
  assert.equal(rows[0].bestEpoch, "18");
  assert.equal(rows[0].why, "early stopping, best weights restored");
  assert.equal(rows[1].bestAcc, pct(result.summary[1].best_val_acc));
  const div = tableRows([{ lane: 0, reason: "diverged", stopped_epoch: 3, diverged_at: { epoch: 3, iteration: 14 } }], labels, result.meta);
  assert.equal(div[0].stopped, "3");
  assert.equal(div[0].why, "diverged");
  const why = (reason) => tableRows([{ lane: 0, reason: "diverged", stopped_epoch: 1, diverged_at: { epoch: 1, iteration: 3, reason } }],
    labels, result.meta)[0].why;
  assert.equal(why("loss"), "diverged: the loss passed 10⁴ × its untrained value");
  assert.equal(why("grad_norm"), "diverged: a layer's gradient norm passed 10⁶");
  assert.equal(why("non_finite"), "diverged: the loss overflowed to infinity or NaN");
  assert.equal(div[0].isDiverged, true);
});

test("screen-reader summaries: best accuracy and loss with their epochs, and early stops", () => {
  setLang("en");
  const b = MlpBuffer.fromResult(result);
  const acc = accSummary(b, labels);
  assert.match(acc, /SGD · lr 0\.1 reached \d+(\.\d)?% validation accuracy at epoch \d+; SGD · lr 0\.1 stopped early at epoch 21 \(best epoch 18\)/);
  assert.match(acc, /Adam · lr 0\.05 stopped early at epoch 5/);
  assert.match(lossSummary(b, labels), /Adam · lr 0\.05 reached its lowest validation loss [\d.]+ at epoch 2/);
  assert.match(boundarySummary(b, labels, 10), /^Decision boundaries at epoch 10; validation accuracy: SGD · lr 0\.1 \d/);
  assert.match(gradSummary(b, labels, 10), /^Gradient norm per layer at epoch 10: SGD · lr 0\.1 from /);
  assert.match(histSummary(b, labels, 10), /epoch 10: SGD · lr 0\.1 [\d.]+ \/ [\d.]+ \/ [\d.]+/);
  setLang("ko");
  assert.match(accSummary(b, labels), /에포크 21에서 조기 종료/);
  setLang("en");
  assert.equal(accSummary(null, labels), "No network has been trained yet.");
});

test("the gradient ratio of the input layer to the output layer names vanishing gradients", () => {
  setLang("en");
  assert.equal(gradRatio([1e-4, 1e-2, 0.1]).kind, "vanish");
  assert.equal(gradRatio([20, 1]).kind, "explode");
  assert.equal(gradRatio([0.2, 0.1, 0.15]).kind, "steady");
  assert.equal(gradRatio([0.1]), null);
  assert.equal(gradRatio([0, 0.1]), null);
  assert.equal(gradRatioText("SGD", [2e-4, 0.2]), "SGD: layer 1 ÷ output layer = 0.001 (vanishing gradients)");
  setLang("ko");
  assert.match(gradRatioText("SGD", [2e-4, 0.2]), /기울기 소실/);
  setLang("en");
});

test("the network diagram: a column of at most six dots per layer, every edge between neighbours", () => {
  const d = netDiagram([2, 16, 16, 2], 120, 40);
  assert.equal(d.nodes.length, 2 + 6 + 6 + 2);
  assert.equal(d.edges.length, 2 * 6 + 6 * 6 + 6 * 2);
  assert.deepEqual(d.labels.map((l) => l.text), ["2", "16", "16", "2"]);
  assert.ok(d.nodes.every(([x, y]) => x >= 0 && x <= 120 && y >= 0 && y <= 40));
  assert.equal(netDiagram([3]).edges.length, 0);
});

test("histogram mean and spread from bin counts", () => {
  const s = histStats([0, 2, 2, 0], [-2, -1, 0, 1, 2]);
  assert.equal(s.n, 4);
  assert.equal(s.mean, 0);
  assert.ok(Math.abs(s.std - 0.5) < 1e-12);
  assert.equal(histStats([0, 0], [0, 1, 2]), null);
});
