import assert from "node:assert/strict";
import { test } from "node:test";

import { RunBuffer } from "../../static/js/buffer.js";

const meta = { steps: 4, n_lanes: 2, lanes: [{ lane: 0, optimizer: 0, start: 0 }, { lane: 1, optimizer: 1, start: 0 }],
  starts: [[1, 1]] };

function frame(start, rows) {
  const f = { start, rows, xy: [], loss: [], grad_norm: [], dist_min: [], lr: [], grad: [], update: [], m: [], v: [] };
  for (let r = start; r < start + rows; r++) {
    f.xy.push([[r, 0 - r || 0], r >= 3 ? null : [10 * r, 0]]);
    f.loss.push([r * r, r >= 3 ? null : 1]);
    f.grad_norm.push([r, r]);
    f.dist_min.push([1 / (r + 1), 2]);
    f.lr.push([r === 0 ? null : 0.1, 0.2]);
    f.grad.push([r === 0 ? null : [1, 2], [3, 4]]);
    f.update.push([[0.5, 0.5], null]);
    f.m.push([null, null]);
    f.v.push([[1, 1], [2, 2]]);
  }
  return f;
}

test("frames fill rows in order; values are read back per lane", () => {
  const b = new RunBuffer(meta);
  b.push(frame(0, 2));
  b.push(frame(2, 3));
  assert.equal(b.rows, 5);
  assert.deepEqual(b.vector("xy", 0, 4), [4, -4]);
  assert.equal(b.scalar("loss", 0, 3), 9);
  assert.equal(b.scalar("lr", 0, 0), null);
  assert.deepEqual(b.vector("grad", 0, 1), [1, 2]);
  assert.equal(b.vector("m", 0, 1), null);
});

test("several frames between two animation frames are drawn once: version and dirty range", () => {
  const b = new RunBuffer(meta);
  const v0 = b.version;
  b.push(frame(0, 1));
  b.push(frame(1, 2));
  b.push(frame(3, 2));
  assert.equal(b.version, v0 + 3);
  assert.equal(b.takeDirty(), 0); // one redraw from the first new row
  assert.equal(b.takeDirty(), null); // nothing new since
  b.push(frame(4, 1));
  assert.equal(b.takeDirty(), 4);
});

test("null marks a diverged lane: its head is its last finite row", () => {
  const b = new RunBuffer(meta);
  b.push(frame(0, 5));
  b.markDiverged({ lane: 1, step: 3, reason: "non-finite", last_xy: [20, 0] });
  assert.equal(b.vector("xy", 1, 3), null);
  assert.equal(b.headRow(1, 4), 2);
  assert.equal(b.headRow(0, 4), 4);
  assert.equal(b.divergedBy(1, 2), null);
  assert.equal(b.divergedBy(1, 3).step, 3);
});

test("path returns zero-copy views up to the cursor; series covers received rows", () => {
  const b = new RunBuffer(meta);
  b.push(frame(0, 3));
  const [x, y] = b.path(0, 1);
  assert.deepEqual(Array.from(x), [0, 1]);
  assert.deepEqual(Array.from(y), [0, -1]);
  assert.equal(x.buffer, b.cols.xy[0][0].buffer);
  const [steps, loss] = b.series("loss", 0);
  assert.deepEqual(Array.from(steps), [0, 1, 2]);
  assert.deepEqual(Array.from(loss), [0, 1, 4]);
  assert.equal(b.path(0, 99)[0].length, 3); // never past what arrived
});

test("fromResult holds a whole ?wait=true result", () => {
  const f = frame(0, 5);
  const result = { meta, arrays: { xy: f.xy, loss: f.loss, grad_norm: f.grad_norm, dist_min: f.dist_min, lr: f.lr,
    grad: f.grad, update: f.update, m: f.m, v: f.v }, diverged: [{ lane: 1, step: 3, reason: "x", last_xy: [1, 2] }],
  summary: [{ lane: 0 }, { lane: 1 }], final: { status: "done", summary: [{ lane: 0 }, { lane: 1 }], elapsed_s: 0.05 } };
  const b = RunBuffer.fromResult(result);
  assert.equal(b.rows, 5);
  assert.equal(b.done, true);
  assert.equal(b.elapsed, 0.05);
  assert.equal(b.summary.length, 2);
  assert.equal(b.divergedBy(1).step, 3);
});

test("rows beyond the step budget are ignored", () => {
  const b = new RunBuffer(meta);
  b.push(frame(3, 4));
  assert.equal(b.rows, 5);
});

test("a lean result derives update from the positions and takes the rest later without redrawing charts", () => {
  const f = frame(0, 5);
  const lean = { xy: f.xy, loss: f.loss, grad_norm: f.grad_norm, dist_min: f.dist_min, lr: f.lr };
  const b = RunBuffer.fromResult({ meta, arrays: lean, diverged: [], summary: [] });
  assert.deepEqual(b.missing, ["grad", "m", "v"]);
  assert.deepEqual(b.vector("update", 0, 2), [1, -1]); // x_2 − x_1 for lane 0: (2, −2) − (1, −1)
  assert.equal(b.vector("update", 0, 0), null);
  assert.equal(b.vector("update", 1, 3), null); // lane 1 has no position at row 3
  assert.equal(b.vector("grad", 1, 2), null);
  const version = b.version;
  b.takeDirty();
  b.fill({ start: 0, rows: 5, grad: f.grad, m: f.m, v: f.v });
  assert.deepEqual(b.vector("grad", 1, 2), [3, 4]);
  assert.deepEqual(b.missing, []);
  assert.equal(b.details, 1);
  assert.equal(b.version, version); // the charts need not redraw
  assert.equal(b.takeDirty(), null);
});

test("a whole result has nothing missing", () => {
  const b = RunBuffer.fromResult({ meta, arrays: frame(0, 5), diverged: [], summary: [] });
  assert.deepEqual(b.missing, []);
  assert.deepEqual(b.vector("update", 0, 1), [0.5, 0.5]); // the server's own, not derived
});
