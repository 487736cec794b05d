import assert from "node:assert/strict";
import { test } from "node:test";

import { epochOf, MlpBuffer } from "../../static/js/mlp/buffer.js";
import result from "./fixtures/mlp_result.json" with { type: "json" };

const meta = {
  lanes: [{ lane: 0 }, { lane: 1 }], epochs: 4, iterations_per_epoch: 2, total_iterations: 8, n_val: 10,
  layers: [{ fan_in: 2, fan_out: 3 }, { fan_in: 3, fan_out: 2 }], hist_edges: [[-1, 0, 1], [-1, 0, 1]],
};

/** A frame of epochs [from, to): lane 1 stops after epoch 2 (its later rows are null). */
function frame(from, to) {
  const f = { epochs: [], iteration: [], train_loss: [], val_loss: [], train_acc: [], val_acc: [], lr: [], active: [],
    grad_norm: [], weight_norm: [], hist: [], it_index: [], it_loss: [], it_lr: [], grids: [] };
  for (let e = from; e < to; e++) {
    const stopped = e > 2;
    f.epochs.push(e);
    f.iteration.push(2 * e);
    f.train_loss.push([1 / (e + 1), stopped ? null : 2 / (e + 1)]);
    f.val_loss.push([1.5 / (e + 1), stopped ? null : [3, 2, 1][e]]);
    f.train_acc.push([0.5 + 0.1 * e, stopped ? null : 0.5]);
    f.val_acc.push([0.5 + 0.1 * e, stopped ? null : 0.4]);
    f.lr.push([0.1, 0.01]);
    f.active.push([true, !stopped]);
    f.grad_norm.push(e === 0 ? [[null, null], [null, null]] : [[0.001 * e, 1], [stopped ? null : 0.5, stopped ? null : 0.5]]);
    f.weight_norm.push([[1, 1], [1, 1]]);
    f.hist.push([[[e, 1], [2, 2]], [[0, 3], [1, 1]]]);
    if (e > 0) {
      for (const k of [2 * e - 1, 2 * e]) {
        f.it_index.push(k);
        f.it_loss.push([k, stopped ? null : k / 2]);
        f.it_lr.push([0.1, 0.01]);
      }
    }
    if (e % 2 === 0) f.grids.push({ epoch: e, kind: "probability", values: [[[e]], stopped ? null : [[e + 0.5]]] });
  }
  return f;
}

test("frames fill epochs and iterations in order, wherever a frame ends", () => {
  const b = new MlpBuffer(meta);
  b.push(frame(0, 2));
  assert.equal(b.rows, 2);
  assert.equal(b.itRows, 2);
  b.push(frame(2, 5));
  assert.equal(b.rows, 5);
  assert.equal(b.itRows, 8);
  assert.equal(b.lastEpoch, 4);
  assert.equal(b.value("train_loss", 0, 3), 0.25);
  assert.equal(b.value("val_loss", 1, 4), null); // a stopped lane's rows are null → NaN → null
  assert.deepEqual(Array.from(b.itSeries("it_loss", 0)[0]), [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4]); // k / ipe
  assert.equal(b.value("active", 1, 2), 1);
  assert.equal(b.value("active", 1, 3), 0);
});

test("takeDirty reports new frames once", () => {
  const b = new MlpBuffer(meta);
  assert.equal(b.takeDirty(), false);
  b.push(frame(0, 1));
  assert.equal(b.takeDirty(), true);
  assert.equal(b.takeDirty(), false);
});

test("a stopped lane shows its last live epoch: gradients, histograms, boundary", () => {
  const b = new MlpBuffer(meta);
  b.push(frame(0, 5));
  assert.equal(b.liveEpoch(1, 4), 2);
  assert.deepEqual(b.gradAt(1, 4), [0.5, 0.5]);
  assert.deepEqual(b.gradAt(0, 3), [0.003, 1]);
  assert.deepEqual(b.histAt(0, 0, 1), [1, 1]);
  assert.equal(b.gridAt(1, 4).epoch, 2); // the epoch-4 grid has no values for lane 1
  assert.equal(b.gridAt(0, 4).epoch, 4);
});

test("epoch 0 has no iterations yet, so its gradient chart shows epoch 1", () => {
  const b = new MlpBuffer(meta);
  b.push(frame(0, 3));
  assert.deepEqual(b.gradAt(0, 0), [0.001, 1]);
});

test("the boundary shown at an epoch is the latest grid at or before it", () => {
  const b = MlpBuffer.fromResult(result);
  const epochs = result.arrays.grids.map((g) => g.epoch);
  assert.deepEqual(epochs, [0, 5, 10, 15, 20, 21]);
  for (const [epoch, want] of [[0, 0], [4, 0], [5, 5], [14, 10], [20, 20], [21, 21], [99, 21]]) {
    assert.equal(b.gridAt(0, epoch).epoch, want, `epoch ${epoch}`);
  }
  const g = b.gridAt(1, 12);
  assert.equal(g.kind, "probability");
  assert.equal(g.values.length, result.meta.grid.y.length);
  assert.equal(g.values[0].length, result.meta.grid.x.length);
});

test("a whole result: rows, stops from the summary, best epochs", () => {
  const b = MlpBuffer.fromResult(result);
  assert.equal(b.done, true);
  assert.equal(b.rows, 22); // both lanes stopped early: training ended at epoch 21
  assert.equal(b.itRows, 21 * result.meta.iterations_per_epoch);
  assert.deepEqual(b.stopOf(0), { reason: "early_stop", epoch: 21, best_epoch: 18 });
  assert.deepEqual(b.stopOf(1), { reason: "early_stop", epoch: 5, best_epoch: 2 });
  assert.equal(b.bestEpoch(0), 18);
  assert.equal(b.bestEpoch(1), 2);
});

test("stopped and diverged events mark lanes while the stream runs", () => {
  const b = new MlpBuffer(meta);
  b.push(frame(0, 4));
  assert.equal(b.stopOf(1), null);
  b.markStopped({ lane: 1, epoch: 3, best_epoch: 1, restored: true });
  b.markDiverged({ lane: 0, epoch: 4, iteration: 7 });
  assert.deepEqual(b.stopOf(1), { reason: "early_stop", epoch: 3, best_epoch: 1 });
  assert.deepEqual(b.stopOf(0), { reason: "diverged", epoch: 4, best_epoch: null });
});

test("a summary's diverged_at may be a number or {epoch, iteration}", () => {
  assert.equal(epochOf(7), 7);
  assert.equal(epochOf({ epoch: 3, iteration: 14 }), 3);
  assert.equal(epochOf(null), null);
  const b = new MlpBuffer(meta);
  b.finish({ status: "done", summary: [{ lane: 0, reason: "diverged", stopped_epoch: 3, diverged_at: { epoch: 3, iteration: 5 } }] });
  assert.equal(b.stopOf(0).epoch, 3);
});
