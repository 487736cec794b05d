import assert from "node:assert/strict";
import { test } from "node:test";

import { defaultMlp } from "../../static/js/mlp/config.js";
import { runRequest } from "../../static/js/requests.js";
import { decodeState, defaultState, encodeState, indexCatalog, TABS } from "../../static/js/state.js";
import { lrFinderBody, LRF_DEFAULTS } from "../../static/js/ui/mlp/lr_finder.js";
import { presetState } from "../../static/js/ui/lessons.js";
import catalog from "./fixtures/catalog.json" with { type: "json" };
import mlpCatalog from "./fixtures/mlp_catalog.json" with { type: "json" };

const cat = indexCatalog(catalog);
const mcat = indexCatalog(mlpCatalog);

const SWEEP = {
  id: "u-curve",
  sweep: {
    base: { kind: "surface", surface: { name: "ill_conditioned", params: { kappa: 10 } }, optimizers: [{ name: "sgd", params: { lr: 0.01 } }],
      starts: [[2.5, 2.5]], steps: 200, noise: { sigma: 1 }, seed: 0 },
    axes: { "optimizers.0.params.lr": { log_range: [1e-4, 1, 21] }, seed: [0, 1, 2, 3, 4] },
    metric: "final_loss",
  },
  view: { tab: "sweep", x: "optimizers.0.params.lr", chart: "curves", log_loss: true },
};

test("a sweep preset opens the Sweep tab with its base as the race", () => {
  const st = presetState(cat, SWEEP, { ...defaultState(cat), lang: "ko" });
  assert.equal(st.tab, "sweep");
  assert.equal(st.lang, "ko");
  assert.equal(st.preset, "u-curve");
  const body = runRequest(st);
  assert.equal(body.surface.name, "ill_conditioned");
  assert.deepEqual(body.starts, [[2.5, 2.5]]);
  assert.deepEqual(body.noise, { sigma: 1 });
  assert.equal(body.optimizers.length, 1);
  assert.ok(TABS.includes("sweep"));
  // the tab survives the URL
  assert.equal(decodeState(cat, `?${encodeState(cat, st)}`, "ko").tab, "sweep");
  // and the sweep shown, only on the Sweep tab
  assert.equal(decodeState(cat, `?${encodeState(cat, { ...st, sweepId: "ab12cd" })}`, "ko").sweepId, "ab12cd");
  assert.equal(decodeState(cat, `?${encodeState(cat, { ...st, tab: "race", sweepId: "ab12cd" })}`, "ko").sweepId, null);
  assert.equal(decodeState(cat, "?tab=sweep&sweep=<bad>", "en").sweepId, null);
});

test("a sweep preset over an MLP base fills the MLP tab's setup", () => {
  const base = { ...defaultState(mcat), mlp: defaultMlp(mcat) };
  const p = { id: "m", sweep: { base: { kind: "mlp", dataset: { name: "moons" }, optimizers: [{ name: "adam", params: { lr: 0.003 } }], epochs: 7 },
    axes: { seed: [0, 1] } }, view: { tab: "sweep" } };
  const st = presetState(mcat, p, base);
  assert.equal(st.tab, "sweep");
  assert.equal(st.mlp.lanes.length, 1);
  assert.equal(st.mlp.lanes[0].name, "adam");
  assert.equal(st.mlp.training.epochs, 7);
});

test("the range test's body: the MLP setup with lane 1 only and torch-lr-finder's defaults", () => {
  const mlp = defaultMlp(mcat);
  assert.ok(mlp.lanes.length > 1);
  const body = lrFinderBody(mlp);
  assert.equal(body.base.kind, "mlp");
  assert.equal(body.base.optimizers.length, 1);
  assert.equal(body.base.optimizers[0].name, mlp.lanes[0].name);
  assert.deepEqual({ start_lr: body.start_lr, end_lr: body.end_lr, num_iter: body.num_iter, step_mode: body.step_mode }, LRF_DEFAULTS);
  assert.equal("smooth_f" in body, false);
  const lesson = lrFinderBody(mlp, { start_lr: 1e-5, num_iter: 50, smooth_f: 0.1, diverge_th: 4 });
  assert.equal(lesson.start_lr, 1e-5);
  assert.equal(lesson.end_lr, 10);
  assert.equal(lesson.num_iter, 50);
  assert.equal(lesson.smooth_f, 0.1);
  assert.equal(lesson.diverge_th, 4);
});
